"""The names of the conflict copies ``kb sync`` keeps beside a note: one pattern, read by the
notes layer (a copy is never a note of its own) and by sync (which writes and settles them).

A copy of ``notes/printer.md`` is ``notes/printer.conflict-<who>-<when>.md``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

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


class Waiting:
    """Which notes have a conflict copy waiting beside them, at the cost of a ``stat`` per
    folder once looked at: a folder is listed again only when files came or went in it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._folders: dict[str, tuple[int, frozenset[str]]] = {}

    def among(self, rels: list[str]) -> set[str]:
        """The paths of ``rels`` (notes, relative to the root) with a conflict waiting."""
        found: set[str] = set()
        looked: dict[str, frozenset[str]] = {}  # a stat per folder, not per note
        for rel in rels:
            folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
            originals = looked.get(folder)
            if originals is None:
                originals = looked[folder] = self._originals(folder)
            if rel in originals:
                found.add(rel)
        return found

    def _originals(self, folder: str) -> frozenset[str]:
        where = self.root / folder if folder else self.root
        try:
            stamp = os.stat(where).st_mtime_ns
        except OSError:
            return frozenset()
        known = self._folders.get(folder)
        if known is not None and known[0] == stamp:
            return known[1]
        prefix = f"{folder}/" if folder else ""
        try:
            names = [entry.name for entry in os.scandir(where) if ".conflict-" in entry.name]
        except OSError:
            names = []
        originals = frozenset(
            original for name in names if (original := original_of(prefix + name)) is not None
        )
        self._folders[folder] = (stamp, originals)
        return originals
