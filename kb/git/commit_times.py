"""When each file of a KB last changed, as git says: the time of the last commit touching it.

A checkout, a clone or a pull gives every file the time it was written to disk, so a note's
age, "recently changed" and stale counts come from git instead: one ``git log`` pass over
the whole history, cached in ``.kb/commit-times.json`` with the commit it was read at, and
brought up to date with a ``git log OLD..HEAD`` pass after new commits. A file with changes
not committed yet has no time here: its own file time is the right one.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path

from kb.notes import atomic, paths

_CACHE = "commit-times.json"
_TIMEOUT = 300


def last_commit_times(root: Path) -> dict[str, float]:
    """``path -> seconds since the epoch`` of the last commit that changed it, for every
    tracked file without uncommitted changes; empty when ``root`` is no git repository."""
    root = Path(root)
    if not (root / ".git").exists():
        return {}
    found = _git(root, ["rev-parse", "--verify", "--quiet", "HEAD"])
    if found is None or not found.strip():
        return {}
    head = found.decode().strip()
    cached_head, times = _read_cache(root)
    if cached_head != head:
        if (
            cached_head
            and _git(root, ["merge-base", "--is-ancestor", cached_head, head]) is not None
        ):
            newer = _log(root, [f"{cached_head}..{head}"])
            times.update(newer)
        else:
            times = _log(root, [head])
        _write_cache(root, head, times)
    dirty = _dirty(root)
    return {rel: when for rel, when in times.items() if rel not in dirty}


def _log(root: Path, revisions: list[str]) -> dict[str, float]:
    output = _git(
        root,
        ["log", "--format=%x01%ct", "--name-only", "-z", "--no-renames", *revisions, "--"],
    )
    times: dict[str, float] = {}
    when = 0.0
    for token in (output or b"").split(b"\0"):
        if token.startswith(b"\x01"):
            try:
                when = float(token[1:].decode("ascii"))
            except ValueError:
                when = 0.0
            continue
        name = token.lstrip(b"\n")
        if name:
            # Newest first: the first time a path appears is its last change.
            times.setdefault(name.decode("utf-8", "surrogateescape"), when)
    return times


def _dirty(root: Path) -> set[str]:
    output = _git(root, ["status", "--porcelain", "-z", "--untracked-files=no", "--no-renames"])
    return {
        entry[3:].decode("utf-8", "surrogateescape")
        for entry in (output or b"").split(b"\0")
        if len(entry) > 3
    }


def _read_cache(root: Path) -> tuple[str, dict[str, float]]:
    path = paths.local_readable(root, _CACHE)
    if path is None:
        return "", {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return "", {}
    if not isinstance(data, dict) or not isinstance(data.get("times"), dict):
        return "", {}
    times = {
        str(rel): float(when)
        for rel, when in data["times"].items()
        if isinstance(when, (int, float))
    }
    return str(data.get("head", "")), times


def _write_cache(root: Path, head: str, times: dict[str, float]) -> None:
    # A cache: when it cannot be written, the next call reads git again.
    with contextlib.suppress(OSError, paths.UnsafePath, ValueError):
        target = paths.local_file(root, _CACHE)
        text = json.dumps({"head": head, "times": times})
        atomic.write_text(target, text, root=root)


def _git(root: Path, args: list[str]) -> bytes | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            timeout=_TIMEOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
