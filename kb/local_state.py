"""Small facts one technician's kb remembers between runs, kept under ``.kb/`` (git-ignored):
the ticket they last worked on, so that linking the next note to it is one key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kb import atomic
from kb.lock import LockBusy, shared_file

STATE_FILE = ".kb/state.json"
#: Remembering is a convenience: never keep the technician waiting long for it.
STATE_WAIT = 2.0


def _read(root: Path) -> dict[str, Any]:
    try:
        data = json.loads((Path(root) / STATE_FILE).read_text(encoding="utf-8"))
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
            atomic.write_text(Path(root) / STATE_FILE, json.dumps(data, indent=2) + "\n")
    except (OSError, LockBusy):
        pass
