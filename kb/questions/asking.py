"""Open questions: what a technician promised to find out, for whom, by when, and the answer.

A question is an ordinary note (``type: question``) with ``asked_by`` (who is waiting and
how to reach them), ``promised`` (a quoted local ``"YYYY-MM-DD HH:MM"``), ``ticket`` and a
``## Updates`` log. Answering it turns it into a fix note in place, so its history, links and
update log stay with it. Every change goes through :class:`~kb.knowledgebase.KnowledgeBase`,
so it is committed with the user's git identity and reindexed.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kb.notes import frontmatter, sections, when
from kb.notes.control_chars import storable
from kb.notes.errors import KBError
from kb.notes.markdown import canonical_section
from kb.notes.note import Note, parse_note

if TYPE_CHECKING:
    from kb.notes.protocol import KB, Saved
    from kb.search.results import Hit

QUESTION_TYPE = "question"
#: Titles longer than this are cut (the whole question is kept in the Issue section).
MAX_TITLE = 100
#: Similar notes shown before a question is saved.
SIMILAR_LIMIT = 3

_ENTRY = re.compile(r"^\s{0,3}[-*+]\s+(?P<text>.*\S)\s*$")
_ENTRY_TIME = re.compile(r"^(?P<at>\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2})\b")


@dataclass
class Update:
    """One entry of a note's ``## Updates`` log: what the person waiting was told, and when."""

    text: str
    at: _dt.datetime | None = None


@dataclass
class Question:
    """An open (or answered) question as kb reads it from its note."""

    path: str
    title: str
    asked_by: str = ""
    promised: _dt.datetime | None = None
    ticket: str = ""
    owner: str = ""
    created: _dt.date | None = None
    status: str = ""
    answered: _dt.datetime | None = None
    updates: list[Update] = field(default_factory=list)

    def is_overdue(self, now: _dt.datetime) -> bool:
        """True when the promised time has passed."""
        return self.promised is not None and self.promised <= now

    @property
    def last_update(self) -> Update | None:
        """The newest entry of the update log (the last one written)."""
        return self.updates[-1] if self.updates else None

    def to_json(self, now: _dt.datetime) -> dict[str, Any]:
        """The question as JSON-ready data (the ``kb followups --json`` contract)."""
        last = self.last_update
        return {
            "path": self.path,
            "title": self.title,
            "asked_by": self.asked_by or None,
            "promised": self.promised.isoformat(timespec="minutes") if self.promised else None,
            "overdue": self.is_overdue(now),
            "ticket": self.ticket or None,
            "owner": self.owner or None,
            "created": self.created.isoformat() if self.created else None,
            "status": self.status or None,
            "updates": len(self.updates),
            "last_update": last.text if last else None,
        }


@dataclass
class Asked:
    """A question just saved: where, and what was promised to whom."""

    saved: Saved
    question: Question


@dataclass
class Answered:
    """A question just turned into a fix note; ``question`` is what it was (who waits)."""

    saved: Saved
    question: Question


# --- reading ---------------------------------------------------------------------------------


def read_question(note: Note, promise_time: _dt.time = when.DEFAULT_PROMISE_TIME) -> Question:
    """The question fields of a note (any note: a converted fix keeps them)."""
    fields = note.fields
    return Question(
        path=note.path,
        title=note.title,
        asked_by=_one_line(fields.get("asked_by")),
        promised=when.read_stored(fields.get("promised"), promise_time),
        ticket=note.tickets[0] if note.tickets else "",
        owner=note.authors[0] if note.authors else "",
        created=note.created,
        status=note.status,
        answered=when.read_stored(fields.get("answered"), promise_time),
        updates=read_updates(note.body.sections.get("updates", "")),
    )


def read_updates(section: str) -> list[Update]:
    """The entries of an ``## Updates`` section: one per list item, continuation lines joined."""
    updates: list[Update] = []
    for line in section.splitlines():
        match = _ENTRY.match(line)
        if match:
            text = match["text"]
            stamp = _ENTRY_TIME.match(text)
            at = when.read_stored(stamp["at"]) if stamp else None
            updates.append(Update(text, at))
        elif updates and line.strip() and line[:1] in " \t":
            updates[-1].text += " " + line.strip()
    return updates


def is_open(note: Note) -> bool:
    """True for a question still waiting for its answer (not answered, not archived)."""
    return (
        note.kind == "note"
        and note.type == QUESTION_TYPE
        and note.status != "archived"
        and not note.fields.get("answered")
    )


