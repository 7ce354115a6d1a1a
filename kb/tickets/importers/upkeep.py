"""What a long import does for the machine between batches: memory handed back, git's loose
objects packed."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def give_back_memory() -> None:
    """Hand memory freed by the batch back to the system. glibc keeps what the index
    writer's threads freed, and a long import would otherwise grow by a little each batch."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc


def pack_objects(root: Path) -> None:
    """What ``git commit`` does after committing: pack loose objects when there are many."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            ["git", "gc", "--auto", "--quiet"],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            env={**os.environ},
        )
