"""The Whoosh engine: pure Python, installs anywhere, BM25F over kb's own terms."""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from whoosh import fields, index, query, scoring
from whoosh.analysis import Token, Tokenizer
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.index import LockError
from whoosh.searching import Searcher

from kb.search.analysis import analyze_fast, term_count
from kb.search.engine import (
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
from kb.search.engines.whoosh_postings import length_column
from kb.search.engines.whoosh_scorer import Scorer
from kb.search.ranking import EXPANSION_WEIGHT, K1, PHRASE_WEIGHT, TEXT_FIELDS, B

SCHEMA_VERSION = 4
_INDEX_NAME = "kb"
#: Seconds after which a search stops adding completions of the word being typed.
SEARCH_TIME_LIMIT = 0.5
#: How many words starting with the typed prefix are looked at to find the commonest.
MAX_EXPANSION_SCAN = 5000


class KbTokenizer(Tokenizer):
    """Feeds kb's analysis (:func:`kb.search.analysis.analyze`) to Whoosh."""

    def __init__(self, stemmed: bool = True) -> None:
        self.stemmed = stemmed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KbTokenizer) and other.stemmed == self.stemmed

    def __hash__(self) -> int:
        return hash(("KbTokenizer", self.stemmed))

    def __call__(
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
        # Each term takes the next position, the way Tantivy reads kb's terms (whitespace
        # separated): a phrase then matches on both engines alike, also across compound
        # words ("e-mail" is "e-mail email e mail").
        for position, (term, _pos, start, end) in enumerate(
            analyze_fast(value, stemmed=self.stemmed)
        ):
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
        lang=fields.KEYWORD(commas=True, lowercase=True),
        modified=fields.NUMERIC(int, bits=64, sortable=True),
        data=fields.STORED,
        **text_fields,
        **{
            length_column(name): fields.NUMERIC(int, bits=32, sortable=True, signed=False)
            for name in TEXT_FIELDS
        },
    )


class WhooshEngine:
    """One Whoosh index folder, with a searcher kept open and refreshed after writes."""

    name: ClassVar[str] = "whoosh"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    def __init__(self, ix: index.Index) -> None:
        self._ix = ix
        self._searcher: Searcher | None = None
        self._scorer: Scorer | None = None
        self._scorer_of: Searcher | None = None
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
            self._searcher = self._ix.searcher(weighting=scoring.BM25F(B=B, K1=K1))
        return self._searcher

    def _refresh(self) -> None:
        # A fresh searcher, not Searcher.refresh(): refresh() keeps readers of segments that
        # only had deletions, and those still return the deleted (replaced) documents.
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._scorer = self._scorer_of = None

    @synchronized
    def search(self, plan: SearchPlan, limit: int, budget: float | None = None) -> EngineHits:
        """The best documents for a plan (those found within ``budget`` seconds, if given)."""
        searcher = self._current()
        limit = max(1, limit)
        if plan.recent or not plan.should:
            results = searcher.search(
                _Queries().combine(query.Every(), plan),
                limit=limit,
                sortedby="modified",
                reverse=True,
            )
            return EngineHits(
                EngineHit(hit["path"], float(hit.score or 0.0), _data(hit.get("data")))
                for hit in results
            )
        # Scored term at a time (see kb.engines.whoosh_scorer): the budget is a safety net
        # that leaves out the last completions of a pathological query, never a cut-off of
        # the documents looked at.
        deadline = time.perf_counter() + (budget or SEARCH_TIME_LIMIT)
        scorer = self._scoring(searcher)
        best, partial = scorer.search(plan, limit, deadline)
        hits = EngineHits()
        for docnum, score in best:
            path, stored = scorer.stored(docnum)
            # A copy: the caller may change what it is given.
            hits.append(EngineHit(path, score, dict(stored)))
        hits.partial = partial
        return hits

    def _scoring(self, searcher: Searcher) -> Scorer:
        """The scorer (and its cache of term scores) of the current searcher."""
        if self._scorer is None or self._scorer_of is not searcher:
            self._scorer, self._scorer_of = Scorer(searcher), searcher
        return self._scorer

    @synchronized
    def document_frequency(self, term: str) -> int:
        """In how many live documents ``term`` occurs in the title, body or words (an upper
        bound)."""
        searcher = self._current()
        scorer = self._scoring(searcher)
        # Whoosh's counts bound the live ones: a field is read only while it could be the most.
        bounds = sorted(
            ((searcher.doc_frequency(name, term), name) for name in ("title", "body", "words")),
            reverse=True,
        )
        best = 0
        for bound, name in bounds:
            if bound <= best:
                break
            best = max(best, scorer.frequency(name, term))
        return best

    @synchronized
    def vocabulary(self, prefix: str, limit: int, *, in_order: bool = False) -> list[str]:
        """Unstemmed words starting with ``prefix``, commonest first (or in order)."""
        searcher = self._current()
        scorer = self._scoring(searcher)
        reader = searcher.reader()
        # Words held only by replaced documents are left out, as a rebuilt index has none.
        words = (
            raw.decode("utf-8") if isinstance(raw, bytes) else raw
            for raw in reader.expand_prefix("words", prefix)
        )
        if in_order:
            live = (
                word
                for word in words
                if scorer.held("words", word, reader.doc_frequency("words", word))
            )
            return list(itertools.islice(live, limit))
        # The scan's window (its first words, in order) still counts words only replaced
        # notes hold: told apart, a prefix of thousands of words would cost a keystroke.
        return scorer.commonest("words", list(itertools.islice(words, MAX_EXPANSION_SCAN)), limit)

    @synchronized
    def similar_words(self, word: str, distance: int) -> list[str]:
        """Words within ``distance`` edits, where Whoosh counts a swap of letters as two."""
        searcher = self._current()
        scorer = self._scoring(searcher)
        reader = searcher.reader()
        found = reader.terms_within("words", word, distance + 1, prefix=1)
        words = (raw.decode("utf-8") if isinstance(raw, bytes) else raw for raw in found)
        return [
            word
            for word in words
            if scorer.held("words", word, reader.doc_frequency("words", word))
        ]

    @synchronized
    def count(self) -> int:
        """Number of documents."""
        return self._current().doc_count()

    def version(self) -> int:
        """The generation of the index's table of contents (one per commit)."""
        return int(self._ix.latest_generation())

    def stale(self) -> int:
        """Always 0: kb's scorer leaves deleted documents out of its statistics
        (:mod:`kb.search.engines.whoosh_scorer`), so an updated index ranks as a rebuilt one."""
        return 0

    def compact_into(self, folder: Path) -> None:
        """Nothing to do (see :meth:`stale`)."""
        return None

    @synchronized
    def close(self) -> None:
        """Close the searcher and the index."""
        self._refresh()
        self._ix.close()


