"""What changed in a KB's work tree since a recorded moment, asked of git, not of every file.

A :class:`WorktreeState` is the commit checked out plus the files that differ from it
(modified, added, deleted, untracked or ignored), each with its size and time. Two states
give the files that may have changed between them: those the commits differ by, and those
dirty in either state whose size or time is not the same. Git answers from its own stat
cache, so the cost follows what changed, not how many notes there are.

Git runs with the file-system monitor off (a repository's config must not start a program)
and without optional locks (a search never takes ``index.lock`` from a commit running at the
same time).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_GIT = ("git", "-c", "core.fsmonitor=false", "--no-optional-locks")
#: Seconds a git status may take before kb falls back to comparing every file itself.
TIMEOUT = 20.0


@dataclass(frozen=True)
class WorktreeState:
    """The commit checked out (None before the first) and the dirty files' signatures."""

    head: str | None
    #: Path relative to the root -> [size, mtime_ns], or None for a file that is gone.
    dirty: dict[str, list[int] | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The state as JSON-ready data."""
        return {"head": self.head, "dirty": self.dirty}

    @classmethod
    def from_json(cls, data: object) -> WorktreeState | None:
        """A state read back from :meth:`to_json` data; None when it is not one."""
        if not isinstance(data, dict):
            return None
        head, dirty = data.get("head"), data.get("dirty")
        if not (head is None or isinstance(head, str)) or not isinstance(dirty, dict):
            return None
        clean: dict[str, list[int] | None] = {}
        for rel, signature in dirty.items():
            if signature is not None and not (
                isinstance(signature, list) and all(isinstance(n, int) for n in signature)
            ):
                return None
            clean[str(rel)] = signature
        return cls(head, clean)


def _git(root: Path, *args: str) -> bytes | None:
    try:
        done = subprocess.run(
            [*_GIT, *args],
            cwd=root,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _signature(root: Path, rel: str) -> list[int] | None:
    try:
        info = os.stat(root / rel)
    except (OSError, ValueError):
        return None
    return [info.st_size, info.st_mtime_ns]


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def state(root: Path, folders: Sequence[str]) -> WorktreeState | None:
    """The work tree's state under ``folders`` of ``root``; None when git cannot tell (not
    the top of a git work tree, git missing or failing)."""
    root = Path(root)
    if not (root / ".git").exists():
        return None  # paths from git are relative to the top: only the top is understood
    output = _git(
        root,
        "status",
        "--porcelain=v2",
        "-z",
        "--branch",
        "--no-renames",
        "--untracked-files=all",
        "--ignored=traditional",
        "--",
        *folders,
    )
    if output is None:
        return None
    head: str | None = None
    dirty: dict[str, list[int] | None] = {}
    for record in output.split(b"\0"):
        if record.startswith(b"# branch.oid "):
            oid = _decode(record[len(b"# branch.oid ") :]).strip()
            head = None if oid == "(initial)" else oid
        elif record[:2] in (b"? ", b"! "):
            rel = _decode(record[2:])
            dirty[rel] = _signature(root, rel)
        elif record[:2] in (b"1 ", b"u "):
            # "1 XY sub mH mI mW hH hI path" (8 fields before the path; "u" has 10).
            fields = 8 if record[:1] == b"1" else 10
            parts = record.split(b" ", fields)
            if len(parts) == fields + 1:
                rel = _decode(parts[fields])
                dirty[rel] = _signature(root, rel)
    return WorktreeState(head, dirty)


def changed_since(
    root: Path, before: WorktreeState, now: WorktreeState, folders: Sequence[str]
) -> list[str] | None:
    """Paths under ``folders`` that may differ between two states, sorted; None when git
    cannot compare the two commits (one of them is gone from the repository)."""
    changed: set[str] = set()
    if before.head != now.head:
        if before.head is None or now.head is None:
            return None
        output = _git(
            root, "diff", "--name-only", "-z", "--no-renames", before.head, now.head, "--", *folders
        )
        if output is None:
            return None
        changed.update(_decode(raw) for raw in output.split(b"\0") if raw)
    for rel, signature in now.dirty.items():
        if rel not in before.dirty or before.dirty[rel] != signature:
            changed.add(rel)
    # Dirty then, clean now: committed as it was, or put back as the commit has it.
    changed.update(rel for rel in before.dirty if rel not in now.dirty)
    return sorted(changed)
