"""Term-at-a-time BM25F over a Whoosh searcher, fast enough for every keystroke.

Whoosh's own query matchers walk every posting through a tree of Python objects, which
costs several microseconds per posting and per field. A kb query is a small, fixed shape
(words, each a set of alternative terms in weighted fields), so this module scores it
directly: each term's postings are read block by block into a dictionary of BM25F scores,
and those dictionaries are combined with plain dictionary operations. The scores are
Tantivy's formula (same BM25F, same idf, same field lengths); a term's scores are kept for
the life of the searcher, so the words already typed cost nothing on the next keystroke.

The statistics are those of the live documents only. A replaced or deleted document stays in
Whoosh's segment (and in its counts) until that segment is merged; here it counts for
nothing, so that an index updated note by note ranks exactly as one built afresh.
"""

from __future__ import annotations

import functools
import heapq
import json
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from whoosh import query
from whoosh.searching import Searcher

from kb.search.engine import (
    STORED_DOCUMENTS,
    FilterMatch,
    Match,
    PhraseMatch,
    SearchPlan,
    WordMatch,
)
from kb.search.engines.whoosh_postings import (
    count_in,
    exact_lengths,
    lengths,
    postings,
    postings_in,
)
from kb.search.engines.whoosh_scores import Packed, Scores, add, best_of
from kb.search.ranking import (
    COORDINATION,
    EXPANSION_WEIGHT,
    K1,
    PHRASE_WEIGHT,
    TEXT_FIELDS,
    B,
    idf,
)

#: Scores kept between searches, counted in (document, score) entries of 12 bytes: the
#: least recently used terms are dropped beyond this (about 36 MB).
CACHE_ENTRIES = 3_000_000


