"""Locks around a KB's git repository: kb's own, and the ones git leaves when it is killed.

kb's lock (``kb.lock`` in the git directory) is held around every sync and every commit kb
makes, so that two kb processes on one clone take turns instead of undoing each other's
merge or failing on git's ``index.lock``. It is an advisory lock on an open file: the
operating system lets go of it when the process ends, however it ends.

Git's own lock files (``index.lock``, ``HEAD.lock``, ``refs/.../*.lock``) stay behind when git
is killed. kb removes one only when no live git process is working in the repository (or,
where processes cannot be inspected, when the lock is old).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.git import processes
from kb.notes.errors import KBError

#: Where processes cannot be inspected, a git lock older than this was left by a crash.
STALE_LOCK_SECONDS = 120
#: How long a commit waits for another kb (a sync, another save) to finish.
COMMIT_WAIT_SECONDS = 120.0
#: How long a sync waits for another kb working in the same clone.
SYNC_WAIT_SECONDS = 600.0
#: How long kb waits for a git command someone else is running in the KB.
GIT_WAIT_SECONDS = 30.0


class RepoBusy(KBError):
    """Another kb or git is working in this repository and did not finish in time."""


def git_dir(root: Path) -> Path:
    """The repository's own git directory (``.git``, or where a ``.git`` file points)."""
    dot_git = Path(root) / ".git"
    if dot_git.is_file():
        try:
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return dot_git
        if text.startswith("gitdir:"):
            target = Path(text.removeprefix("gitdir:").strip())
            return target if target.is_absolute() else (Path(root) / target).resolve()
    return dot_git


# -- kb's own lock ---------------------------------------------------------------------------

_guard = threading.Lock()
#: Per lock file: the thread lock that serialises this process's threads, and how deep the
#: current holder is (a sync commits, and each commit takes the lock again).
_held: dict[str, tuple[threading.RLock, list[int]]] = {}


@contextmanager
def repo_lock(
    root: Path,
    timeout: float | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold kb's lock on the repository at ``root``; raise RepoBusy after ``timeout`` s.

    Re-entrant in one thread. ``on_wait`` is called once when kb has to wait. The timeout
    is ``COMMIT_WAIT_SECONDS`` unless given.
    """
    timeout = COMMIT_WAIT_SECONDS if timeout is None else timeout
    from kb.notes.lock import FileLock, LockBusy

    path = git_dir(root) / "kb.lock"
    key = str(path)
    with _guard:
        thread_lock, depth = _held.setdefault(key, (threading.RLock(), [0]))
    if not thread_lock.acquire(timeout=max(timeout, 0.0)):
        raise _busy(timeout)
    try:
        if depth[0]:
            depth[0] += 1
            try:
                yield
            finally:
                depth[0] -= 1
            return
        if not path.parent.is_dir():
            # Not a git repository (yet): nothing to serialise in git.
            yield
            return
        lock = FileLock(path, "the repository", timeout=0)
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            try:
                lock.__enter__()
                break
            except LockBusy:  # another process holds it
                if time.monotonic() >= deadline:
                    raise _busy(timeout) from None
                if not waited and on_wait is not None:
                    on_wait()
                waited = True
                time.sleep(0.05)
        depth[0] = 1
        try:
            yield
        finally:
            depth[0] = 0
            lock.__exit__(None, None, None)
    finally:
        thread_lock.release()


def _busy(timeout: float) -> RepoBusy:
    return RepoBusy(
        f"another kb is saving or syncing this KB and did not finish within {timeout:g} s; "
        "try again when it is done",
        2,
    )


# -- git's lock files ------------------------------------------------------------------------


def git_locks(root: Path) -> list[Path]:
    """Lock files git has left in the repository (index, HEAD, refs, config)."""
    folder = git_dir(root)
    found = [
        folder / name
        for name in ("index.lock", "HEAD.lock", "ORIG_HEAD.lock", "packed-refs.lock", "config.lock")
        if (folder / name).exists()
    ]
    refs = folder / "refs"
    if refs.is_dir():
        found.extend(path for path in refs.rglob("*.lock") if path.is_file())
    return found


def git_is_working(root: Path, locks: list[Path] | None = None) -> bool | None:
    """True when a live git process works in this repository; None when that is unknown."""
    folders = [Path(root), git_dir(root)]
    working = processes.git_working_in(folders)
    if working is None:
        return None
    if working:
        return True
    if locks:
        held = processes.holding(locks)
        if held:
            return True
    return False


def clear_stale_locks(root: Path, only_index: bool = False) -> list[str]:
    """Remove git lock files no live git holds; the names removed (relative to .git).

    Where processes cannot be inspected, only locks older than ``STALE_LOCK_SECONDS`` go.
    """
    locks = git_locks(root)
    if only_index:
        locks = [lock for lock in locks if lock == git_dir(root) / "index.lock"]
    if not locks:
        return []
    working = git_is_working(root, locks)
    if working:
        return []
    removed = []
    folder = git_dir(root)
    for lock in locks:
        if working is None:
            try:
                age = time.time() - lock.stat().st_mtime
            except OSError:
                continue
            if age < STALE_LOCK_SECONDS:
                continue
        try:
            lock.unlink()
        except OSError:
            continue
        removed.append(lock.relative_to(folder).as_posix())
    return removed


def wait_for_git(root: Path, timeout: float | None = None) -> bool:
    """Wait until no git command holds the index (removing a stale lock); False on timeout."""
    index = git_dir(root) / "index.lock"
    deadline = time.monotonic() + (GIT_WAIT_SECONDS if timeout is None else timeout)
    while True:
        if not index.exists():
            return True
        clear_stale_locks(root, only_index=True)
        if not index.exists():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def busy_message(root: Path) -> str:
    """One line: a git command holds the index, which one when that can be known."""
    working = processes.git_working_in([Path(root), git_dir(root)])
    which = f" ('{working[0][1]}')" if working else ""
    return f"another git command{which} is working in this KB (.git/index.lock)"


def wait_for_git_commands(
    root: Path, commands: tuple[bytes, ...], timeout: float | None = None
) -> str | None:
    """Wait until no git ``commands`` (``b"merge"``, ...) work in the repository.

    None once there are none (or when that cannot be known); on timeout, the command line
    of one still working.
    """
    deadline = time.monotonic() + (GIT_WAIT_SECONDS if timeout is None else timeout)
    while True:
        working = processes.git_working_in([Path(root), git_dir(root)], commands)
        if not working:
            return None
        if time.monotonic() >= deadline:
            return working[0][1]
        time.sleep(0.05)
