"""``git diff-files`` started before it is needed: a quick look's slowest part, run on the
other core while a ``kb search`` process loads its modules and opens the index."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from kb.git.git_command import GIT, TIMEOUT

#: ``git diff-files`` runs started early by the real path of their root.
_EARLY: dict[str, subprocess.Popen[bytes]] = {}


def look_early(root: Path) -> None:
    """Start the slowest part of the next quick look of ``root`` now: ``git diff-files``,
    which reads the time of every tracked file, then runs while this process goes on with
    other work (loading its modules, opening the index) on another core. The next quick
    look of ``root`` in this process takes its answer, which is the work tree as it was a
    moment earlier: a file changed in between is seen by the following look.

    For a process that only reads (``kb search``); nothing happens when ``root`` is not
    the top of a work tree with its own ``.git`` folder."""
    key = os.path.realpath(root)
    git_dir = os.path.join(key, ".git")
    if key in _EARLY or not os.path.isdir(git_dir) or os.path.islink(git_dir):
        return
    with contextlib.suppress(OSError, subprocess.SubprocessError):  # the look asks git later
        _EARLY[key] = subprocess.Popen(
            [*GIT, "diff-files", "-z", "--no-renames"],
            cwd=key,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )


def forget_early() -> None:
    """Stop and reap the early runs no quick look took (the index was rebuilt instead, or the
    KB is not what git looked at): nothing is left running, nothing is taken by a later look."""
    while _EARLY:
        _root, process = _EARLY.popitem()
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            process.kill()
            process.communicate(timeout=TIMEOUT)


def take(root: Path) -> bytes | None:
    """The output of the ``git diff-files`` started early for ``root``; None without one."""
    process = _EARLY.pop(os.path.realpath(root), None)
    if process is None:
        return None
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.SubprocessError:
        process.kill()
        process.wait()
        return None
    return output if process.returncode == 0 else None


def under(rel: str, folders: Sequence[str]) -> bool:
    """True when ``rel`` lies in one of ``folders`` (as git's pathspecs of folders match)."""
    for folder in folders:
        top = folder.strip("/") or "."
        if top == "." or rel == top or rel.startswith(top + "/"):
            return True
    return False
