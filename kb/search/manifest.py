"""The manifest of one index generation: which file was indexed at which size and time.

``manifest.json`` is rewritten whole after a full pass; between passes, files indexed one
batch at a time (an import) append their entries to a journal beside it, so that a batch
costs what it holds however big the KB. Reading the manifest replays the journal.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from kb.notes import atomic
from kb.search.engine import IndexUnavailable

MANIFEST = "manifest.json"
#: Manifest entries appended since the manifest was last written whole.
JOURNAL = "manifest-journal.jsonl"


def read(generation: Path) -> dict[str, dict[str, Any]]:
    """The generation's manifest, journal replayed; IndexUnavailable when it is damaged."""
    try:
        data = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexUnavailable("the index manifest is missing or damaged") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise IndexUnavailable("the index manifest is damaged")
    manifest: dict[str, dict[str, Any]] = data["files"]
    _replay(generation, manifest)
    return manifest


def write(
    generation: Path, format_id: str, manifest: dict[str, dict[str, Any]], root: Path
) -> None:
    """Write the manifest whole (atomically); the journal it now holds is dropped."""
    payload = {"format": format_id, "files": manifest}
    atomic.write_text(generation / MANIFEST, json.dumps(payload), root=root)
    with contextlib.suppress(OSError):
        (generation / JOURNAL).unlink()


def has_journal(generation: Path) -> bool:
    """True when entries wait in the journal (the next full pass writes them in)."""
    return (generation / JOURNAL).exists()


def append(generation: Path, entries: dict[str, dict[str, Any] | None]) -> None:
    """Append manifest entries (None: the file is gone) to the generation's journal."""
    lines = "".join(
        json.dumps({"path": rel, "entry": entry}) + "\n" for rel, entry in entries.items()
    )
    # Never appended through a link (the generation folder is kb's own, but checked).
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(generation / JOURNAL, flags, 0o644)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(lines)


def _replay(generation: Path, manifest: dict[str, dict[str, Any]]) -> None:
    path = generation / JOURNAL
    if not path.exists():
        return
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                item = json.loads(line)
                rel, entry = item["path"], item["entry"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash: that file is simply read again
            if entry is None:
                manifest.pop(rel, None)
            elif isinstance(rel, str) and isinstance(entry, dict):
                manifest[rel] = entry
