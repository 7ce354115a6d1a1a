"""Linking notes to tickets, and the ticket view: which notes solved or informed a ticket, and
which exact version of each was given.

Links are lines of the append-only log :mod:`kb.notes.link_log`, never front matter edits, so two
technicians linking the same note at once merge without a conflict. A note's tickets are the
ones its front matter lists plus its current links; its reuse count is how many distinct
tickets it solved (front matter ``tickets:`` and resolution links).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kb.git import revisions
from kb.notes import link_log, ticket_ids
from kb.notes.errors import KBError
from kb.tickets.records import record_path, safe_id, sections

if TYPE_CHECKING:
    from kb.notes.note import Note
    from kb.notes.protocol import KB, Saved

#: How a note is tied to a ticket, strongest first.
RESOLUTION = "resolution"
REFERENCE = "reference"
LISTED = "listed"  # named in the note's front matter (tickets: / ticket:)
MENTIONED = "mentioned"  # named in the note's text only


@dataclass
class LinkOutcome:
    """What ``link`` or ``unlink`` did."""

    note: str
    title: str
    ticket: str
    kind: str
    #: The note's revision recorded with the link (full sha), when git has one.
    rev: str | None = None
    #: False when nothing was recorded (the link already stood as asked).
    changed: bool = True
    #: The commit of the note's own unsaved changes, made first so that ``rev`` is exact.
    edit: Saved | None = None
    saved: Saved | None = None
    #: Something the technician should know (the revision is not exact, ...).
    warnings: list[str] = field(default_factory=list)


@dataclass
class TicketNote:
    """A note tied to a ticket, and how."""

    path: str
    title: str
    kind: str  # resolution, reference, listed or mentioned
    rev: str | None = None
    at: str = ""
    by: str = ""

    def to_json(self) -> dict[str, Any]:
        """The tie as JSON-ready data."""
        return {
            "path": self.path,
            "title": self.title,
            "kind": self.kind,
            "rev": self.rev,
            "short_rev": revisions.short(self.rev) or None,
            "at": self.at or None,
            "by": self.by or None,
        }


@dataclass
class TicketView:
    """A ticket: its record (when the KB has one) and every note tied to it."""

    id: str
    record: Note | None
    notes: list[TicketNote] = field(default_factory=list)
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The ticket as JSON-ready data (``kb ticket ID --json``)."""
        record: dict[str, Any] | None = None
        if self.record is not None:
            fields = self.record.fields
            parts = sections(self.record.body_text)
            record = {
                "path": self.record.path,
                "title": _text(fields.get("title")) or self.record.title,
                **{
                    key: _text(fields.get(key)) or None
                    for key in ("status", "opened", "resolved", "caller", "assignee", "category")
                },
                "description": parts.get("description", ""),
                "resolution": parts.get("resolution", ""),
                "source": _text(fields.get("source")) or None,
            }
        return {
            "id": self.id,
            "url": self.url,
            "record": record,
            "notes": [note.to_json() for note in self.notes],
        }


def ticket_id(kb: KB, value: str) -> str:
    """A ticket id typed by a person, normalised; KBError (exit 2) when it does not look like
    one (by the patterns in ``kb.toml``)."""
    value = value.strip()
    if not kb.matcher.is_ticket_id(value):
        raise KBError(
            f"{value!r} does not look like a ticket id (see [tickets] patterns in kb.toml)", 2
        )
    return ticket_ids.normalize(value)


