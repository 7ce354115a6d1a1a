"""A lock file so that two kb processes (the app and a script) do not update one index at once."""

from __future__ import annotations

import contextlib
import errno
import os
import time
from pathlib import Path
from types import TracebackType

from kb.engine import IndexBusy
from kb.paths import LOCAL_FOLDER, local_folder


class FileLock:
    """An exclusive advisory lock on a file, waiting up to ``timeout`` seconds for it."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
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
                    raise IndexBusy(
                        "the search index is being updated by another kb; try again shortly"
                    ) from None
                time.sleep(0.05)
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
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


try:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
