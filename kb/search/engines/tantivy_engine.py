"""The Tantivy engine: a Rust search library, fast on big KBs (``pip install 'kb[fast]'``).

It receives kb's own terms as pre-tokenized text, so stemming, exact codes, synonyms,
completions and typo handling behave exactly as with Whoosh.

Tantivy keeps a replaced or deleted document in its statistics until its segment is merged,
and its merges cannot be asked for. Every field is therefore stored as it was indexed, so that
:meth:`TantivyEngine.compact_into` can copy the live documents into a new index as they are,
without reading or analysing a note again.
"""

from __future__ import annotations

import heapq
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import tantivy

from kb.notes import pace
from kb.search.analysis import term_lists
from kb.search.engine import (
    STORED_DOCUMENTS,
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
from kb.search.ranking import (
    COORDINATION,
    EXPANSION_WEIGHT,
    PHRASE_WEIGHT,
    TEXT_FIELDS,
    TIEBREAK,
)

SCHEMA_VERSION = 4
_FILTERS = ("tag", "type", "status", "ticket", "system", "author", "lang", "kind")
#: Memory for the index writer; Tantivy needs at least 15 MB per thread.
_WRITER_HEAP = 96_000_000
_SHOULD = tantivy.Occur.Should
_MUST = tantivy.Occur.Must
_MUST_NOT = tantivy.Occur.MustNot


def _schema() -> tantivy.Schema:
    # Every field is stored, as indexed: a compaction copies documents whole (compact_into).
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("path", stored=True, tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        builder.add_text_field(
            name, stored=True, tokenizer_name="whitespace", index_option="position"
        )
    # Unstemmed words of every text field: completions and typo candidates come from here.
    builder.add_text_field("words", stored=True, tokenizer_name="whitespace", index_option="freq")
    for name in _FILTERS:
        builder.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("modified", stored=True, fast=True)
    builder.add_bytes_field("data", stored=True)
    return builder.build()


class TantivyEngine:
    """One Tantivy index folder."""

    name: ClassVar[str] = "tantivy"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    def __init__(self, index: tantivy.Index, folder: Path) -> None:
        self._index = index
        self._schema = index.schema
        self._folder = folder
        self._searcher: tantivy.Searcher | None = None
        self._seen_meta: tuple[int, int, int] | None = None
        self._lock = threading.RLock()
        self._stored: OrderedDict[tuple[int, int], tuple[str, dict[str, Any]]] = OrderedDict()

    # -- writing ----------------------------------------------------------------------------

    def write(self, changes: Iterable[IndexDoc | str], timeout: float) -> None:
        """Add or replace documents by path; a path string deletes. One commit."""
        writer = self._writer(timeout)
        try:
            for change in changes:
                if isinstance(change, str):
                    writer.delete_documents_by_term("path", change)
                else:
                    writer.delete_documents_by_term("path", change.path)
                    writer.add_document(self._document(change))
        except BaseException:
            writer.rollback()
            raise
        else:
            writer.commit()
            writer.wait_merging_threads()
        finally:
            del writer
        with self._lock:
            self._index.reload()
            self._searcher = None

    def _writer(self, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._index.writer(heap_size=_WRITER_HEAP, num_threads=0)
            except ValueError as exc:
                if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                    if "lock" in str(exc).lower():
                        raise IndexBusy(
                            "the search index is being updated by another kb; try again"
                        ) from exc
                    raise
                time.sleep(0.05)

    @staticmethod
    def _document(doc: IndexDoc) -> tantivy.Document:
        document = tantivy.Document()
        document.add_text("path", doc.path)
        texts = {"title": doc.title, "labels": doc.labels, "issue": doc.issue, "body": doc.body}
        # kb's terms go in as whitespace-separated text (Tantivy's "whitespace" tokenizer),
        # which is far cheaper than building a token object per term. One analysis pass per
        # field gives both its stemmed terms and the surface words of the "words" field.
        surface: list[str] = []
        for name, text in texts.items():
            if text:
                stemmed, words = term_lists(text)
                document.add_text(name, " ".join(stemmed))
                surface.extend(words)
        if surface:
            document.add_text("words", " ".join(surface))
        document.add_text("kind", doc.kind)
        for name in _FILTERS[:-1]:
            for value in doc.filters.get(name, []):
                if value:
                    document.add_text(name, value)
        document.add_integer("modified", int(doc.stored.get("modified") or 0))
        document.add_bytes("data", json.dumps(doc.stored, default=str).encode("utf-8"))
        return document

    # -- reading ----------------------------------------------------------------------------

    def _current(self) -> tantivy.Searcher:
        """A searcher on the latest commit, of this process or another. When this index's
        folder is gone (a compaction or a rebuild switched to a new generation and swept this
        one), what it already holds still answers: a search begun on it ends normally."""
        try:
            info = os.stat(self._folder / "meta.json")
        except OSError:
            if self._searcher is None:
                self._searcher = self._index.searcher()
            return self._searcher
        # Tantivy replaces meta.json on each commit: a new file, whatever its time says.
        meta = (info.st_mtime_ns, info.st_size, info.st_ino)
        if self._searcher is None or meta != self._seen_meta:
            self._index.reload()
            self._searcher = self._index.searcher()
            self._seen_meta = meta
            self._stored.clear()
        return self._searcher

    def _document_of(self, searcher: tantivy.Searcher, address: Any) -> tuple[str, dict[str, Any]]:
        """The path and stored values of a document of the current searcher (kept decoded
        while that searcher lasts; callers must not change the dictionary)."""
        key = (address.segment_ord, address.doc)
        known = self._stored.get(key)
        if known is not None:
            self._stored.move_to_end(key)
            return known
        document = searcher.doc(address)
        data = document.get_first("data")
        stored = json.loads(bytes(data).decode("utf-8")) if data else {}
        known = (str(document.get_first("path")), stored)
        self._stored[key] = known
        if len(self._stored) > STORED_DOCUMENTS:
            self._stored.popitem(last=False)
        return known

    @synchronized
    def search(self, plan: SearchPlan, limit: int, budget: float | None = None) -> EngineHits:
        """The best documents for a plan (fast enough that ``budget`` is never needed)."""
        searcher = self._current()
        limit = max(1, limit)
        if plan.recent or not plan.should:
            found = searcher.search(
                self._combine(tantivy.Query.all_query(), plan),
                limit=limit,
                count=False,
                order_by_field="modified",
            )
        else:
            parts = [self._match(item) for item in [*plan.should, *plan.hints]]
            scored = _any(parts)
            core = [self._core(item) for item in plan.should]
            if len(core) > 1:
                # Notes holding every typed word (as typed, without completions or
                # corrections) earn half their score again.
                every = tantivy.Query.boolean_query([(_MUST, part) for part in core])
                scored = _any([scored, tantivy.Query.boost_query(every, COORDINATION)])
            found = searcher.search(self._combine(scored, plan), limit=limit, count=False)
        hits = EngineHits()
        for score, address in found.hits:
            path, stored = self._document_of(searcher, address)
            hits.append(EngineHit(path, float(score), stored))
        if plan.recent or not plan.should:
            for hit in hits:
                hit.score = 0.0
        return hits

    def _term(self, name: str, term: str) -> tantivy.Query:
        return tantivy.Query.term_query(self._schema, name, term)

    def _everywhere(
        self, term: str, boost: float = 1.0, names: tuple[str, ...] = tuple(TEXT_FIELDS)
    ) -> tantivy.Query:
        options = [
            tantivy.Query.boost_query(self._term(name, term), TEXT_FIELDS[name]) for name in names
        ]
        combined = _any(options)
        return tantivy.Query.boost_query(combined, boost) if boost != 1.0 else combined

    def _phrase_everywhere(self, terms: tuple[str, ...], boost: float) -> tantivy.Query:
        options = [
            tantivy.Query.boost_query(
                tantivy.Query.phrase_query(self._schema, name, list(terms)), weight
            )
            for name, weight in TEXT_FIELDS.items()
        ]
        return tantivy.Query.boost_query(_any(options), boost)

    def _word(self, item: WordMatch) -> tantivy.Query:
        choices = [self._everywhere(term) for term in item.terms]
        choices.extend(self._phrase_everywhere(phrase, PHRASE_WEIGHT) for phrase in item.phrases)
        choices.extend(
            self._everywhere(term, EXPANSION_WEIGHT, item.expansion_fields)
            for term in item.expansions
        )
        chosen = (
            choices[0]
            if len(choices) == 1
            else tantivy.Query.disjunction_max_query(choices, tie_breaker=TIEBREAK)
        )
        return tantivy.Query.boost_query(chosen, item.boost) if item.boost != 1.0 else chosen

    def _match(self, item: Match) -> tantivy.Query:
        if isinstance(item, PhraseMatch):
            if len(item.terms) == 1:
                return self._everywhere(item.terms[0], item.boost)
            return self._phrase_everywhere(item.terms, item.boost)
        return self._word(item)

    def _core(self, item: Match) -> tantivy.Query:
        """The match without its completions, corrections or synonym phrases (a phrase of
        common words, "log in", would cost as much again as the whole query)."""
        if isinstance(item, PhraseMatch) or not (item.expansions or item.phrases):
            return self._match(item)
        return self._word(WordMatch(item.terms, (), (), item.expansion_fields, item.boost))

    def _filter(self, item: FilterMatch) -> tantivy.Query:
        return tantivy.Query.boolean_query(
            [(_MUST, self._term(item.field, value)) for value in item.values]
        )

    def _combine(self, main: tantivy.Query, plan: SearchPlan) -> tantivy.Query:
        clauses: list[tuple[Any, tantivy.Query]] = [(_MUST, main)]
        for item in plan.filters:
            if not item.values:
                continue
            clauses.append((_MUST_NOT if item.negated else _MUST, self._filter(item)))
        clauses.extend((_MUST_NOT, self._match(item)) for item in plan.must_not)
        return main if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)

    @synchronized
    def document_frequency(self, term: str) -> int:
        """In how many documents ``term`` occurs in the title, body or words (an upper bound)."""
        searcher = self._current()
        return max(searcher.doc_freq(name, term) for name in ("title", "body", "words"))

    @synchronized
    def vocabulary(self, prefix: str, limit: int, *, in_order: bool = False) -> list[str]:
        """Unstemmed words starting with ``prefix``, commonest first (or in order)."""
        if in_order:
            every = self._current().terms_with_prefix("words", prefix)
            return heapq.nsmallest(limit, (str(word) for word, _count in every))
        found = self._current().terms_with_prefix("words", prefix, limit=limit)
        return [str(word) for word, _count in found]

    @synchronized
    def similar_words(self, word: str, distance: int) -> list[str]:
        """Words sharing the first letter and about the length of ``word``; measured by the
        caller (Tantivy does not list the words a fuzzy query would match)."""
        found = self._current().terms_with_prefix("words", word[:1])
        return [
            str(candidate)
            for candidate, _count in found
            if abs(len(str(candidate)) - len(word)) <= distance
        ]

    @synchronized
    def count(self) -> int:
        """Number of documents."""
        return int(self._current().num_docs)

    def _meta(self) -> dict[str, Any]:
        """The index's ``meta.json`` (what Tantivy committed last); empty when unreadable."""
        try:
            meta = json.loads((self._folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def version(self) -> int:
        """The opstamp of the last commit (-1: ``meta.json`` is unreadable)."""
        try:
            return int(self._meta()["opstamp"])
        except (KeyError, TypeError, ValueError):
            return -1

    def stale(self) -> int:
        """Deleted documents (replaced ones included) still in the index's segments, as
        ``meta.json`` counts them: Tantivy's statistics count them until a merge."""
        try:
            return sum(
                int((segment.get("deletes") or {}).get("num_deleted_docs") or 0)
                for segment in self._meta().get("segments", [])
            )
        except (TypeError, ValueError, AttributeError):
            return 0

    def compact_into(self, folder: Path) -> TantivyEngine | None:
        """The live documents, copied whole (every field is stored as indexed) into a new
        index in ``folder``: what a rebuild would index, without reading a note. Checkpoints
        let the app's typing go first (:mod:`kb.notes.pace`). None when this index's schema
        is not the one that stores every field (a copy would lose what it does not store)."""
        if self._schema != _schema():
            return None
        with self._lock:
            self._searcher = None  # the latest commit, whatever meta.json's time says
            searcher = self._current()
        found = searcher.search(
            tantivy.Query.all_query(), limit=max(1, searcher.num_docs), count=False
        )
        target = FACTORY.create(folder)
        # Written as write() writes, the writer let go in this frame (its lock with it) even
        # when a checkpoint raises.
        writer = target._writer(0)
        try:
            for done, (_score, address) in enumerate(found.hits):
                if done % pace.EVERY == 0:
                    pace.checkpoint()
                writer.add_document(searcher.doc(address))
            pace.checkpoint()
        except BaseException:
            writer.rollback()
            raise
        else:
            writer.commit()
            writer.wait_merging_threads()
        finally:
            del writer
        target._index.reload()
        return target

    @synchronized
    def close(self) -> None:
        """Drop the searcher; Tantivy closes its files when the index is released."""
        self._searcher = None


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(_SHOULD, query) for query in queries])


class TantivyFactory:
    """Creates and opens Tantivy indexes."""

    name: ClassVar[str] = "tantivy"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    def create(self, folder: Path) -> TantivyEngine:
        """A new, empty index in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        return TantivyEngine(tantivy.Index(_schema(), path=str(folder), reuse=False), folder)

    def open(self, folder: Path) -> TantivyEngine:
        """The index in ``folder``; IndexUnavailable when it is missing or damaged."""
        try:
            engine = TantivyEngine(tantivy.Index.open(str(folder)), folder)
            engine.count()
        except Exception as exc:
            raise IndexUnavailable(f"the index cannot be opened ({type(exc).__name__})") from exc
        return engine


FACTORY = TantivyFactory()
