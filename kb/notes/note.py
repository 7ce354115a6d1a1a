"""Notes and ticket records: what kb reads from one Markdown file."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from kb.notes import frontmatter, ticket_ids
from kb.notes.markdown import Body, parse_body
from kb.notes.problems import Problem

NOTE_TYPES = ("fix", "question", "guide", "reference")
#: KCS confidence levels, from least to most trusted, plus archived.
STATUSES = ("wip", "not-validated", "validated", "archived")
TICKET_KIND = "ticket"
NOTE_KIND = "note"


@dataclass
class Note:
    """A note (or ticket record) as kb reads it. Never partial: broken parts are problems."""

    path: str  # relative to the KB root, forward slashes
    kind: str  # "note" or "ticket"
    title: str
    type: str
    status: str
    tags: list[str] = field(default_factory=list)
    systems: list[str] = field(default_factory=list)
    #: Other names of the note (front matter ``aliases``, as Obsidian writes them).
    aliases: list[str] = field(default_factory=list)
    #: Tickets named in front matter (the ones this note solved or informed).
    tickets: list[str] = field(default_factory=list)
    #: Tickets mentioned in the text but not listed in front matter.
    mentioned_tickets: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    created: _dt.date | None = None
    review_by: _dt.date | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    body: Body = field(default_factory=Body)
    body_text: str = ""
    #: The file line (1-based) where the body starts, below the front matter.
    body_line: int = 1
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file name without ``.md``: what ``[[wiki links]]`` use."""
        return PurePosixPath(self.path).stem

    @property
    def all_tickets(self) -> list[str]:
        """Front matter tickets, then tickets mentioned in the text."""
        return self.tickets + [t for t in self.mentioned_tickets if t not in self.tickets]


def parse_note(
    path: str,
    text: str,
    matcher: ticket_ids.TicketMatcher | None = None,
    kind: str = NOTE_KIND,
) -> Note:
    """Read a note from its text. Never raises; problems are reported on the note."""
    matcher = matcher or ticket_ids.TicketMatcher()
    front = frontmatter.parse(text)
    problems: list[Problem] = []
    if front.error:
        problems.append(Problem(path, front.error, line=1, level="error"))
    data = front.data
    body = parse_body(front.body)
    stem = PurePosixPath(path).stem

    note_type = _word(data.get("type")) or (TICKET_KIND if kind == TICKET_KIND else "fix")
    title = _text(data.get("title"))
    if kind == TICKET_KIND:
        ticket_id = ticket_ids.normalize(_text(data.get("id")) or stem)
        summary = title or _text(body.first_heading)
        title = (
            f"{ticket_id} {summary}".strip()
            if summary and ticket_id not in summary
            else (summary or ticket_id)
        )
        listed = [ticket_id]
    else:
        title = title or _text(body.first_heading) or _title_from_name(stem)
        listed = ticket_ids.from_field(data.get("tickets")) + [
            t for t in ticket_ids.from_field(data.get("ticket")) if t
        ]
        listed = list(dict.fromkeys(listed))
    mentioned = [t for t in matcher.find(front.body) if t not in listed]

    note = Note(
        path=path,
        kind=kind,
        title=title[:500],
        type=note_type,
        status=_word(data.get("status")),
        tags=_words(data.get("tags")) or _words(data.get("keywords")),
        systems=_words(data.get("systems")) or _words(data.get("appliesto")),
        aliases=_aliases(data.get("aliases")) or _aliases(data.get("alias")),
        tickets=listed,
        mentioned_tickets=mentioned,
        authors=_words(data.get("author")) + _words(data.get("authors")),
        created=_date(data.get("created"))
        or _date(data.get("opened"))
        or _date(data.get("ms.date")),
        review_by=_date(data.get("review_by")),
        fields=data,
        body=body,
        body_text=front.body,
        body_line=front.body_line,
        problems=problems,
    )
    return note


def _aliases(value: Any) -> list[str]:
    """Obsidian's ``aliases``: a list, or one name (a comma in it is part of the name)."""
    if isinstance(value, str):
        value = [value]
    return _words(value) if isinstance(value, list | tuple) else []


def _title_from_name(stem: str) -> str:
    return re.sub(r"[-_]+", " ", stem).strip() or stem


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list | tuple | set):
        return ""
    return " ".join(str(value).split())


def _word(value: Any) -> str:
    return _text(value).lower()


def _words(value: Any) -> list[str]:
    """A list of short strings from a scalar, a comma-separated string or a flat list."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        items = [items]
    result: dict[str, None] = {}
    for item in items:
        text = _text(item)
        if text and len(text) <= 200:
            result.setdefault(text, None)
    return list(result)


def _date(value: Any) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)
        if match:
            try:
                return _dt.date(*map(int, match.groups()))
            except ValueError:
                return None
        match = re.match(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})", value)
        if match:
            month, day, year = map(int, match.groups())
            try:
                return _dt.date(year, month, day)
            except ValueError:
                return None
    return None
