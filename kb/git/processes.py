"""Which live processes use a KB's files: a lock or temporary file nobody holds is stale.

Read from ``/proc`` (Linux). Where that is not available every answer is None, and callers
fall back to the file's age.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")


def available() -> bool:
    """True when live processes can be inspected here."""
    return (_PROC / "self" / "fd").is_dir()


def _pids() -> list[int]:
    try:
        names = os.listdir(_PROC)
    except OSError:
        return []
    return [int(name) for name in names if name.isdigit()]


def _inside(path: str, folders: list[str]) -> bool:
    return any(
        path == folder or path.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders
    )


#: Long-lived git helpers that never take a repository lock.
_LOCK_FREE = (b"cat-file", b"fsmonitor--daemon", b"credential-cache--daemon")


def git_working_in(
    folders: list[Path], commands: tuple[bytes, ...] | None = None
) -> list[tuple[int, str]] | None:
    """Live git processes working in one of ``folders``: their ids and command lines.

    A git process works where its current directory is: git changes into the work tree
    (or the git directory) before it takes a lock, so a git command holding this
    repository's locks is among these. Long-lived helpers that take no lock (GitPython's
    object readers, the fsmonitor daemon) are left out; with ``commands``, only git
    commands naming one of them (``b"merge"``) count. None when this cannot be known.
    """
    if not available():
        return None
    real = [os.path.realpath(folder) for folder in folders]
    me = os.getpid()
    found = []
    for pid in _pids():
        if pid == me:
            continue
        base = _PROC / str(pid)
        try:
            name = (base / "comm").read_text().strip()
            if not name.startswith("git"):
                continue
            cwd = os.readlink(base / "cwd")
            command = (base / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile, or not ours to look at
        if any(helper in command for helper in _LOCK_FREE):
            continue
        if commands is not None and not any(word in command for word in commands):
            continue
        if _inside(cwd, real):
            shown = b" ".join(part for part in command if part)
            found.append((pid, shown.decode("utf-8", "replace")[:80]))
    return found


def holding(paths: list[Path]) -> list[int] | None:
    """Live processes with one of ``paths`` open. None when unknown."""
    if not available():
        return None
    wanted = {os.path.realpath(path) for path in paths}
    found = []
    for pid in _pids():
        folder = _PROC / str(pid) / "fd"
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            try:
                target = os.readlink(folder / entry)
            except OSError:
                continue
            if target in wanted:
                found.append(pid)
                break
    return found
