"""Sharing a KB through its git remote (``kb sync``, ``kb save``) without losing anyone's words:
the sync and what it says, recovery from a crash, talking to the remote, merging the team's
commits and settling conflicts, text merging, and the conflict files kept for the user.
"""

from kb.sync.conflict_files import Conflict, conflicts, resolve
from kb.sync.report import SaveReport, SecretsFound, SyncReport, report_lines
from kb.sync.saving import save_pending
from kb.sync.syncing import sync

__all__ = [
    "Conflict",
    "SaveReport",
    "SecretsFound",
    "SyncReport",
    "conflicts",
    "report_lines",
    "resolve",
    "save_pending",
    "sync",
]
