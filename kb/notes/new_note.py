"""The text of a new note: from a template (or the text given), with its title, type,
status, date, author, tickets and tags set in the front matter."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kb.notes import atomic, files, frontmatter
from kb.notes.control_chars import storable
from kb.notes.errors import KBError
from kb.notes.note import NOTE_TYPES
from kb.notes.templates import fill, template
from kb.notes.ticket_ids import TicketMatcher


@dataclass
class NewNote:
    """What a new note will be: its title, its type and its text."""

    title: str
    type: str
    text: str
    #: Things the technician should know (a team template not used, ...).
    warnings: list[str] = field(default_factory=list)


def compose(
    root: Path,
    title: str,
    *,
    note_type: str | None = None,
    tickets: list[str] | None = None,
    tags: list[str] | None = None,
    body: str | None = None,
    matcher: TicketMatcher,
    author: Callable[[], str | None],
) -> NewNote:
    """The new note's text. The type is ``note_type`` when given, else the body's own
    ``type:``, else ``fix``; ``author`` (asked only when the text names none) is the user's
    name. KBError for a missing title, an unknown type, a ticket that is not a ticket id or
    broken front matter."""
    title = " ".join(storable(title).split())
    body = storable(body) if body is not None else None
    if not title:
        raise KBError("a note needs a title")
    if note_type is not None and note_type not in NOTE_TYPES:
        raise KBError(f"unknown note type {note_type!r}; use one of {', '.join(NOTE_TYPES)}")
    tickets = [t.strip() for t in tickets or [] if t.strip()]
    for ticket in tickets:
        if not matcher.is_ticket_id(ticket):
            raise KBError(f"{ticket!r} does not look like a ticket id (see [tickets] in kb.toml)")
    warnings: list[str] = []
    if body is not None and frontmatter.parse(body).present:
        text = body
    elif body is not None:
        text = frontmatter.set_field(body, "type", note_type or "fix")
    else:
        chosen = note_type or "fix"
        base, warning = template(root, chosen)
        warnings.extend([warning] if warning else [])
        text = fill(base, title=title, ticket=",".join(tickets))
    broken = frontmatter.parse(text).error
    if broken:
        raise KBError(f"the note's front matter is broken: {broken}")
    text = _move_title_first(frontmatter.set_field(text, "title", title))
    existing = frontmatter.parse(text).data
    declared = str(existing.get("type") or "").lower()
    if note_type is not None and declared != note_type:
        text = frontmatter.set_field(text, "type", note_type)
    elif declared not in NOTE_TYPES:
        text = frontmatter.set_field(text, "type", "fix")
    note_type = str(frontmatter.parse(text).data["type"])
    if not existing.get("status"):
        text = frontmatter.set_field(text, "status", "wip")
    if not existing.get("created"):
        text = frontmatter.set_field(text, "created", _dt.date.today())
    if not existing.get("author"):
        name = author()
        if name:
            text = frontmatter.set_field(text, "author", name)
    if tickets:
        if note_type == "question" and len(tickets) == 1:
            text = frontmatter.set_field(text, "ticket", tickets[0])
        else:
            for ticket in tickets:
                text = frontmatter.add_to_list(text, "tickets", ticket)
    for tag in tags or []:
        tag = storable(tag).strip()
        if tag:
            text = frontmatter.add_to_list(text, "tags", tag)
    # Given text (and a template) never brings control characters into the note: a NUL
    # would make it binary, unsearchable and unchecked for secrets.
    return NewNote(title, note_type, storable(text), warnings)


def write_new(root: Path, note: NewNote, folder: str = "notes") -> str:
    """Write a new note at ``<folder>/<slug of its title>.md`` (then ``-2``, ``-3`` ...):
    never over an existing file (``folder`` "" is the KB's top). Its path relative to
    ``root``."""
    slug = files.slugify(note.title)
    data = note.text.encode("utf-8")
    prefix = f"{folder}/" if folder else ""
    number = 1
    while True:
        rel = f"{prefix}{slug}.md" if number == 1 else f"{prefix}{slug}-{number}.md"
        if atomic.write_new(root / rel, data, root=root):
            return rel
        number += 1


def _move_title_first(text: str) -> str:
    # A new note reads best with its title on the first line of the front matter.
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        if lines[index].startswith("title:"):
            if index != 1:
                lines.insert(1, lines.pop(index))
            break
        if lines[index].rstrip() == "---":
            break
    return "".join(lines)
