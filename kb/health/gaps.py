"""Content gaps: resolved tickets that no note covers, grouped by the significant words their
titles share, so that the note worth writing next stands out."""

from __future__ import annotations

from dataclasses import dataclass

from kb.notes.note import Note
from kb.notes.ticket_ids import TicketMatcher
from kb.search.analysis import query_words, stem

MIN_GAP_TICKETS = 3
GAP_SAMPLES = 3
MAX_GAPS = 20
#: Words in almost every ticket title: they group nothing.
_GENERIC = frozenset(
    stem(word)
    for word in [
        "issue",
        "issues",
        "problem",
        "problems",
        "request",
        "help",
        "need",
        "needs",
        "urgent",
        "ticket",
        "question",
        "user",
        "users",
        "working",
        "work",
        "works",
        "cannot",
        "unable",
        "error",
        "errors",
        "please",
        "asap",
        "new",
    ]
)


@dataclass
class ContentGap:
    """Resolved tickets with no note that share title words: a note worth writing."""

    words: list[str]
    count: int
    samples: list[str]
    tickets: list[str]


def record_id(record: Note) -> str:
    """A ticket record's id."""
    return record.tickets[0] if record.tickets else record.name.upper()


def _summary(record: Note) -> str:
    """A ticket's own title, without its id."""
    title = " ".join(str(record.fields.get("title") or "").split())
    return title or record.body.first_heading or record.title


def significant_words(title: str, matcher: TicketMatcher | None = None) -> dict[str, str]:
    """A title's words that can group tickets: stem -> the word as written. Stop words,
    generic helpdesk words, ticket ids and short words are left out."""
    words: dict[str, str] = {}
    for word in query_words(title):
        key = word.alternatives[0]
        if word.stop or key in _GENERIC or len(word.surface) < 3 or key.isdigit():
            continue
        if matcher is not None and matcher.is_ticket_id(word.typed):
            continue
        words.setdefault(key, word.surface)
    return words


def content_gaps(records: list[Note], matcher: TicketMatcher | None = None) -> list[ContentGap]:
    """Groups of at least MIN_GAP_TICKETS tickets sharing a significant title word.

    Greedy: the word shared by the most tickets forms a group, its tickets leave the pool,
    and so on. A group is named by every word its tickets share.
    """
    pool = {record_id(record): record for record in records}
    words = {ticket: significant_words(_summary(r), matcher) for ticket, r in pool.items()}
    gaps: list[ContentGap] = []
    while len(gaps) < MAX_GAPS:
        holders: dict[str, list[str]] = {}
        for ticket in sorted(pool):
            for key in words[ticket]:
                holders.setdefault(key, []).append(ticket)
        best = sorted(
            (key for key, tickets in holders.items() if len(tickets) >= MIN_GAP_TICKETS),
            key=lambda key: (-len(holders[key]), key),
        )
        if not best:
            break
        members = holders[best[0]]
        shared = set.intersection(*(set(words[ticket]) for ticket in members))
        first = words[members[0]]
        label = [first[key] for key in first if key in shared]
        newest = sorted(members, key=lambda ticket: _when(pool[ticket]), reverse=True)
        gaps.append(
            ContentGap(
                label,
                len(members),
                [pool[ticket].title for ticket in newest[:GAP_SAMPLES]],
                sorted(members),
            )
        )
        for ticket in members:
            del pool[ticket]
    return gaps


def _when(record: Note) -> str:
    for key in ("resolved", "opened", "created"):
        value = record.fields.get(key)
        if value:
            return str(value)
    return record.created.isoformat() if record.created else ""
