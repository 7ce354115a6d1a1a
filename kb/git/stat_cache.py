"""Git's stat cache brought up to date for files whose times changed but whose content did
not (a KB copied, restored or touched), without ever making the user's git wait or fail.

Git keeps each file's size and times in its index; a file whose times no longer match is
read again by every ``git status`` until something writes the index. kb's looks never write
it (they run without optional locks), so such files would cost every search a read of each.

The refresh runs ``git update-index --refresh`` on a private copy of the index, holding no
lock of git's while git works (that may take seconds on slow storage); the copy then
replaces the index under git's own ``index.lock``, taken for that moment only and only if
free, and only if the index is still the one copied (a ``git add`` meanwhile wins, and the
refresh is tried at a later look). Each try is remembered (``.kb/git-stat-refresh``): the
same index with no more flagged files is not tried again, so files that really differ from
the index do not start a refresh at every look.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import tempfile
from pathlib import Path

from kb.git.git_command import GIT, TIMEOUT
from kb.notes.paths import local_file, local_readable

#: Where the index's size and time are kept after a refresh that found nothing to update.
NOTHING_TO_DO = "git-stat-refresh"


def refresh(root: Path, stale: int) -> bool:
    """Bring git's stat cache up to date (see the module docstring), ``stale`` being how many
    files git's cache flags; True when the index was replaced by a refreshed one. Not tried
    again for the same index unless more files are flagged than at the last try."""
    from kb.git.locks import git_dir, repo_lock
    from kb.notes.errors import KBError

    index = git_dir(root) / "index"
    seen = _signature(index)
    if seen is None:
        return False
    tried = _remembered(root)
    if tried is not None and tried[0] == seen and stale <= tried[1]:
        return False
    try:
        original = index.read_bytes()
        with repo_lock(root, timeout=0):
            outcome = _refresh(root, index, original)
    except (KBError, OSError):
        # A kb commit or sync is running (a later look tries again), or the repository
        # cannot be written here (a read-only KB: its searches read the files as before).
        return False
    if outcome is None:
        return False  # git was busy with the index, or failed: a later look tries again
    now = _signature(index)
    if now is not None:
        _remember(root, now, stale)
    return outcome


def _refresh(root: Path, index: Path, original: bytes) -> bool | None:
    """True when the refreshed copy replaced the index, False when there was nothing to
    update, None when it could not be done now."""
    handle, name = tempfile.mkstemp(prefix="kb-index-", dir=index.parent)
    copy = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(original)
        try:
            subprocess.run(
                [*GIT, "update-index", "-q", "--refresh"],
                cwd=root,
                env={**os.environ, "GIT_INDEX_FILE": str(copy)},
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=TIMEOUT,
                check=False,
            )
            refreshed = copy.read_bytes()
        except (OSError, subprocess.SubprocessError):
            return None
        if refreshed == original:
            return False
        with contextlib.suppress(OSError):
            os.chmod(copy, stat.S_IMODE(index.stat().st_mode))  # a shared repository's mode
        return _swap(index, copy, original)
    finally:
        for leftover in (copy, copy.with_name(copy.name + ".lock")):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _swap(index: Path, copy: Path, original: bytes) -> bool | None:
    """Put ``copy`` in place of ``index`` under git's lock, if the index is unchanged; None
    when git holds the lock or changed the index meanwhile (it wins)."""
    lock = index.with_name(index.name + ".lock")
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:
        return None
    try:
        try:
            if index.read_bytes() != original:
                return None
            os.replace(copy, index)
        except OSError:
            return None
        return True
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            lock.unlink()


def _signature(path: Path) -> str | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return f"{info.st_size} {info.st_mtime_ns} {info.st_ino}"


def _remembered(root: Path) -> tuple[str, int] | None:
    """The index's signature and the flagged files at the last try, if kept."""
    path = local_readable(root, NOTHING_TO_DO)
    if path is None:
        return None
    try:
        signature, _, stale = path.read_text(encoding="ascii").strip().rpartition(" ")
        return signature, int(stale)
    except (OSError, ValueError):
        return None


def _remember(root: Path, seen: str, stale: int) -> None:
    from kb.notes.atomic import write_text

    with contextlib.suppress(OSError, ValueError):
        write_text(local_file(root, NOTHING_TO_DO), f"{seen} {stale}\n")
