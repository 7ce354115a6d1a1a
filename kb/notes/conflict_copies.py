"""The names of the conflict copies ``kb sync`` keeps beside a note: one pattern, read by the
notes layer (a copy is never a note of its own) and by sync (which writes and settles them).

A copy of ``notes/printer.md`` is ``notes/printer.conflict-<who>-<when>.md``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

#: ``<stem>.conflict-<who>-<when>[-n]<suffix>``: the other side's version of ``<stem><suffix>``.
COPY_NAME = re.compile(r"^(?P<stem>.+)\.conflict-(?P<slug>[a-z0-9-]+)(?P<suffix>\.[A-Za-z0-9]+)?$")


def is_conflict_copy(rel: str) -> bool:
    """True when ``rel`` (a path or a file name) is a conflict copy kept by ``kb sync``."""
    return COPY_NAME.match(rel.rsplit("/", 1)[-1]) is not None


def original_of(rel: str) -> str | None:
    """The path of the note a conflict copy belongs to; None when ``rel`` is not a copy."""
    pure = PurePosixPath(rel)
    match = COPY_NAME.match(pure.name)
    if match is None:
        return None
    return str(pure.with_name(match.group("stem") + (match.group("suffix") or "")))
