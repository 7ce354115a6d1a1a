"""KB health: the figures of ``kb stats``, the problems ``kb check`` finds, and flags that mark
a note for rework.
"""

from kb.health.checks import check
from kb.health.flags import clear_flag, flag_note
from kb.health.stats import Health, compute, report

__all__ = ["Health", "check", "clear_flag", "compute", "flag_note", "report"]
