"""The link log: which note solved (or informed) which ticket, as append-only shared data.

Links live in ``tickets/links.jsonl``, one JSON object per line, never rewritten, only
appended to. Git merges the file with its built-in ``union`` driver (``.gitattributes``), so
two technicians who link at the same time both keep their lines and sync never conflicts.
The current links are the log replayed in order: a ``link`` line adds (or re-kinds) the pair
note/ticket, an ``unlink`` line removes it. Lines kb cannot read are skipped, never fatal.

A line::

    {"action": "link", "ticket": "INC0012345", "note": "notes/outlook-password.md",
     "kind": "resolution", "rev": "3f2c…", "at": "2026-11-22T10:14:05+01:00", "by": "Ana"}
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kb.notes import atomic, paths
from kb.notes.lock import shared_file

LINKS_FILE = "tickets/links.jsonl"
#: The ``.gitattributes`` line that makes git merge the log by keeping both sides' lines.
GITATTRIBUTES_LINE = f"{LINKS_FILE} merge=union"
KINDS = ("resolution", "reference")


@dataclass(frozen=True)
class LinkEvent:
    """One line of the log."""

    action: str  # "link" or "unlink"
    ticket: str
    note: str  # path of the note relative to the KB root
    kind: str = "resolution"  # "resolution" or "reference"
    rev: str | None = None  # the note's commit when it was linked: the version given
    at: str = ""  # ISO date-time with offset
    by: str = ""  # who linked it (git user name)

    def to_line(self) -> str:
        """The event as one JSON line (keys in a stable order, no newline inside)."""
        return json.dumps(asdict(self), ensure_ascii=False, separators=(", ", ": ")) + "\n"


@dataclass(frozen=True)
class Link:
    """A current link between a note and a ticket."""

    ticket: str
    note: str
    kind: str
    rev: str | None
    at: str
    by: str


def _log_bytes(root: Path) -> bytes:
    """The log's bytes: nothing when it is missing, or a symlink leading outside the KB."""
    path = paths.readable(root, LINKS_FILE)
    if path is None:
        return b""
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return b""


def read_events(root: Path) -> list[LinkEvent]:
    """Every readable line of the log, in file order (missing file: none)."""
    data = _log_bytes(root)
    events = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        event = _event(line)
        if event is not None:
            events.append(event)
    return events


def unreadable_lines(root: Path) -> list[tuple[int, str]]:
    """``(line number, text)`` of the log's lines that are not link records (for kb check)."""
    data = _log_bytes(root)
    return [
        (number, line)
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1)
        if line.strip() and _event(line) is None
    ]


def current_links(events: Iterable[LinkEvent]) -> list[Link]:
    """The links that stand after replaying ``events`` in order, oldest first."""
    standing: dict[tuple[str, str], Link] = {}
    for event in events:
        key = (event.note, event.ticket)
        if event.action == "unlink":
            standing.pop(key, None)
        elif event.action == "link":
            standing.pop(key, None)
            standing[key] = Link(
                event.ticket, event.note, event.kind, event.rev, event.at, event.by
            )
    return list(standing.values())


def read_links(root: Path) -> list[Link]:
    """The current links of the KB at ``root``."""
    return current_links(read_events(root))


def append(root: Path, event: LinkEvent) -> str:
    """Add ``event`` to the log (atomically) and make sure git merges the log by union.

    Returns the paths changed, relative to the root, for the commit.
    """
    root = Path(root)
    # Checked before it is read: the log is rewritten whole, so reading it through a symlink
    # would copy another file into a commit.
    path = paths.writable(root, LINKS_FILE)
    with shared_file(root, LINKS_FILE, "the link log"):
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = b""
        if current and not current.endswith(b"\n"):
            current += b"\n"
        atomic.write_bytes(path, current + event.to_line().encode("utf-8"), root=root)
    ensure_gitattributes(root)
    return LINKS_FILE


def ensure_gitattributes(root: Path, line: str = GITATTRIBUTES_LINE) -> bool:
    """Add a union-merge line (by default the link log's) to ``.gitattributes``; True when
    it was added."""
    path = paths.writable(root, ".gitattributes")
    if _has_line(_text_of(path), line):
        return False  # the usual case, settled without waiting for the lock
    with shared_file(root, ".gitattributes"):
        text = _text_of(path)
        if _has_line(text, line):
            return False
        separator = "" if not text or text.endswith("\n") else "\n"
        atomic.write_text(path, text + separator + line + "\n", root=Path(root))
    return True


def _text_of(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def _has_line(text: str, wanted: str) -> bool:
    return any(line.split() == wanted.split() for line in text.splitlines())


def now() -> str:
    """The current local time as the log writes it."""
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def json_record(line: str) -> dict[str, Any] | None:
    """One line of an append-only JSON-lines log (the link log, the learned words) as a
    dict; None for a blank line, a conflict marker line or anything that is not an object."""
    line = line.strip()
    if not line or line.startswith(("<<<<<<<", "=======", ">>>>>>>")):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _event(line: str) -> LinkEvent | None:
    data = json_record(line)
    if data is None:
        return None
    action, ticket, note = data.get("action"), data.get("ticket"), data.get("note")
    if action not in ("link", "unlink") or not isinstance(ticket, str) or not isinstance(note, str):
        return None
    kind = str(data.get("kind")) if data.get("kind") in KINDS else "resolution"
    rev = data.get("rev") if isinstance(data.get("rev"), str) else None
    return LinkEvent(
        action,
        ticket.strip().upper() if not ticket.startswith("#") else ticket.strip(),
        note.replace(os.sep, "/"),
        kind,
        rev,
        str(data.get("at") or ""),
        str(data.get("by") or ""),
    )


def by_note(links: Iterable[Link]) -> dict[str, list[Link]]:
    """Current links grouped by note path."""
    grouped: dict[str, list[Link]] = {}
    for link in links:
        grouped.setdefault(link.note, []).append(link)
    return grouped


def for_ticket(links: Iterable[Link], ticket: str) -> list[Link]:
    """The current links of one ticket (ids compared case-insensitively)."""
    wanted = ticket.strip().upper()
    return [link for link in links if link.ticket.upper() == wanted]


def index_labels(links: Iterable[Link]) -> list[str]:
    """A note's links as the index keeps them ("resolution:INC0012345"), sorted: the index
    re-reads a note when this list changes even though the note's file did not."""
    return sorted(f"{link.kind}:{link.ticket}" for link in links)
