"""Lock files, so that kb processes on one KB (the app, a terminal, a script) take turns at a
shared file: each reads it, changes it and writes it back while no other kb does.

Locks are advisory (``flock``/``msvcrt``) on small files under ``.kb/locks/`` (local,
git-ignored); the operating system releases them when a process dies, so a crash never leaves
a KB locked. A process waits for a lock up to :data:`WAIT_SECONDS`, then gives up with
:class:`LockBusy`, whose one-line message says what was locked.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from kb.notes.errors import KBError
from kb.notes.paths import LOCAL_FOLDER, local_folder

LOCKS_FOLDER = ".kb/locks"
#: How long kb waits for another kb to finish with a shared file before it gives up.
WAIT_SECONDS = 30.0
_POLL_SECONDS = 0.02


class LockBusy(KBError):
    """Another kb process held a lock for longer than kb waits."""


# Locks this thread holds, by path: taking one again (a change inside a change) must not
# wait for itself, as a second flock on a new descriptor would.
_held = threading.local()


class FileLock:
    """An exclusive advisory lock on a file, waited for up to ``timeout`` seconds.

    ``purpose`` names what the lock guards ("the link log", "notes/vpn.md"); it starts the
    message of the error raised when the wait is over (``busy``, :class:`LockBusy` unless
    given). Re-entering a lock the same thread holds does not wait.
    """

    def __init__(
        self,
        path: Path,
        purpose: str = "a file kb shares",
        timeout: float | None = None,
        busy: Callable[[str], Exception] = LockBusy,
    ) -> None:
        self.path = Path(path)
        self.purpose = purpose
        self.timeout = WAIT_SECONDS if timeout is None else timeout
        self.busy = busy
        self._fd: int | None = None
        self._nested = False

    def __enter__(self) -> FileLock:
        counts = _counts()
        key = os.path.abspath(self.path)
        if counts.get(key):
            counts[key] += 1
            self._nested = True
            return self
        _make_folder(self.path.parent)
        fd = _open(self.path)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                _lock(fd)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise self.busy(
                        f"{self.purpose} is being changed by another kb; try again shortly"
                    ) from None
                time.sleep(_POLL_SECONDS)
        self._fd = fd
        counts[key] = 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        counts = _counts()
        key = os.path.abspath(self.path)
        if self._nested:
            counts[key] -= 1
            self._nested = False
            return
        counts.pop(key, None)
        if self._fd is not None:
            try:
                _unlock(self._fd)
            finally:
                os.close(self._fd)
                self._fd = None


def _make_folder(folder: Path) -> None:
    """Make the lock's folder. Under a KB's ``.kb/`` (local state a repository may hold
    symlinks in), every folder from ``.kb`` down is made a real local folder first."""
    parts = folder.parts
    if LOCAL_FOLDER in parts:
        at = len(parts) - 1 - parts[::-1].index(LOCAL_FOLDER)
        local_folder(Path(*parts[:at]), *parts[at + 1 :])
    else:
        folder.mkdir(parents=True, exist_ok=True)


def _open(path: Path) -> int:
    """Open (or create) the lock file itself: a symlink in its place (from a repository) is
    removed, never followed, so locking never creates or opens a file elsewhere."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(3):
        if os.path.islink(path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        try:
            return os.open(path, flags, 0o644)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
    raise OSError(errno.ELOOP, "the lock file keeps being replaced by a symlink", str(path))


def _counts() -> dict[str, int]:
    counts: dict[str, int] | None = getattr(_held, "counts", None)
    if counts is None:
        counts = _held.counts = {}
    return counts


def lock_path(root: Path, rel: str) -> Path:
    """The lock file that guards the KB file ``rel`` (a path relative to the KB root).

    Readable (the end of the path) and unique (a digest of the whole path); case is folded,
    so that two spellings of one file on a case-insensitive disk share their lock.
    """
    key = rel.replace("\\", "/").strip("/").lower()
    readable = re.sub(r"[^a-z0-9._-]+", "-", key)[-60:].strip("-.") or "kb"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return Path(root) / LOCKS_FOLDER / f"{readable}.{digest}.lock"


def shared_file(
    root: Path, rel: str, purpose: str | None = None, timeout: float | None = None
) -> FileLock:
    """The lock held while the KB file ``rel`` is read, changed and written back.

    Every read-modify-write of a file that several kb processes may change at once takes it,
    and reads the file again once it holds the lock.
    """
    return FileLock(lock_path(root, rel), purpose or rel, timeout)


if sys.platform == "win32":  # pragma: no cover - Windows
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