class Scorer:
    """Scores kb plans on one searcher; create a new one when the searcher changes."""

    def __init__(self, searcher: Searcher) -> None:
        self._searcher = searcher
        self._leaves: list[tuple[Searcher, int]] = list(searcher.leaf_searchers())
        self._deleted: list[frozenset[int]] = []
        for leaf, _offset in self._leaves:
            reader = leaf.reader()
            deleted: frozenset[int] = frozenset()
            if reader.has_deletions():
                gone = reader.is_deleted
                deleted = frozenset(d for d in range(reader.doc_count_all()) if gone(d))
            self._deleted.append(deleted)
        self._norms: dict[str, array[float]] = {}
        self._frequencies: dict[tuple[str, str], int] = {}
        self._deletions = sum(len(deleted) for deleted in self._deleted)
        self._gone = [sorted(deleted) for deleted in self._deleted]
        self._cache: OrderedDict[Any, Packed | frozenset[int]] = OrderedDict()
        self._sizes: dict[Any, int] = {}
        self._cached = 0
        self._stored: OrderedDict[int, tuple[str, dict[str, Any]]] = OrderedDict()

    # -- caching ----------------------------------------------------------------------------

    def _remember(self, key: Any, make: Callable[[], Any], shared: bool = False) -> Any:
        """The cached value for ``key``, made (and kept) when missing. ``shared``: the value
        is an object already counted under another key."""
        found = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
            return found
        value = make()
        size = 0 if shared else len(value)
        if size <= CACHE_ENTRIES // 4:
            self._cache[key] = value
            self._sizes[key] = size
            self._cached += size
            while self._cached > CACHE_ENTRIES and self._cache:
                dropped, _value = self._cache.popitem(last=False)
                self._cached -= self._sizes.pop(dropped)
        return value

    def stored(self, docnum: int) -> tuple[str, dict[str, Any]]:
        """A document's path and stored values (decoded once, kept for the next keystrokes)."""
        found = self._stored.get(docnum)
        if found is not None:
            self._stored.move_to_end(docnum)
            return found
        fields = self._searcher.stored_fields(docnum)
        found = (fields["path"], json.loads(fields.get("data") or "{}"))
        self._stored[docnum] = found
        if len(self._stored) > STORED_DOCUMENTS:
            self._stored.popitem(last=False)
        return found

    # -- statistics -------------------------------------------------------------------------

    def _field_norms(self, name: str) -> array[float]:
        """Per document (global number): ``K1 * (1 - B + B * length / average length)``."""
        norms = self._norms.get(name)
        if norms is None:
            readers = [leaf.reader() for leaf, _offset in self._leaves]
            exact = [exact_lengths(reader, name) for reader in readers]
            if all(found is not None for found in exact):
                # Tantivy's average: every term of the field over every (live) document.
                total = sum(
                    sum(found or ()) - sum((found or [])[docnum] for docnum in deleted)
                    for found, deleted in zip(exact, self._deleted, strict=True)
                )
                average = total / max(1, self._searcher.doc_count()) or 1.0
            else:
                average = self._searcher.avg_field_length(name) or 1.0
            base, slope = K1 * (1 - B), K1 * B / average
            norms = array("d")
            for reader, found in zip(readers, exact, strict=True):
                norms.extend(base + slope * length for length in lengths(reader, name, found))
            self._norms[name] = norms
        return norms

    def frequency(self, name: str, text: str) -> int:
        """In how many live documents ``text`` occurs in field ``name``: Whoosh's count less
        the deleted documents holding it (read only in the blocks that hold one)."""
        if not self._deletions:
            return int(self._searcher.doc_frequency(name, text))
        key = (name, text)
        found = self._frequencies.get(key)
        if found is None:
            found = int(self._searcher.doc_frequency(name, text))
            for (leaf, _offset), deleted in zip(self._leaves, self._gone, strict=True):
                reader = leaf.reader()
                if found and deleted and (name, text) in reader:
                    found -= count_in(reader.postings(name, text), deleted)
            self._frequencies[key] = found
        return found

    def held(self, name: str, text: str, counted: int) -> bool:
        """True when a live document holds ``text``, which Whoosh counts in ``counted``
        documents: without reading postings when there are more than deleted ones."""
        return counted > self._deletions or self.frequency(name, text) > 0

    def commonest(self, name: str, words: list[str], limit: int) -> list[str]:
        """The ``limit`` words held by most live documents (ties in alphabetical order).
        Whoosh's counts (deleted documents included) are an upper bound of the live ones:
        live counts are read only while a word's upper bound could still rank it."""
        if limit <= 0:
            return []
        reader = self._searcher.reader()
        bounds = sorted((-reader.doc_frequency(name, word), word) for word in words)
        best: list[tuple[int, str]] = []  # (-live count, word), best first
        for bound, word in bounds:
            if len(best) == limit and (bound, word) > best[-1]:
                break  # no word from here on can beat the last of the best
            count = self.frequency(name, word) if self._deletions else -bound
            if count:
                best.append((-count, word))
                best.sort()
                del best[limit:]
        return [word for _count, word in best]

    def _idf(self, name: str, text: str) -> float:
        return idf(self._searcher.doc_count(), self.frequency(name, text))

    # -- terms and phrases ------------------------------------------------------------------

    def term(self, name: str, text: str) -> Packed:
        """BM25F score of ``text`` in field ``name`` for every document holding it (kept:
        common words come back in many phrases and keystrokes)."""
        return self._remember(("term", name, text), lambda: Packed.of(self._term(name, text)))

    def _term(self, name: str, text: str) -> Scores:
        counted = self._searcher.doc_frequency(name, text)
        if counted == 0:
            return {}
        # One read of the postings gives the live documents and so the live count (the
        # idf's), which is kept for the next use of this term.
        live_ids: list[int] = []
        live_weights: list[float] = []
        for (leaf, offset), deleted in zip(self._leaves, self._deleted, strict=True):
            reader = leaf.reader()
            if (name, text) not in reader:
                continue
            ids, weights = postings(reader.postings(name, text))
            if deleted:
                kept = [(docnum, weight) for docnum, weight in zip(ids, weights, strict=True)
                        if docnum not in deleted]  # fmt: skip
                live_ids.extend(docnum + offset for docnum, _weight in kept)
                live_weights.extend(weight for _docnum, weight in kept)
            else:
                live_ids.extend([docnum + offset for docnum in ids] if offset else ids)
                live_weights.extend(weights)
        if self._deletions:
            self._frequencies.setdefault((name, text), len(live_ids))
        if not live_ids:
            return {}
        factor = self._idf(name, text) * (K1 + 1)
        norms = self._field_norms(name)
        return {
            docnum: factor * weight / (weight + norms[docnum])
            for docnum, weight in zip(live_ids, live_weights, strict=True)
        }

    def phrase(self, name: str, words: tuple[str, ...]) -> Scores:
        """The phrase's score in field ``name`` for every document holding the phrase."""
        # Start from the rarest word's documents and read the other words' postings only in
        # blocks holding one of them: "sign in" never reads all of "in".
        searcher = self._searcher
        frequency = {word: self.frequency(name, word) for word in set(words)}
        if not all(frequency.values()):
            return {}
        order = sorted(frequency, key=frequency.__getitem__)
        candidates = set(self.term(name, order[0]).ids)
        postings: dict[str, dict[int, tuple[float, bytes]]] = {}
        for word in order:
            found = self._postings_at(name, word, candidates)
            postings[word] = found
            candidates.intersection_update(found)
            if not candidates:
                return {}
        decode = searcher.schema[name].format.decode_positions
        # BM25 of the phrase as one term (as Tantivy scores phrases): its occurrences in
        # the document, with the words' idfs summed.
        factor = sum(self._idf(name, word) for word in words) * (K1 + 1)
        norms = self._field_norms(name)
        scores: Scores = {}
        for docnum in candidates:
            starts: set[int] | None = None
            for offset, word in enumerate(words):
                shifted = {position - offset for position in decode(postings[word][docnum][1])}
                starts = shifted if starts is None else starts & shifted
                if not starts:
                    break
            else:
                count = len(starts or ())
                scores[docnum] = factor * count / (count + norms[docnum])
        return scores

    def _postings_at(
        self, name: str, text: str, wanted: set[int]
    ) -> dict[int, tuple[float, bytes]]:
        """For each wanted document (global number) holding ``text`` in field ``name``: the
        term's score there and its encoded positions."""
        factor = self._idf(name, text) * (K1 + 1)
        norms = self._field_norms(name)
        found: dict[int, tuple[float, bytes]] = {}
        for leaf, offset in self._leaves:
            reader = leaf.reader()
            if (name, text) not in reader:
                continue
            local = sorted(docnum - offset for docnum in wanted if docnum >= offset)
            for docnum, weight, value in postings_in(reader.postings(name, text), local):
                docnum += offset
                found[docnum] = (factor * weight / (weight + norms[docnum]), value)
        return found

    def documents(self, name: str, value: str) -> frozenset[int]:
        """Documents whose filter field ``name`` holds ``value``."""

        def find() -> frozenset[int]:
            return frozenset(self._searcher.docs_for_query(query.Term(name, value)))

        return self._remember(("filter", name, value), find)

    # -- kb's matches -----------------------------------------------------------------------

    def _everywhere(self, text: str, names: Iterable[str]) -> Packed:
        """A term in several fields, each weighted (title counts most)."""
        names = tuple(names)

        def make() -> Packed:
            total: Scores = {}
            for name in names:
                add(total, self.term(name, text).items(), TEXT_FIELDS[name])
            return Packed.of(total)

        return self._remember(("fields", text, names), make)

    def _phrase_everywhere(self, words: tuple[str, ...]) -> Packed:
        def make() -> Packed:
            total: Scores = {}
            for name, weight in TEXT_FIELDS.items():
                add(total, self.phrase(name, words).items(), weight)
            return Packed.of(total)

        return self._remember(("phrases", words), make)

    def match(self, item: Match, deadline: float | None = None) -> tuple[Packed, bool]:
        """Scores of one query word or phrase, and False when the deadline cut it short."""
        if isinstance(item, PhraseMatch):
            return self._phrase_everywhere(item.terms).scaled(item.boost), True
        key = ("word", item)
        cached = self._cache.get(key)
        if isinstance(cached, Packed):
            self._cache.move_to_end(key)
            return cached, True
        choices: list[tuple[float, Packed]] = [
            (1.0, self._everywhere(text, TEXT_FIELDS)) for text in item.terms
        ]
        # The words as typed always count; completions, corrections and synonym phrases are
        # added while the deadline allows (a phrase of common words is the costliest part).
        extra: list[tuple[float, Callable[[], Packed]]] = [
            (EXPANSION_WEIGHT, functools.partial(self._everywhere, text, item.expansion_fields))
            for text in item.expansions
        ]
        extra.extend(
            (PHRASE_WEIGHT, functools.partial(self._phrase_everywhere, words))
            for words in item.phrases
        )
        complete = True
        for weight, make in extra:
            if deadline is not None and time.perf_counter() > deadline:
                complete = False
                break
            choices.append((weight, make()))
        scores = best_of(choices, item.boost)
        if complete:
            shared = any(scores is choice for _weight, choice in choices)
            self._remember(key, lambda: scores, shared)
        return scores, complete

    def search(
        self, plan: SearchPlan, limit: int, deadline: float | None = None
    ) -> tuple[list[tuple[int, float]], bool]:
        """The best ``limit`` (document number, score) pairs, and True when the deadline
        left some expansions out."""
        partial = False
        total: Scores = {}
        for item in [*plan.should, *plan.hints]:
            scores, complete = self.match(item, deadline)
            partial = partial or not complete
            add(total, scores.items())
        if len(plan.should) > 1:
            self._coordinate(plan.should, total)
        allowed = self._allowed(plan, total)
        bonus = float(sum(len(item.values) for item in plan.filters if not item.negated))
        if allowed is not None:
            candidates: Iterable[tuple[int, float]] = (
                (docnum, total[docnum] + bonus) for docnum in allowed
            )
        else:
            candidates = total.items()
        best = heapq.nlargest(limit, candidates, key=lambda pair: (pair[1], -pair[0]))
        return best, partial

    def _coordinate(self, should: list[Match], total: Scores) -> None:
        """Documents holding every item as typed (no completions, corrections or synonym
        phrases) earn COORDINATION of those scores again."""
        cores: list[Packed] = []
        for item in should:
            if isinstance(item, WordMatch) and (item.expansions or item.phrases):
                item = WordMatch(item.terms, (), (), item.expansion_fields, item.boost)
            cores.append(self.match(item)[0])
        cores.sort(key=len)
        both = cores[0].as_dict()
        for scores in cores[1:]:
            if not both:
                return
            both = {
                docnum: both[docnum] + score for docnum, score in scores.items() if docnum in both
            }
        for docnum, score in both.items():
            total[docnum] += COORDINATION * score

    def _allowed(self, plan: SearchPlan, total: Scores) -> set[int] | None:
        """The scored documents that pass the filters and exclusions (None: all of them)."""
        if not plan.filters and not plan.must_not:
            return None
        allowed = set(total)
        for wanted in plan.filters:
            allowed = self._apply_filter(wanted, allowed)
        for excluded in plan.must_not:
            allowed.difference_update(self.match(excluded)[0].ids)
        return allowed

    def _apply_filter(self, item: FilterMatch, allowed: set[int]) -> set[int]:
        if not item.values:
            return set() if not item.negated else allowed
        holding: set[int] | None = None
        for value in item.values:
            found = self.documents(item.field, value)
            holding = set(found) if holding is None else holding & found
        assert holding is not None
        return allowed - holding if item.negated else allowed & holding