def link(kb: KB, reference: str, ticket: str, kind: str = RESOLUTION) -> LinkOutcome:
    """Record that the note ``reference`` names solved (or informed) ``ticket``, with the
    note's revision at this moment: the version given to the caller."""
    if kind not in link_log.KINDS:
        raise KBError(f"unknown link kind {kind!r}; use resolution or reference", 2)
    ticket = ticket_id(kb, ticket)
    note = _linkable_note(kb, reference)
    outcome = LinkOutcome(note.path, note.title, ticket, kind)
    standing = [
        existing
        for existing in link_log.read_links(kb.root)
        if existing.note == note.path and existing.ticket == ticket
    ]
    if standing and standing[0].kind == kind:
        outcome.changed = False
        outcome.rev = standing[0].rev
        return outcome
    if revisions.has_changes(kb.root, note.path):
        outcome.edit = kb.record_edit(note.path, f"Edit: {note.title}")
        if outcome.edit.commit is not None and outcome.edit.commit.warning:
            outcome.warnings.append(
                f"the note's unsaved changes could not be committed "
                f"({outcome.edit.commit.warning}); the link names its last committed version"
            )
    outcome.rev = revisions.last_commit(kb.root, note.path)
    if outcome.rev is None:
        outcome.warnings.append("the note has no commit yet: the link records no revision")
    from kb.git import identity

    event = link_log.LinkEvent(
        "link",
        ticket,
        note.path,
        kind,
        outcome.rev,
        link_log.now(),
        identity.user_name(kb.root) or "",
    )
    changed = [link_log.append(kb.root, event), ".gitattributes", note.path]
    suffix = " (reference)" if kind == REFERENCE else ""
    outcome.saved = kb.record_changes(changed, f"Link {ticket} → {note.title}{suffix}")
    return outcome


def unlink(kb: KB, reference: str, ticket: str) -> LinkOutcome:
    """Remove the link between a note and a ticket (the log keeps that it existed)."""
    ticket = ticket_id(kb, ticket)
    note = _linkable_note(kb, reference)
    standing = [
        existing
        for existing in link_log.read_links(kb.root)
        if existing.note == note.path and existing.ticket == ticket
    ]
    if not standing:
        if ticket in note.tickets:
            raise KBError(
                f"{note.path} lists {ticket} in its front matter, not as a link; "
                "remove it from tickets: with kb edit",
                1,
            )
        raise KBError(f"{note.path} is not linked to {ticket}", 1)
    from kb.git import identity

    event = link_log.LinkEvent(
        "unlink",
        ticket,
        note.path,
        standing[0].kind,
        standing[0].rev,
        link_log.now(),
        identity.user_name(kb.root) or "",
    )
    changed = [link_log.append(kb.root, event), ".gitattributes", note.path]
    outcome = LinkOutcome(note.path, note.title, ticket, standing[0].kind, standing[0].rev)
    outcome.saved = kb.record_changes(changed, f"Unlink {ticket} from {note.title}")
    return outcome


def note_tickets(kb: KB, note: Note) -> list[TicketNote]:
    """Every ticket tied to a note: current links first, then front matter, then mentions.
    (``TicketNote.path`` holds the ticket id here and ``title`` its record's title.)"""
    found: dict[str, TicketNote] = {}
    for current in link_log.read_links(kb.root):
        if current.note == note.path:
            found[current.ticket] = TicketNote(
                current.ticket, "", current.kind, current.rev, current.at, current.by
            )
    for ticket in note.tickets:
        found.setdefault(ticket, TicketNote(ticket, "", LISTED))
    for ticket in note.mentioned_tickets:
        found.setdefault(ticket, TicketNote(ticket, "", MENTIONED))
    for entry in found.values():
        entry.title = _record_title(kb, entry.path)
    return list(found.values())