def _data(raw: Any) -> dict[str, Any]:
    """The small values stored with a document (JSON)."""
    return json.loads(raw or "{}")


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
    for name in ("tag", "type", "status", "ticket", "system", "author", "lang"):
        items = [value.replace(",", " ").strip() for value in doc.filters.get(name, [])]
        values[name] = ",".join(item for item in items if item)
    # Exact field lengths: Whoosh keeps its own only roughly, in one byte (whoosh_scorer).
    for name in TEXT_FIELDS:
        values[length_column(name)] = term_count(values[name])
    return values


class _Queries:
    """Whoosh queries for a plan listed by date (filters and exclusions; no scoring)."""

    def word(self, item: WordMatch) -> query.Query:
        choices: list[query.Query] = [self._everywhere(term) for term in item.terms]
        choices.extend(
            query.Or(
                [query.Phrase(name, list(phrase), boost=w) for name, w in TEXT_FIELDS.items()],
                boost=PHRASE_WEIGHT,
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
        return query.Or(choices, boost=item.boost)

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

    def combine(self, main: query.Query, plan: SearchPlan) -> query.Query:
        parts = [main, *(_filter(item) for item in plan.filters)]
        parts.extend(query.Not(self.match(item)) for item in plan.must_not)
        return parts[0] if len(parts) == 1 else query.And(parts)


def _filter(item: FilterMatch) -> query.Query:
    if not item.values:
        return query.NullQuery()
    matcher: query.Query = query.And([query.Term(item.field, value) for value in item.values])
    return query.Not(matcher) if item.negated else matcher


class _SegmentFile(StructFile):
    """A segment file read from disk, except its term dictionary, which is held in memory.

    Completions and typo corrections walk the term dictionary with thousands of tiny reads;
    from memory they cost what they cost with mmap, while the postings and stored values
    (nine tenths of an index) stay on disk.
    """

    def subset(self, offset: int, length: int, name: str | None = None) -> StructFile:
        """One file of the compound segment file."""
        if name is not None and name.endswith(".trm"):
            self.seek(offset)
            return BufferFile(self.read(length), name=name)
        return super().subset(offset, length, name=name)


class _Storage(FileStorage):
    """Whoosh's file storage without mmap, holding term dictionaries in memory.

    With mmap, Whoosh copies each segment file whole into memory (BufferFile wraps it in a
    BytesIO): a 50,000-note index would cost its full size in RAM, twice.
    """

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder), supports_mmap=False)

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        """Open a file of the index folder."""
        return _SegmentFile(open(os.path.join(self.folder, name), "rb"), name=name, **kwargs)


def _storage(folder: Path) -> FileStorage:
    return _Storage(folder)


class WhooshFactory:
    """Creates and opens Whoosh indexes."""

    name: ClassVar[str] = "whoosh"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    def create(self, folder: Path) -> WhooshEngine:
        """A new, empty index in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        return WhooshEngine(_storage(folder).create_index(_schema(), indexname=_INDEX_NAME))

    def open(self, folder: Path) -> WhooshEngine:
        """The index in ``folder``; IndexUnavailable when it is missing or damaged."""
        try:
            # Which schema built it is checked by the caller (kb's format id in current.json).
            ix = _storage(folder).open_index(indexname=_INDEX_NAME)
            engine = WhooshEngine(ix)
            engine.count()
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise IndexUnavailable(f"the index cannot be opened ({type(exc).__name__})") from exc
        return engine


FACTORY = WhooshFactory()
