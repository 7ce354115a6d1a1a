"""Which version of a note was given out: its last commit, and whether it has unsaved changes.

A link records the note's revision so that the exact text given to a caller can be shown
again later (``kb show NOTE --at REV``). GitPython is imported only here and only when needed,
and a ``Repo`` is opened per call and closed straight after.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from git import Repo

#: How many hex digits a revision is shown with.
SHORT = 7


def short(revision: str | None) -> str:
    """A revision as people read it (``3f2c9a1``); empty when there is none."""
    return (revision or "")[:SHORT]


def last_commit(root: Path, rel: str) -> str | None:
    """The full sha of the last commit that touched ``rel``; None when it was never committed
    (or the KB is not a git repository)."""
    repo = _open(root)
    if repo is None:
        return None
    try:
        from git import GitCommandError

        try:
            sha = repo.git.log("-1", "--format=%H", "--", rel).strip()
        except (GitCommandError, ValueError):
            return None
        return sha or None
    finally:
        repo.close()


def has_changes(root: Path, rel: str) -> bool:
    """True when ``rel`` differs from its committed version (or is not committed at all)."""
    repo = _open(root)
    if repo is None:
        return False
    try:
        from git import GitCommandError

        try:
            status = repo.git.status("--porcelain", "--", rel)
        except GitCommandError:
            return False
        return bool(status.strip())
    finally:
        repo.close()


def _open(root: Path) -> Repo | None:
    if not (Path(root) / ".git").exists():
        return None
    try:
        from git import InvalidGitRepositoryError, NoSuchPathError, Repo
    except ImportError:  # git itself is not installed
        return None
    try:
        return Repo(root, search_parent_directories=False)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return None
