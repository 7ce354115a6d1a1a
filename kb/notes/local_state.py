"""Small facts one technician's kb remembers between runs, kept under ``.kb/`` (git-ignored):
the ticket they last worked on, so that linking the next note to it is one key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kb.notes import atomic, paths
from kb.notes.errors import KBError
from kb.notes.lock import shared_file

STATE_FILE = ".kb/state.json"
_NAME = "state.json"
#: Remembering is a convenience: never keep the technician waiting long for it.
STATE_WAIT = 2.0


def _read(root: Path) -> dict[str, Any]:
    path = paths.local_readable(root, _NAME)
    if path is None:
        return {}  # a symlink in its place is never followed
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def recent_ticket(root: Path) -> str | None:
    """The ticket id last linked or looked up in this KB, if any."""
    value = _read(root).get("recent_ticket")
    return value if isinstance(value, str) and value.strip() else None


def remember_ticket(root: Path, ticket_id: str) -> None:
    """Remember ``ticket_id`` as the recent ticket (best effort: a read-only KB forgets it)."""
    try:
        with shared_file(root, STATE_FILE, "kb's local state", timeout=STATE_WAIT):
            data = _read(root)
            data["recent_ticket"] = ticket_id
            path = paths.local_file(root, _NAME)
            atomic.write_text(path, json.dumps(data, indent=2) + "\n", root=Path(root))
    except (OSError, KBError):  # LockBusy included
        pass


def new_warnings(root: Path, shown: list[str]) -> list[str]:
    """Of the warnings ``kb index`` is about to print, those it has not printed before in
    this KB; they are remembered (a symlinked folder is told once, not on every index)."""
    known = _read(root).get("told_warnings")
    told = set(known) if isinstance(known, list) else set()
    fresh = [line for line in shown if line not in told]
    try:
        with shared_file(root, STATE_FILE, "kb's local state", timeout=STATE_WAIT):
            data = _read(root)
            data["told_warnings"] = sorted(set(shown))[:2000]
            path = paths.local_file(root, _NAME)
            atomic.write_text(path, json.dumps(data, indent=2) + "\n", root=Path(root))
    except (OSError, KBError):
        pass
    return fresh