def open_questions(kb: KB) -> list[Question]:
    """Every open question of the KB, soonest promise first (questions without one last)."""
    from kb.notes.of_type import sources_of_type

    found: list[Question] = []
    sources, _ = kb.sources()
    limit = kb.settings.max_file_bytes
    # Most notes are not questions: only those with a question's type line are parsed.
    for source in sources_of_type(kb.root, sources, QUESTION_TYPE, limit):
        note, _problems = kb.load(source)
        if note is not None and is_open(note):
            found.append(read_question(note, kb.settings.promise_time))
    return sorted(found, key=_promise_order)


def followups(kb: KB, *, now: _dt.datetime, overdue_only: bool = False) -> list[Question]:
    """Open questions to follow up, soonest promise first; only overdue ones when asked."""
    questions = open_questions(kb)
    if overdue_only:
        questions = [question for question in questions if question.is_overdue(now)]
    return questions


def _promise_order(question: Question) -> tuple[bool, _dt.datetime, _dt.date, str]:
    return (
        question.promised is None,
        question.promised or _dt.datetime.max,
        question.created or _dt.date.max,
        question.path,
    )


# --- asking ------------------------------------------------------------------------------------


def parse_promise(kb: KB, text: str | None, now: _dt.datetime) -> _dt.datetime:
    """The promised time WHEN means (the KB's default promise when it is None or blank)."""
    chosen = text if text is not None and text.strip() else kb.settings.default_promise
    return when.parse_when(
        chosen, now, promise_time=kb.settings.promise_time, end_of_day=kb.settings.end_of_day
    )


def check_ticket(kb: KB, ticket: str | None) -> str:
    """A ticket id typed by the user, normalised; KBError when it is not one (kb.toml patterns)."""
    ticket = (ticket or "").strip()
    if not ticket:
        return ""
    if not kb.matcher.is_ticket_id(ticket):
        raise KBError(f"{ticket!r} does not look like a ticket id (see [tickets] in kb.toml)")
    return ticket.upper()


def question_title(question: str) -> str:
    """A note title for a question: one line, cut at a word when it is very long."""
    title = " ".join(question.split())
    if len(title) <= MAX_TITLE:
        return title
    cut = title[: MAX_TITLE - 1].rsplit(" ", 1)[0] or title[: MAX_TITLE - 1]
    return cut.rstrip(" ,;:") + "…"


def similar(kb: KB, question: str, limit: int = SIMILAR_LIMIT) -> list[Hit]:
    """Existing notes that may already answer ``question`` (strong matches only)."""
    from kb.search.engine import IndexBusy

    if not question.strip():
        return []
    try:
        results = kb.search(question, limit=max(limit * 3, 10))
    except (IndexBusy, OSError):
        return []  # a busy or unwritable index must not stop a question being captured
    return [hit for hit in results if not hit.weak][:limit]


def ask(
    kb: KB,
    question: str,
    *,
    now: _dt.datetime,
    ticket: str | None = None,
    asked_by: str | None = None,
    promised: str | None = None,
) -> Asked:
    """Save a new open question (``type: question``, ``status: wip``), committed and indexed.

    ``promised`` is a WHEN ("tomorrow 10:00", "+2h", ...); the KB's default when None.
    """
    from kb.notes.templates import BUILT_IN, fill, template

    question = storable(question).strip()
    if not question:
        raise KBError("write the question to find out, for example: kb ask 'Why does ...?'")
    title = question_title(question)
    ticket_id = check_ticket(kb, ticket)
    promise = parse_promise(kb, promised, now)
    who = " ".join(storable(asked_by or "").split())
    base, warning = template(kb.root, QUESTION_TYPE)
    text = fill(base, title=title, ticket=ticket_id)
    parsed = frontmatter.parse(text)
    if parsed.error or not parsed.present:
        text = fill(BUILT_IN[QUESTION_TYPE], title=title, ticket=ticket_id)
    if who:
        text = frontmatter.set_field(text, "asked_by", who)
    text = frontmatter.set_field(text, "promised", frontmatter.Quoted(when.to_stored(promise)))
    text = frontmatter.set_field(text, "created", now.date())
    text = sections.replace_section_text(text, "issue", "Issue", question.strip("\n"))
    if not sections.has_section(text, "updates"):
        text = sections.append_section(text, "Updates")
    saved = kb.new_note(
        title, note_type=QUESTION_TYPE, tickets=[ticket_id] if ticket_id else None, body=text
    )
    if warning:
        saved.warnings.append(warning)
    note = kb.note(saved.path)
    return Asked(saved, read_question(note, kb.settings.promise_time))


# --- updates -----------------------------------------------------------------------------------


