"""The Whoosh engine: pure Python, installs anywhere, BM25F over kb's own terms."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from whoosh import fields, index, query, scoring
from whoosh.analysis import Token, Tokenizer
from whoosh.index import LockError
from whoosh.searching import Searcher

from kb.analysis import analyze
from kb.engine import (
    TEXT_FIELDS,
    EngineHit,
    FilterMatch,
    IndexBusy,
    IndexDoc,
    IndexUnavailable,
    Match,
    PhraseMatch,
    SearchPlan,
    WordMatch,
)

SCHEMA_VERSION = 1
_INDEX_NAME = "kb"


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
        for item in analyze(value, stemmed=self.stemmed):
            token.text = item.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = item.text
            if positions:
                token.pos = start_pos + item.pos
            if chars:
                token.startchar = start_char + item.start
                token.endchar = start_char + item.end
            yield token


def _schema() -> fields.Schema:
    stemmed = KbTokenizer(stemmed=True)
    surface = KbTokenizer(stemmed=False)
    text_fields = {
        name: fields.TEXT(analyzer=stemmed, field_boost=boost, stored=False)
        for name, boost in TEXT_FIELDS.items()
    }
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

    def search(self, plan: SearchPlan, limit: int) -> list[EngineHit]:
        """The best documents for a plan."""
        searcher = self._current()
        limit = max(1, limit)
        filters = [_filter(item) for item in plan.filters]
        if plan.recent or not plan.should:
            main: query.Query = query.Every()
            results = searcher.search(
                _and(main, filters, plan.must_not), limit=limit, sortedby="modified", reverse=True
            )
        else:
            parts = [_match(item) for item in plan.should]
            scored = query.Or(parts)
            if len(parts) > 1:
                # A note that matches every word earns half its score again. (Whoosh's own
                # coordination, Or(scale=...), scores zero when a word matches nothing.)
                scored = query.Or([scored, query.And(parts, boost=0.5)])
            results = searcher.search(_and(scored, filters, plan.must_not), limit=limit)
        return [
            EngineHit(hit["path"], float(hit.score or 0.0), json.loads(hit.get("data") or "{}"))
            for hit in results
        ]

    def document_frequency(self, term: str) -> int:
        """In how many documents ``term`` occurs in the title or body (an upper bound)."""
        searcher = self._current()
        return max(searcher.doc_frequency(name, term) for name in ("title", "body", "words"))

    def count(self) -> int:
        """Number of documents."""
        return self._current().doc_count()

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


def _word(item: WordMatch) -> query.Query:
    options: list[query.Query] = []
    for name, _boost in TEXT_FIELDS.items():
        options.extend(query.Term(name, term) for term in item.terms)
        options.extend(query.Phrase(name, list(phrase), boost=0.9) for phrase in item.phrases)
    if item.prefix:
        options.append(query.Prefix("words", item.prefix, boost=0.6))
    if item.fuzzy:
        distance = 1 if len(item.fuzzy) < 8 else 2
        options.append(
            query.FuzzyTerm("words", item.fuzzy, boost=0.5, maxdist=distance, prefixlength=1)
        )
    return query.Or(options, boost=item.boost)


def _phrase(item: PhraseMatch) -> query.Query:
    return query.Or(
        [query.Phrase(name, list(item.terms)) for name in TEXT_FIELDS], boost=item.boost
    )


def _match(item: Match) -> query.Query:
    return _phrase(item) if isinstance(item, PhraseMatch) else _word(item)


def _filter(item: FilterMatch) -> query.Query:
    if not item.values:
        return query.NullQuery()
    matcher: query.Query = query.And([query.Term(item.field, value) for value in item.values])
    return query.Not(matcher) if item.negated else matcher


def _and(main: query.Query, filters: list[query.Query], exclude: list[Match]) -> query.Query:
    parts = [main, *filters]
    parts.extend(query.Not(_match(item)) for item in exclude)
    return parts[0] if len(parts) == 1 else query.And(parts)


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
