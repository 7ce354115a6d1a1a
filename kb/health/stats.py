"""KB health for ``kb stats`` and the app's Health screen: what is used, stale, flagged, missing.

Figures:

- counts of notes by type and by status, and of ticket records;
- link rate: the share of resolved ticket records (status resolved/closed/done/solved, or a
  ``resolved`` date) that have a linked note, through the link log or a note's ``tickets:``;
- reuse: per note, the distinct tickets it solved (resolution links and front matter
  ``tickets:``); its distribution over fix notes, the most reused notes, fix notes never reused;
- questions and ``wip`` notes older than ``stale_days`` (age from ``created``, else the file);
- notes past ``review_by``; flagged notes;
- content gaps: resolved tickets without a note, grouped by shared significant title words;
- searches that found nothing (or nothing strong), from the local search log.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kb.health.gaps import ContentGap, content_gaps, record_id
from kb.notes.flags import flag_of
from kb.notes.layout import SEARCH_WORDS_FILE
from kb.notes.link_log import LINKS_FILE
from kb.notes.note import NOTE_TYPES, STATUSES, TICKET_KIND, Note
from kb.search.log import LOG_FILE, MissedSearch, missed
from kb.search.synonyms import SYNONYMS_FILE

if TYPE_CHECKING:
    from kb.notes.files import SourceFile
    from kb.notes.problems import Problem
    from kb.notes.protocol import KB

RESOLVED_STATUSES = ("resolved", "closed", "done", "solved")
#: Reuse buckets: (label, lowest, highest or None).
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2-4", 2, 4),
    ("5-9", 5, 9),
    ("10+", 10, None),
)
TOP_REUSED = 10


@dataclass
class NoteFigure:
    """A note in a health list, with the one figure that put it there."""

    path: str
    title: str
    type: str
    status: str
    #: Reuse count, age in days, or days past review, depending on the list.
    value: int = 0
    #: For past-review notes: the review date.
    date: str | None = None


@dataclass
class FlaggedNote:
    """A note flagged for rework."""

    path: str
    title: str
    reason: str
    by: str
    at: str


@dataclass
class Health:
    """Every figure of ``kb stats``."""

    today: _dt.date
    stale_days: int
    notes: int = 0
    ticket_records: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    resolved_tickets: int = 0
    linked_tickets: int = 0
    reuse_buckets: dict[str, int] = field(default_factory=dict)
    most_reused: list[NoteFigure] = field(default_factory=list)
    never_reused: list[NoteFigure] = field(default_factory=list)
    stale: list[NoteFigure] = field(default_factory=list)
    past_review: list[NoteFigure] = field(default_factory=list)
    flagged: list[FlaggedNote] = field(default_factory=list)
    gaps: list[ContentGap] = field(default_factory=list)
    missed_searches: list[MissedSearch] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def link_rate(self) -> float | None:
        """Share of resolved ticket records with a linked note (None without any)."""
        if not self.resolved_tickets:
            return None
        return self.linked_tickets / self.resolved_tickets

    def to_json(self) -> dict[str, Any]:
        """All figures as JSON-ready data (``kb stats --json``)."""
        rate = self.link_rate
        return {
            "today": self.today.isoformat(),
            "stale_days": self.stale_days,
            "notes": self.notes,
            "ticket_records": self.ticket_records,
            "by_type": self.by_type,
            "by_status": self.by_status,
            "link_rate": {
                "resolved_tickets": self.resolved_tickets,
                "linked": self.linked_tickets,
                "rate": round(rate, 4) if rate is not None else None,
            },
            "reuse": {
                "buckets": self.reuse_buckets,
                "most_reused": [_figure(item, "tickets") for item in self.most_reused],
                "never_reused": [_figure(item, None) for item in self.never_reused],
            },
            "stale": [_figure(item, "days") for item in self.stale],
            "past_review": [
                {**_figure(item, "days_past"), "review_by": item.date} for item in self.past_review
            ],
            "flagged": [asdict(item) for item in self.flagged],
            "content_gaps": [asdict(item) for item in self.gaps],
            "missed_searches": [asdict(item) for item in self.missed_searches],
            "problems": [str(problem) for problem in self.problems],
        }


def _figure(item: NoteFigure, key: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": item.path,
        "title": item.title,
        "type": item.type,
        "status": item.status,
    }
    if key:
        data[key] = item.value
    return data


def is_resolved(record: Note) -> bool:
    """True for a ticket record that was resolved or closed."""
    return record.status in RESOLVED_STATUSES or bool(record.fields.get("resolved"))


def compute(kb: KB, today: _dt.date | None = None, stale_days: int | None = None) -> Health:
    """The KB's health on ``today`` (default: the real today)."""
    from kb.notes.link_log import read_links

    today = today or _dt.date.today()
    health = Health(today, kb.settings.stale_days if stale_days is None else stale_days)
    from kb.git.commit_times import last_commit_times

    sources, problems = kb.sources()
    times = last_commit_times(kb.root)
    inputs = _inputs(kb, sources, times, health)
    last = _LAST.get(str(kb.root))
    if last is not None and last[0] == inputs:
        # Nothing it was worked out from changed: no note is read again.
        return copy.deepcopy(last[1])
    health.problems = problems
    notes: list[Note] = []
    records: list[Note] = []
    changed: dict[str, _dt.date] = {}
    for source in sources:
        note, found = kb.load(source)
        health.problems.extend(found)
        if note is None:
            continue
        (records if note.kind == TICKET_KIND else notes).append(note)
        committed = times.get(source.rel)
        when = committed if committed is not None else source.mtime_ns / 1e9
        changed[note.path] = _dt.date.fromtimestamp(when)

    health.notes, health.ticket_records = len(notes), len(records)
    health.by_type = _counts([note.type for note in notes], NOTE_TYPES)
    health.by_status = _counts([note.status or "none" for note in notes], (*STATUSES, "none"))

    paths = {note.path for note in notes}
    links = [link for link in read_links(kb.root) if link.note in paths]
    # A question's ticket is the call it is about, not a ticket it solved.
    answers = [note for note in notes if note.type != "question"]
    solved: dict[str, set[str]] = {note.path: set() for note in notes}
    for note in answers:
        solved[note.path].update(note.tickets)
    question_paths = {note.path for note in notes if note.type == "question"}
    for link in links:
        if link.kind == "resolution" and link.note not in question_paths:
            solved[link.note].add(link.ticket)
    linked = {link.ticket for link in links if link.note not in question_paths}
    for note in answers:
        linked.update(note.tickets)

    resolved = [record for record in records if is_resolved(record)]
    unlinked = [record for record in resolved if record_id(record) not in linked]
    health.resolved_tickets = len(resolved)
    health.linked_tickets = len(resolved) - len(unlinked)

    _reuse(health, notes, solved)
    for note in notes:
        _attention(health, note, changed.get(note.path))
    health.stale.sort(key=lambda item: (-item.value, item.path))
    health.past_review.sort(key=lambda item: (-item.value, item.path))
    health.flagged.sort(key=lambda item: (item.at, item.path))
    health.gaps = content_gaps(unlinked, kb.matcher)
    health.missed_searches = _still_missed(kb, missed(kb.root, limit=3 * MISSED_LIMIT))
    _LAST[str(kb.root)] = (inputs, copy.deepcopy(health))
    return health