def ticket_view(kb: KB, value: str, *, refresh: bool = True) -> TicketView:
    """The ticket ``value`` names: its record and every note tied to it. KBError exit 2 for
    something that is not a ticket id, exit 1 when the KB knows nothing of the ticket.
    With ``refresh`` the index is brought up to date first."""
    ticket = ticket_id(kb, value)
    view = TicketView(ticket, _record(kb, ticket), url=kb.settings.ticket_link(ticket))
    tied: dict[str, TicketNote] = {}
    for current in link_log.for_ticket(link_log.read_links(kb.root), ticket):
        tied[current.note] = TicketNote(
            current.note, "", current.kind, current.rev, current.at, current.by
        )
    results = kb.search(f"ticket:{ticket}", limit=1000, refresh=refresh)
    for hit in results:
        if hit.kind == "ticket" or hit.path in tied:
            continue
        note = _load(kb, hit.path)
        if note is None:
            continue
        if ticket in note.tickets:
            tied[hit.path] = TicketNote(hit.path, note.title, LISTED)
        elif ticket in note.mentioned_tickets:
            tied[hit.path] = TicketNote(hit.path, note.title, MENTIONED)
    order = {RESOLUTION: 0, LISTED: 1, REFERENCE: 2, MENTIONED: 3}
    for entry in tied.values():
        if not entry.title:
            loaded = _load(kb, entry.path)
            entry.title = loaded.title if loaded is not None else f"{entry.path} (deleted)"
    view.notes = sorted(tied.values(), key=lambda entry: (order[entry.kind], entry.path))
    if view.record is None and not view.notes:
        raise KBError(f"no ticket {ticket} in this KB: no record, no linked note, no mention", 1)
    return view


def _linkable_note(kb: KB, reference: str) -> Note:
    # Title words often match the ticket's own record too: only notes can be linked.
    note = kb.note_not_ticket(reference)
    if note.kind == "ticket":
        raise KBError(f"{note.path} is a ticket record; link a note to the ticket instead", 2)
    return note


def _record(kb: KB, ticket: str) -> Note | None:
    if not safe_id(ticket):
        return None
    from kb.notes import files

    source = files.source_for(kb.root, record_path(ticket))
    if source is None:
        return None
    note, _ = kb.load(source)
    return note


def _record_title(kb: KB, ticket: str) -> str:
    record = _record(kb, ticket)
    if record is None:
        return ""
    return _text(record.fields.get("title")) or record.title


def _load(kb: KB, path: str) -> Note | None:
    from kb.notes import files

    source = files.source_for(kb.root, path)
    if source is None:
        return None
    note, _ = kb.load(source)
    return note


def _text(value: object) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return " ".join(str(value).split())


#: Words of ticket prose that never help find a fix.
_FILLER = frozenset(
    [
        "caller",
        "user",
        "users",
        "says",
        "said",
        "please",
        "issue",
        "problem",
        "help",
        "ticket",
        "hi",
        "hello",
        "thanks",
        "thank",
        "regards",
        "today",
        "morning",
        "since",
        "still",
        "again",
        "get",
        "gets",
        "got",
        "cannot",
        "cant",
        "unable",
        "work",
        "works",
        "working",
        "tried",
        "need",
        "needs",
        "able",
        "anymore",
        "after",
        "before",
        "when",
        "what",
        "happens",
        "shows",
        "show",
        "start",
        "new",
        "sorry",
        "every",
        "always",
        "never",
        "some",
        "any",
    ]
)


def fix_query(view: TicketView, kb: KB | None = None, limit: int = 8) -> str:
    """A search for notes that could fix a ticket: the key words of its title and description
    (error codes first, then title words, then description words), never whole sentences.
    Ticket records themselves are left out of the results."""
    from kb.search.analysis import query_words

    record = view.record
    if record is None:
        return ""
    title = _text(record.fields.get("title")) or record.title
    description = sections(record.body_text).get("description", "")[:2000]
    words = query_words(title) + query_words(description)
    chosen: dict[str, None] = {}
    codes = [w for w in words if w.exact and any(c.isdigit() for c in w.surface)]
    prose = [w for w in words if not w.exact]
    for word in [*codes[:3], *prose]:
        surface = word.surface
        if word.stop or surface in _FILLER or len(surface) < 3:
            continue
        if kb is not None and kb.matcher.is_ticket_id(surface):
            continue
        chosen.setdefault(surface, None)
        if len(chosen) >= limit:
            break
    if not chosen:
        return ""
    return " ".join(chosen) + " -type:ticket"
