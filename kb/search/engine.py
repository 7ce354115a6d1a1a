"""The small interface every search engine implements.

Nothing outside :mod:`kb.search.engines` imports an engine library. kb analyses text itself
(:mod:`kb.search.analysis`), so an engine receives documents and queries as terms, and answers
with paths and scores; snippets, synonyms, typo handling and ranking signals live in
:mod:`kb.search`, the same for every engine.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

from kb.search.ranking import TEXT_FIELDS

F = TypeVar("F", bound=Callable[..., Any])

#: Documents whose stored values an engine keeps decoded, the latest used: typing one word
#: brings back mostly the same candidates at every key (about 9 in 10 on a 20,000-note KB),
#: and reading and decoding a document costs more than ranking it. At most about 20 MB.
STORED_DOCUMENTS = 1000


def synchronized(method: F) -> F:
    """Run an engine method under the engine's lock (``self._lock``, an RLock).

    The app searches from one thread while another updates the index; searchers are
    swapped after writes, and must never be closed under a search that is still running.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def typo_distance(word: str) -> int:
    """How many edits a typed word may be from an indexed word (a swap of letters is one)."""
    return 1 if len(word) < 8 else 2


class IndexUnavailable(Exception):
    """The index on disk cannot be used (missing, corrupt, other schema); rebuild it."""


class IndexBusy(Exception):
    """Another kb process holds the index for writing and did not let go in time."""


@dataclass
class IndexDoc:
    """One note or ticket record, ready for an engine."""

    path: str
    kind: str
    title: str
    labels: str
    issue: str
    body: str
    #: Exact filter values: tag, type, status, ticket (lower case), system and author words.
    filters: dict[str, list[str]] = field(default_factory=dict)
    #: Small values returned with hits (title, status, tickets, dates, snippet source, ...).
    stored: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WordMatch:
    """One query word: any of these terms (or phrases) in a text field matches it.

    A note scores by the best alternative it holds (plus a little for the others), never by
    how many of them it holds: synonyms, completions and corrections are alternatives.
    """

    terms: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...] = ()
    #: Completions of the word being typed, or corrections of a typo (index terms), which
    #: count EXPANSION_WEIGHT and are looked for in ``expansion_fields`` only.
    expansions: tuple[str, ...] = ()
    expansion_fields: tuple[str, ...] = tuple(TEXT_FIELDS)
    boost: float = 1.0


@dataclass(frozen=True)
class PhraseMatch:
    """Terms that must appear next to each other, in order, in one text field."""

    terms: tuple[str, ...]
    boost: float = 1.0


Match = WordMatch | PhraseMatch


@dataclass(frozen=True)
class FilterMatch:
    """A filter: the document's field must (or must not) hold every one of these values."""

    field: str
    values: tuple[str, ...]
    negated: bool = False


@dataclass
class SearchPlan:
    """What to look for, in engine terms."""

    should: list[Match] = field(default_factory=list)
    must_not: list[Match] = field(default_factory=list)
    #: Matches that score and find documents like ``should``, but are no word the user typed
    #: (the names inside a pasted path): a document need not hold them to hold every word.
    hints: list[WordMatch] = field(default_factory=list)
    filters: list[FilterMatch] = field(default_factory=list)
    #: When there is nothing to match, list documents by most recently changed.
    recent: bool = False


@dataclass
class EngineHit:
    """A document an engine found."""

    path: str
    score: float
    stored: dict[str, Any]


class EngineHits(list[EngineHit]):
    """Documents an engine found, best first."""

    #: True when the search ran out of its time budget and left part of the query out (for
    #: Whoosh: the last completions of the word being typed).
    partial: bool = False


class Engine(Protocol):
    """A search engine holding one index folder."""

    name: ClassVar[str]
    schema_version: ClassVar[int]

    def write(self, changes: Iterable[IndexDoc | str], timeout: float) -> None:
        """Apply changes in one commit: a document is added or replaces the one at its path;
        a plain path string deletes that document."""

    def search(self, plan: SearchPlan, limit: int, budget: float | None = None) -> EngineHits:
        """The best ``limit`` documents for a plan, best first. With a ``budget`` (seconds),
        a slow engine may stop early and mark the hits ``partial``."""

    def document_frequency(self, term: str) -> int:
        """In how many documents a term occurs in any text field (for typo decisions)."""

    def vocabulary(self, prefix: str, limit: int, *, in_order: bool = False) -> list[str]:
        """Words of the notes (unstemmed) starting with ``prefix``, commonest first; with
        ``in_order``, the first in alphabetical order (for codes, where how common one is
        says nothing; both engines list the same however many share the prefix)."""

    def similar_words(self, word: str, distance: int) -> list[str]:
        """Words of the notes that may be within ``distance`` edits of ``word`` (a superset is
        fine: the caller measures each one)."""

    def count(self) -> int:
        """How many documents the index holds."""

    def version(self) -> int:
        """Identifies the committed state: it changes with every commit, of any process."""

    def stale(self) -> int:
        """How many replaced or deleted documents still weigh in the ranking's statistics
        (0 for an engine whose statistics leave them out): until they are gone, an updated
        index may rank a little unlike a rebuilt one."""

    def compact_into(self, folder: Path) -> Engine | None:
        """A new index in ``folder`` holding the live documents only, made from what this
        index stores (no note is read again); None when :meth:`stale` is always 0."""

    def close(self) -> None:
        """Let go of files and searchers."""


class EngineFactory(Protocol):
    """Creates and opens engines of one kind."""

    name: ClassVar[str]
    schema_version: ClassVar[int]

    def create(self, folder: Path) -> Engine:
        """A new, empty index in ``folder``."""

    def open(self, folder: Path) -> Engine:
        """The index in ``folder``; raises IndexUnavailable when it cannot be used."""