#: The last health worked out for each KB root in this process, with a digest of what it was
#: worked out from: the Health screen opened again (or ``kb stats`` from a script that keeps
#: the KB open) costs a walk of the folders, not a read of every note.
_LAST: dict[str, tuple[bytes, Health]] = {}
#: Files besides the notes whose content changes the figures: links, the search log, the
#: words learned from use (they change what a logged search finds), the team's settings.
_ALSO_READ = (LINKS_FILE, LOG_FILE, SEARCH_WORDS_FILE, SYNONYMS_FILE, "kb.toml")


def _inputs(kb: KB, sources: list[SourceFile], times: dict[str, float], health: Health) -> bytes:
    """A digest of everything :func:`compute` reads: each file's size and time, the commit
    times, the other files it reads, the day and the stale limit."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{health.today}|{health.stale_days}\n".encode())
    for source in sources:
        digest.update(
            f"{source.rel}\0{source.kind}\0{source.size}\0{source.mtime_ns}\n".encode(
                "utf-8", "surrogateescape"
            )
        )
    for rel in sorted(times):
        digest.update(f"{rel}\0{times[rel]}\n".encode("utf-8", "surrogateescape"))
    for rel in _ALSO_READ:
        try:
            info = os.stat(kb.root / rel)
            digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        except OSError:
            digest.update(f"{rel}\0-\n".encode())
    return digest.digest()


#: How many failed searches the report lists.
MISSED_LIMIT = 10


def _still_missed(kb: KB, searches: list[MissedSearch]) -> list[MissedSearch]:
    """The logged failed searches that still find nothing strong: once a note answers a
    search, it is no longer a gap to write for."""
    if not searches or not kb.has_index():
        return searches[:MISSED_LIMIT]
    kept: list[MissedSearch] = []
    for item in searches:
        if len(kept) == MISSED_LIMIT:
            break
        if not any(not hit.weak for hit in kb.search(item.query, 3, refresh=False)):
            kept.append(item)
    return kept


def _counts(values: list[str], known: tuple[str, ...]) -> dict[str, int]:
    counted = Counter(values)
    ordered = {name: counted.pop(name) for name in known if name in counted}
    ordered.update(sorted(counted.items()))
    return ordered


def _item(note: Note, value: int = 0, date: str | None = None) -> NoteFigure:
    return NoteFigure(note.path, note.title, note.type, note.status, value, date)


def _reuse(health: Health, notes: list[Note], solved: dict[str, set[str]]) -> None:
    fixes = [note for note in notes if note.type == "fix" and note.status != "archived"]
    buckets = dict.fromkeys((label for label, _low, _high in BUCKETS), 0)
    for note in fixes:
        count = len(solved[note.path])
        for label, low, high in BUCKETS:
            if count >= low and (high is None or count <= high):
                buckets[label] += 1
                break
    health.reuse_buckets = buckets
    reused = [note for note in fixes if solved[note.path]]
    reused.sort(key=lambda note: (-len(solved[note.path]), note.title.lower(), note.path))
    health.most_reused = [_item(note, len(solved[note.path])) for note in reused[:TOP_REUSED]]
    health.never_reused = [
        _item(note) for note in sorted(fixes, key=lambda n: n.path) if not solved[note.path]
    ]


def _attention(health: Health, note: Note, changed: _dt.date | None) -> None:
    open_question = note.type == "question" and note.status != "archived"
    if open_question or note.status == "wip":
        born = note.created or changed
        if born is not None and (health.today - born).days > health.stale_days:
            health.stale.append(_item(note, (health.today - born).days))
    if note.review_by and note.review_by < health.today and note.status != "archived":
        days = (health.today - note.review_by).days
        health.past_review.append(_item(note, days, note.review_by.isoformat()))
    flag = flag_of(note)
    if flag is not None:
        health.flagged.append(FlaggedNote(note.path, note.title, flag.reason, flag.by, flag.at))


#: Entries shown per list in the text report (``--json`` has them all).
REPORT_LIST = 15


def report(health: Health) -> str:
    """The figures as plain text a technician reads top to bottom (``kb stats``)."""
    lines: list[str] = [f"KB health on {health.today.isoformat()}", ""]
    types = ", ".join(f"{name} {count}" for name, count in health.by_type.items())
    lines.append(f"Notes: {health.notes}" + (f" ({types})" if types else ""))
    statuses = ", ".join(f"{name} {count}" for name, count in health.by_status.items())
    if statuses:
        lines.append(f"Status: {statuses}")
    lines.append(f"Ticket records: {health.ticket_records}")
    lines.append("")
    rate = health.link_rate
    if rate is None:
        lines.append("Link rate: no resolved ticket records yet (kb import brings them in)")
    else:
        lines.append(
            f"Link rate: {rate:.0%} ({health.linked_tickets} of {health.resolved_tickets} "
            "resolved tickets have a linked note)"
        )
    lines.append("")
    buckets = "   ".join(f"{label}: {count}" for label, count in health.reuse_buckets.items())
    lines.append("Reuse (fix notes by tickets solved):")
    lines.append(f"  {buckets}")
    _section(
        lines,
        "Most reused notes (tickets each solved)",
        [
            f"{item.value:>4} ticket{'s' if item.value != 1 else ' '}  {item.title}  ({item.path})"
            for item in health.most_reused
        ],
        counted=False,
    )
    _section(
        lines,
        "Fix notes never reused",
        [f"{item.title}  ({item.path})" for item in health.never_reused],
    )
    _section(
        lines,
        f"Questions and wip notes older than {health.stale_days} days",
        [
            f"{item.value:>4} days  {item.type if item.type == 'question' else item.status}  "
            f"{item.title}  ({item.path})"
            for item in health.stale
        ],
    )
    _section(
        lines,
        "Past their review date",
        [
            f"{item.date} ({item.value} days ago)  {item.title}  ({item.path})"
            for item in health.past_review
        ],
    )
    _section(
        lines,
        "Flagged for rework",
        [
            f"{item.title}  ({item.path})\n        “{item.reason}”"
            + (f" — {item.by}" if item.by else "")
            + (f", {item.at}" if item.at else "")
            for item in health.flagged
        ],
    )
    gap_lines = []
    for gap in health.gaps:
        samples = "".join(f"\n        {title}" for title in gap.samples)
        gap_lines.append(f"{gap.count:>4} tickets about: {' '.join(gap.words)}{samples}")
    _section(lines, "Content gaps (resolved tickets with no note, by shared words)", gap_lines)
    _section(
        lines,
        "Searches that found nothing (logged on this computer)",
        [
            f"{item.count:>4}×  {item.query}"
            + (
                "  (nothing found)"
                if item.empty == item.count
                else f"  ({item.empty} found nothing, {item.count - item.empty} only weak matches)"
                if item.empty
                else "  (only weak matches)"
            )
            for item in health.missed_searches
        ],
    )
    if health.problems:
        lines.append("")
        lines.append(f"{len(health.problems)} file problem(s): run 'kb check' for details")
    return "\n".join(lines)


def _section(lines: list[str], title: str, entries: list[str], *, counted: bool = True) -> None:
    lines.append("")
    if not entries:
        lines.append(f"{title}: none")
        return
    # A top-N list is not a count: "Most reused notes: 10" would read as ten notes reused.
    lines.append(f"{title}: {len(entries)}" if counted else f"{title}:")
    for entry in entries[:REPORT_LIST]:
        lines.append(f"  {entry}")
    if len(entries) > REPORT_LIST:
        lines.append(f"  ... and {len(entries) - REPORT_LIST} more (kb stats --json lists all)")
