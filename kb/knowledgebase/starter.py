"""The starter KB shipped with kb, and the personal KB made from it on first run."""

from __future__ import annotations

import shutil
from pathlib import Path


def starter_notes() -> Path | None:
    """The folder of starter notes: inside the installed package, or the source checkout's."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "starter" / "notes", package.parent / "notes"):
        if candidate.is_dir() and any(candidate.glob("*.md")):
            return candidate
    return None


def copy_starter(path: Path) -> None:
    """Make the folder ``path`` holding the starter notes (made beside it, then renamed: a
    crash never leaves half a KB). The caller makes it a KB (folders, settings, git)."""
    source = starter_notes()
    staging = path.with_name(path.name + ".creating")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if source is not None:
        shutil.copytree(source, staging / "notes", dirs_exist_ok=True)
    staging.rename(path)
