"""Sharing a KB through its git remote (``kb sync``, ``kb save``) without losing anyone's words:
the sync itself, merging two versions of a note, and the conflicts it keeps for the user.
"""

from kb.sync.conflict_files import Conflict, conflicts, resolve
from kb.sync.syncing import SaveReport, SecretsFound, SyncReport, save_pending, sync

__all__ = [
    "Conflict",
    "SaveReport",
    "SecretsFound",
    "SyncReport",
    "conflicts",
    "resolve",
    "save_pending",
    "sync",
]
