"""The Whoosh engine: pure Python, installs anywhere, BM25F over kb's own terms."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from whoosh import collectors, fields, index, matching, query, scoring, searching
from whoosh.analysis import Token, Tokenizer
from whoosh.index import LockError
from whoosh.searching import Searcher

from kb.analysis import analyze_fast
from kb.engine import (
    EXPANSION_WEIGHT,
    TEXT_FIELDS,
    EngineHit,
    EngineHits,
    FilterMatch,
    IndexBusy,
    IndexDoc,
    IndexUnavailable,
    Match,
    PhraseMatch,
    SearchPlan,
    WordMatch,
    synchronized,
)

SCHEMA_VERSION = 2
_INDEX_NAME = "kb"
#: Seconds after which a search returns the best documents found so far.
SEARCH_TIME_LIMIT = 0.5
#: How many words starting with the typed prefix are looked at to find the commonest.
MAX_EXPANSION_SCAN = 5000


class KbTokenizer(Tokenizer):
    """Feeds kb's analysis (:func:`kb.analysis.analyze`) to Whoosh."""

    def __init__(self, stemmed: bool = True) -> None:
        self.stemmed = stemmed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KbTokenizer) and other.stemmed == self.stemmed

    def __hash__(self) -> int:
        return hash(("KbTokenizer", self.stemmed))

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for term, position, start, end in analyze_fast(value, stemmed=self.stemmed):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = term
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def _schema() -> fields.Schema:
    stemmed = KbTokenizer(stemmed=True)
    surface = KbTokenizer(stemmed=False)
    # Field weights are applied at query time (see _Queries), not with field_boost.
    text_fields = {name: fields.TEXT(analyzer=stemmed, stored=False) for name in TEXT_FIELDS}
    return fields.Schema(
        path=fields.ID(stored=True, unique=True),
        kind=fields.ID,
        # Unstemmed words of every text field: the word being typed matches as a prefix
        # here, and typos are corrected against it.
        words=fields.TEXT(analyzer=surface, phrase=False),
        tag=fields.KEYWORD(commas=True, lowercase=True),
        type=fields.KEYWORD(commas=True, lowercase=True),
        status=fields.KEYWORD(commas=True, lowercase=True),
        ticket=fields.KEYWORD(commas=True, lowercase=True),
        system=fields.KEYWORD(commas=True, lowercase=True),
        author=fields.KEYWORD(commas=True, lowercase=True),
        modified=fields.NUMERIC(int, bits=64, sortable=True),
        data=fields.STORED,
        **text_fields,
    )


