"""Search results as a technician reads them: hits with title, snippet, status, tickets
and age, and whether the best of them is a strong answer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kb.search.query import Query

if TYPE_CHECKING:
    from kb.search.snippets import Needles

#: A hit matching less than this share of the query's words is a weak answer.
WEAK_COVERAGE = 0.5


@dataclass(slots=True)
class Hit:
    """A search result: a note or ticket record, and why it matched."""

    path: str
    title: str
    score: float
    snippet: str
    #: (start, end) character ranges of matched words within ``snippet``.
    highlights: list[tuple[int, int]] = field(default_factory=list)
    kind: str = "note"
    type: str = ""
    status: str = ""
    tags: list[str] = field(default_factory=list)
    systems: list[str] = field(default_factory=list)
    tickets: list[str] = field(default_factory=list)
    modified: float = 0.0
    created: str | None = None
    #: Share of the query's words found in this document (0..1).
    coverage: float = 1.0
    #: Why the note is flagged for rework ("" when it is not).
    flag: str = ""
    #: What else the note is searched by besides its title and text (aliases, summary).
    also: str = field(default="", repr=False)
    #: The short name of the KB the hit comes from, when several KBs are searched as one.
    kb: str = ""
    #: The language of the note's folder (``fr`` for ``pages.fr/``); None: the KB's main one.
    language: str | None = None
    #: True when a sync kept another version of the note beside it, waiting to be settled.
    conflict: bool = False
    #: The note's meaning vector as the index stored it ("" when none; see kb.search.meaning).
    meaning: str = field(default="", repr=False)

    @property
    def ticket_count(self) -> int:
        """How many tickets this note is linked to (solved or informed)."""
        return len(self.tickets)

    @property
    def weak(self) -> bool:
        """True when this hit matches too little of the query to be trusted as an answer."""
        return self.coverage < WEAK_COVERAGE

    def to_json(self) -> dict[str, Any]:
        """The hit as JSON-ready data (the ``kb search --json`` contract)."""
        return {
            "path": self.path,
            "title": self.title,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
            "kind": self.kind,
            "type": self.type,
            "status": self.status,
            "tags": self.tags,
            "tickets": self.tickets,
            "ticket_count": self.ticket_count,
            "modified": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.modified))
            if self.modified
            else None,
            "created": self.created,
            "coverage": round(self.coverage, 2),
            "weak": self.weak,
            "flag": self.flag or None,
            **({"conflict_waiting": True} if self.conflict else {}),
            **({"kb": self.kb} if self.kb else {}),
            **({"lang": self.language} if self.language else {}),
        }


_DAY = 86_400


def age(modified: float, now: float | None = None) -> str:
    """How long ago a note changed, in words a person says ("today", "3 days", "2 months")."""
    if not modified:
        return ""
    days = int(((now if now is not None else time.time()) - modified) // _DAY)
    if days < 1:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days"
    if days < 60:
        return f"{days // 7} weeks"
    if days < 730:
        return f"{days // 30} months"
    return f"{days // 365} years"


class Results(list[Hit]):
    """Hits, best first, and what the search had to do to find them."""

    def __init__(self, hits: list[Hit] | None = None, *, query: Query | None = None) -> None:
        super().__init__(hits or [])
        self.query = query
        #: True when words were matched with typos allowed.
        self.corrected = False
        #: True when the search ran out of its time budget (see :func:`search`).
        self.partial = False
        #: False after a search asked not to make snippets yet (so that hits dropped when
        #: several KBs' hits are merged cost nothing): each hit's ``snippet`` then holds its
        #: whole stored text until :func:`kb.search.searching.make_snippets` is given it.
        self.snipped = True
        #: The words to highlight in the snippets (those of the search's own plan).
        self.highlight: Needles | None = None

    @property
    def weak(self) -> bool:
        """True when nothing found really answers the query."""
        return not self or self[0].weak