def append_update(
    kb: KB,
    reference: str,
    message: str,
    *,
    now: _dt.datetime,
    author: str | None = None,
) -> Saved:
    """Add ``- YYYY-MM-DD HH:MM Name: message`` at the end of the note's ``## Updates`` log.

    Any note works. The log is created at the end of the note when it has none; no other
    byte of the file changes. Committed as "Update: <title>".
    """
    message = " ".join(storable(message).split())
    if not message:
        raise KBError("write the update: what the person waiting was told")
    source = kb.find(reference)
    if author is None:
        from kb.git import identity

        author = identity.user_name(kb.root) or ""
    who = f" {' '.join(author.split())}" if author.strip() else ""
    entry = f"- {when.to_stored(now)}{who}: {message}"

    def log_it(text: str) -> tuple[str, str]:
        new_text = add_update_entry(text, entry)
        return new_text, f"Update: {parse_note(source.rel, new_text, kb.matcher).title}"

    saved = kb.change_text(source.rel, log_it)
    assert saved is not None  # log_it always changes the note
    return saved


def add_update_entry(text: str, entry: str) -> str:
    """``text`` with ``entry`` as the last line of its ``## Updates`` section (created if none)."""
    return sections.append_to_section(text, "updates", "Updates", entry)


# --- answering ---------------------------------------------------------------------------------


def answer(kb: KB, reference: str, answer_text: str, *, now: _dt.datetime) -> Answered:
    """Turn an open question into a fix note: ``type: fix``, ``status: not-validated``.

    The question stays the Issue section, ``answer_text`` becomes the Resolution, the update
    log stays as it is, and ``answered`` records when. Committed as "Answer: <title>".
    """
    source = kb.find(reference)
    resolution = clean_answer(storable(answer_text))
    asked: list[Question] = []

    def answer_it(text: str) -> tuple[str, str]:
        # Read under the note's lock: another kb may have answered it a moment ago.
        note = parse_note(source.rel, text, kb.matcher)
        if note.type != QUESTION_TYPE:
            raise KBError(
                f"{source.rel} is a {note.type or 'fix'} note, not a question; only questions "
                "can be answered (use 'kb edit' to change it)"
            )
        if not resolution:
            raise KBError("the answer is empty; the question is unchanged")
        asked.append(read_question(note, kb.settings.promise_time))
        return convert_to_fix(text, note.title, resolution, now), f"Answer: {note.title}"

    saved = kb.change_text(source.rel, answer_it)
    assert saved is not None  # answer_it always changes the note
    return Answered(saved, asked[0])


def clean_answer(text: str) -> str:
    """The answer as written, without an editor's guide comment or a leading Resolution heading."""
    text = re.sub(r"<!--\s*kb:.*?-->\s*", "", text, flags=re.S)
    lines = text.strip("\n").splitlines()
    if (
        lines
        and lines[0].lstrip().startswith("#")
        and canonical_section(lines[0].lstrip("# \t")) == "resolution"
    ):
        lines = lines[1:]
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def convert_to_fix(text: str, title: str, resolution: str, now: _dt.datetime) -> str:
    """A question note's text turned into a fix note's (see :func:`answer`)."""
    try:
        text = frontmatter.set_field(text, "type", "fix")
        text = frontmatter.set_field(text, "status", "not-validated")
        text = frontmatter.set_field(text, "answered", frontmatter.Quoted(when.to_stored(now)))
    except ValueError as exc:
        raise KBError(f"cannot answer: {exc}") from exc
    if not sections.has_section(text, "issue"):
        # A question written without an Issue section: its title is the question.
        text = sections.prepend_section(text, "Issue", title)
    if sections.has_section(text, "resolution"):
        return sections.add_paragraph(text, "resolution", "Resolution", resolution)
    # The answer goes above the update log, which stays the last section.
    return sections.insert_section_before(text, "updates", "Resolution", resolution)


# --- telling the technician ------------------------------------------------------------------


def promise_line(question: Question, now: _dt.datetime) -> str:
    """What was promised to whom: "Promised to Tom Kowalski x4412 by Mon 24 Nov 12:00 (in 3 h)"."""
    if question.promised is None:
        return "No time promised."
    by = f"{when.describe(question.promised, now)} ({when.relative(question.promised, now)})"
    if question.asked_by:
        return f"Promised to {question.asked_by} by {by}."
    return f"Promised by {by}; nobody is named as waiting (--asked-by 'Name, phone')."


def waiting_line(question: Question, now: _dt.datetime) -> str:
    """Who to call back: "Get back to Tom x4412 about INC0041005 (promised ..., 2 h overdue)"."""
    who = question.asked_by or "whoever asked (nobody is named in asked_by)"
    about = question.ticket or f"“{question.title}”"
    line = f"Get back to {who} about {about}"
    if question.promised is not None:
        promised = when.describe(question.promised, now)
        line += f" (promised {promised}, {when.relative(question.promised, now)})"
    return line


def _one_line(value: Any) -> str:
    if value is None or isinstance(value, dict | list | tuple | set):
        return ""
    return " ".join(str(value).split())
