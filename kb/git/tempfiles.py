"""Temporary files of kb's atomic writes (``.name.md.<random>.tmp``): never part of the KB.

A write killed half-way leaves its temporary file beside the note. Such a file is never
added to git, whatever the team's ``.gitignore`` says, and once nothing holds it open and it
is a few minutes old, the next save or sync deletes it.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path, PurePosixPath

from kb.git import processes
from kb.notes.content import content_of

#: The name :mod:`kb.notes.atomic` gives a file while it is being written.
_TEMP_NAME = re.compile(r"^\..+\.tmp$")
#: A temporary file younger than this may belong to a write still running.
STALE_SECONDS = 300
#: Where kb writes (the folders and files a sync commits, and the KB's top folder).
_FOLDERS = ("notes", "tickets", "templates")


def is_temp(rel: str) -> bool:
    """True when ``rel`` (a path or a name) is a temporary file of an atomic write."""
    return bool(_TEMP_NAME.match(PurePosixPath(rel).name))


def stale(root: Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Temporary files in the KB's folders that no process holds and that are old enough."""
    root = Path(root)
    now = time.time()
    candidates = []
    for path in _temporary_files(root):
        age = _age(path, now)
        if age is not None and age >= older_than:
            candidates.append(path)
    if not candidates or not processes.holding(candidates):
        return candidates
    return [path for path in candidates if not processes.holding([path])]


def _temporary_files(root: Path) -> list[Path]:
    found: list[Path] = []
    with contextlib.suppress(OSError):
        found.extend(root / name for name in os.listdir(root) if _TEMP_NAME.match(name))
    content = content_of(root, ignored=False)
    folders = [*_FOLDERS, *(folder for folder in content.folders if folder not in _FOLDERS)]
    for name in folders:
        folder = root / name if name else root
        if (name and folder.is_symlink()) or not folder.is_dir():
            continue
        for current, dirs, names in os.walk(folder, followlinks=False):
            if not name:  # the whole work tree holds notes: never into .git or .kb
                dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.extend(Path(current, n) for n in names if _TEMP_NAME.match(n))
    return [path for path in found if path.is_file() and not path.is_symlink()]


def _age(path: Path, now: float) -> float | None:
    try:
        return now - path.lstat().st_mtime
    except OSError:
        return None


def sweep(root: Path, older_than: float = STALE_SECONDS) -> list[str]:
    """Delete stale temporary files of killed writes; the KB-relative paths deleted."""
    removed = []
    for path in stale(root, older_than):
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path.relative_to(root).as_posix())
    return removed
