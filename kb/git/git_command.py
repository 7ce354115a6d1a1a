"""git run as kb runs it to read a work tree: with the file-system monitor off (a
repository's config must not start a program), without optional locks (a search never takes
``index.lock`` from a commit running at the same time), and with a time limit."""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT = ("git", "-c", "core.fsmonitor=false", "--no-optional-locks")
#: Seconds a git command may take before kb gives up on it (and compares files itself).
TIMEOUT = 20.0


def run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    """git run in ``root`` as kb runs it here; None when it could not run."""
    try:
        return subprocess.run(
            [*GIT, *args],
            cwd=root,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None


def output(root: Path, *args: str) -> bytes | None:
    """git's output of a run in ``root``; None when it could not run or failed."""
    done = run(root, *args)
    return done.stdout if done is not None and done.returncode == 0 else None
