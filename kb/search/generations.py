"""The generation folders of ``<kb>/.kb/index``: their names, what is kb's own in them, and the
removal of those no longer live.

Every build of the index (a first build, a rebuild, a compaction) writes a new generation
folder and then switches ``current.json`` to it; what a killed build leaves behind is swept
by the next update of any kind. Only real folders really inside the real ``.kb/index`` are
ever deleted: a symlink committed in their place is removed as a link and never followed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path

from kb.notes import paths
from kb.search import manifest, vectors_owed

#: What the files were like when the index last caught up with them (the caller's data: the
#: git commit and the dirty files), so that the next search reads only what changed since.
STAMP = "source-stamp.json"
#: kb's own files in a generation, beside the engine's: what a compaction carries over.
OWN_FILES = (manifest.MANIFEST, manifest.JOURNAL, STAMP, vectors_owed.OWED_FILE)
#: What else ``.kb/index`` holds besides generations.
KEPT = ("lock", "current.json")


def new_name(format_id: str) -> str:
    """A fresh generation name for an index of ``format_id``."""
    return f"{format_id}-{uuid.uuid4().hex[:12]}"


def is_name(name: str) -> bool:
    """True for a name kb may have given a generation ("whoosh-2-3-<hex>")."""
    return bool(name) and not name.startswith(".") and os.sep not in name and "/" not in name


def holds_a_link(folder: Path) -> bool:
    """True when anything in a generation folder is a symlink (an index kb built holds none)."""
    try:
        return any(entry.is_symlink() for entry in os.scandir(folder))
    except OSError:
        return True


def copy_own_files(source: Path, target: Path) -> None:
    """Copy kb's own files of one generation into another, byte for byte and with their
    times, so that what was recorded about them (the stamp's manifest size and time) holds."""
    for name in OWN_FILES:
        origin = source / name
        if origin.is_file() and not origin.is_symlink():
            shutil.copy2(origin, target / name, follow_symlinks=False)


def sweep(root: Path, folder: Path, keep: str) -> None:
    """Remove what earlier updates left in ``folder`` (``.kb/index``): generations that are
    not ``keep`` (the live one), symlinks, temporary files. Called with the index's lock held:
    no other kb is building a generation meanwhile, but for a compaction (which copies without
    the lock: it then finds its copy gone and drops it, :mod:`kb.search.compaction`)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink():  # whatever its name: kb makes none here
            with contextlib.suppress(OSError):
                paths.remove_link(Path(entry.path))
        elif entry.name == keep or entry.name in KEPT:
            continue
        elif entry.is_dir(follow_symlinks=False):
            remove(root, folder, entry.name)
        elif entry.name.startswith(".") and entry.name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)  # a write of current.json that was killed


def remove(root: Path, folder: Path, name: str) -> None:
    """Delete one generation folder: only a real folder really inside the real
    ``.kb/index``, checked after resolving every link."""
    expected = paths.real_root(root) / paths.LOCAL_FOLDER / "index"
    generation = folder / name
    if (
        not is_name(name)
        or os.path.realpath(folder) != str(expected)
        or os.path.realpath(generation) != str(expected / name)
        or not paths.is_real_folder(generation)
    ):
        return
    shutil.rmtree(generation, ignore_errors=True)