class WhooshEngine:
    """One Whoosh index folder, with a searcher kept open and refreshed after writes."""

    name: ClassVar[str] = "whoosh"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    def __init__(self, ix: index.Index) -> None:
        self._ix = ix
        self._searcher: Searcher | None = None
        self._lock = threading.RLock()

    # -- writing ----------------------------------------------------------------------------

    def write(self, changes: Iterable[IndexDoc | str], timeout: float) -> None:
        """Add or replace documents by path; a path string deletes. One commit."""
        try:
            writer = self._ix.writer(timeout=timeout)
        except LockError as exc:
            raise IndexBusy("the search index is being updated by another kb; try again") from exc
        try:
            for change in changes:
                if isinstance(change, str):
                    writer.delete_by_term("path", change)
                else:
                    writer.update_document(**_fields(change))
        except BaseException:
            writer.cancel()
            raise
        else:
            writer.commit()
        with self._lock:
            self._refresh()

    # -- reading ----------------------------------------------------------------------------

    def _current(self) -> Searcher:
        """A searcher on the latest commit (of this process or another)."""
        if self._searcher is not None and not self._searcher.up_to_date():
            self._refresh()
        if self._searcher is None:
            self._searcher = self._ix.searcher(weighting=scoring.BM25F(B=0.75, K1=1.2))
        return self._searcher

    def _refresh(self) -> None:
        # A fresh searcher, not Searcher.refresh(): refresh() keeps readers of segments that
        # only had deletions, and those still return the deleted (replaced) documents.
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    @synchronized
    def search(self, plan: SearchPlan, limit: int, budget: float | None = None) -> EngineHits:
        """The best documents for a plan (those found within ``budget`` seconds, if given)."""
        searcher = self._current()
        limit = max(1, limit)
        build = _Queries()
        partial = False
        if plan.recent or not plan.should:
            results = searcher.search(
                build.combine(query.Every(), plan),
                limit=limit,
                sortedby="modified",
                reverse=True,
            )
        else:
            parts = [build.match(item) for item in plan.should]
            scored: query.Query = parts[0] if len(parts) == 1 else query.Or(parts)
            core = [build.core(item) for item in plan.should]
            if len(core) > 1:
                # Notes holding every typed word (as typed, without completions or
                # corrections, which keeps this cheap) earn half their score again.
                scored = query.Or([scored, query.And(core, boost=0.5)])
            # Block-quality skipping costs more than it saves on wide OR queries like these.
            collector = searcher.collector(limit=limit, optimize=False)
            # A safety net, not a budget: a pathological query returns what it found so far
            # instead of freezing the app.
            # use_alarm=False: SIGALRM can only be set on the main thread, and the app
            # searches from worker threads; the collector's own timer enforces the limit.
            timed = collectors.TimeLimitCollector(
                collector, timelimit=budget or SEARCH_TIME_LIMIT, use_alarm=False
            )
            try:
                searcher.search_with_collector(build.combine(scored, plan), timed)
            except searching.TimeLimit:
                partial = True
            results = timed.results()
        hits = EngineHits(
            EngineHit(hit["path"], float(hit.score or 0.0), json.loads(hit.get("data") or "{}"))
            for hit in results
        )
        hits.partial = partial
        return hits

    @synchronized
    def document_frequency(self, term: str) -> int:
        """In how many documents ``term`` occurs in the title or body (an upper bound)."""
        searcher = self._current()
        return max(searcher.doc_frequency(name, term) for name in ("title", "body", "words"))

    @synchronized
    def vocabulary(self, prefix: str, limit: int) -> list[str]:
        """Unstemmed words starting with ``prefix``, commonest first."""
        reader = self._current().reader()
        found: list[tuple[int, str]] = []
        for raw in reader.expand_prefix("words", prefix):
            word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            found.append((reader.doc_frequency("words", word), word))
            if len(found) >= MAX_EXPANSION_SCAN:
                break
        found.sort(key=lambda item: (-item[0], item[1]))
        return [word for _count, word in found[:limit]]

    @synchronized
    def similar_words(self, word: str, distance: int) -> list[str]:
        """Words within ``distance`` edits, where Whoosh counts a swap of letters as two."""
        reader = self._current().reader()
        found = reader.terms_within("words", word, distance + 1, prefix=1)
        return [raw.decode("utf-8") if isinstance(raw, bytes) else raw for raw in found]

    @synchronized
    def count(self) -> int:
        """Number of documents."""
        return self._current().doc_count()

    @synchronized
    def close(self) -> None:
        """Close the searcher and the index."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._ix.close()


def _fields(doc: IndexDoc) -> dict[str, Any]:
    values: dict[str, Any] = {
        "path": doc.path,
        "kind": doc.kind,
        "title": doc.title,
        "labels": doc.labels,
        "issue": doc.issue,
        "body": doc.body,
        "words": "\n".join((doc.title, doc.labels, doc.issue, doc.body)),
        "modified": int(doc.stored.get("modified") or 0),
        "data": json.dumps(doc.stored, default=str),
    }
    for name in ("tag", "type", "status", "ticket", "system", "author"):
        items = [value.replace(",", " ").strip() for value in doc.filters.get(name, [])]
        values[name] = ",".join(item for item in items if item)
    return values


class _BestOfMatcher(matching.UnionMatcher):
    """Matches what either side matches; scores a document by its better side.

    Whoosh's own DisjunctionMaxMatcher compares the two sides' scores even when they sit on
    different documents, so it gives documents scores that belong to others.
    """

    tiebreak = 0.1

    def score(self) -> float:
        a, b = self.a, self.b
        if not a.is_active():
            return float(b.score())
        if not b.is_active():
            return float(a.score())
        if a.id() < b.id():
            return float(a.score())
        if b.id() < a.id():
            return float(b.score())
        first, second = a.score(), b.score()
        return max(first, second) + self.tiebreak * min(first, second)


class BestOf(query.CompoundQuery):
    """Any of the subqueries; a document scores by the best one it matches (plus a little)."""

    JOINT = " | "

    def _matcher(self, subs, searcher, context):  # type: ignore[no-untyped-def]
        reader = searcher.reader()
        return self._tree_matcher(
            subs, _BestOfMatcher, searcher, context, lambda q: q.estimate_size(reader)
        )


class _Queries:
    """Builds Whoosh queries from a plan."""

    def word(self, item: WordMatch) -> query.Query:
        choices: list[query.Query] = [self._everywhere(term) for term in item.terms]
        choices.extend(
            query.Or(
                [query.Phrase(name, list(phrase), boost=w) for name, w in TEXT_FIELDS.items()],
                boost=0.9,
            )
            for phrase in item.phrases
        )
        choices.extend(
            self._everywhere(term, EXPANSION_WEIGHT, item.expansion_fields)
            for term in item.expansions
        )
        if len(choices) == 1:
            choices[0].boost *= item.boost
            return choices[0]
        return BestOf(choices, boost=item.boost)

    @staticmethod
    def _everywhere(
        term: str, boost: float = 1.0, names: tuple[str, ...] = tuple(TEXT_FIELDS)
    ) -> query.Query:
        # Field weights are applied here, at query time, where every engine can apply them.
        return query.Or(
            [query.Term(name, term, boost=TEXT_FIELDS[name]) for name in names], boost=boost
        )

    def phrase(self, item: PhraseMatch) -> query.Query:
        return query.Or(
            [query.Phrase(name, list(item.terms), boost=w) for name, w in TEXT_FIELDS.items()],
            boost=item.boost,
        )

    def match(self, item: Match) -> query.Query:
        return self.phrase(item) if isinstance(item, PhraseMatch) else self.word(item)

    def core(self, item: Match) -> query.Query:
        """The match without its completions, corrections or synonym phrases."""
        if isinstance(item, PhraseMatch) or not item.expansions:
            return self.match(item)
        return self.word(WordMatch(item.terms, (), (), item.expansion_fields, item.boost))

    def combine(self, main: query.Query, plan: SearchPlan) -> query.Query:
        parts = [main, *(_filter(item) for item in plan.filters)]
        parts.extend(query.Not(self.match(item)) for item in plan.must_not)
        return parts[0] if len(parts) == 1 else query.And(parts)


def _filter(item: FilterMatch) -> query.Query:
    if not item.values:
        return query.NullQuery()
    matcher: query.Query = query.And([query.Term(item.field, value) for value in item.values])
    return query.Not(matcher) if item.negated else matcher


class WhooshFactory:
    """Creates and opens Whoosh indexes."""

    name: ClassVar[str] = "whoosh"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    def create(self, folder: Path) -> WhooshEngine:
        """A new, empty index in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        return WhooshEngine(index.create_in(str(folder), _schema(), indexname=_INDEX_NAME))

    def open(self, folder: Path) -> WhooshEngine:
        """The index in ``folder``; IndexUnavailable when it is missing or damaged."""
        try:
            # Which schema built it is checked by the caller (kb's format id in current.json).
            ix = index.open_dir(str(folder), indexname=_INDEX_NAME)
            engine = WhooshEngine(ix)
            engine.count()
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise IndexUnavailable(f"the index cannot be opened ({type(exc).__name__})") from exc
        return engine


FACTORY = WhooshFactory()
