"""Search: kb's query language turned into an engine plan, and hits a technician can read.

Engine-independent on purpose: synonyms, the prefix of the word being typed, typo
tolerance, ranking signals from the KB and snippets behave the same on every engine.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from kb import tickets
from kb.analysis import QueryWord, analyze, edit_distance, fold, query_words, terms
from kb.engine import (
    Engine,
    FilterMatch,
    Match,
    PhraseMatch,
    SearchPlan,
    WordMatch,
    typo_distance,
)
from kb.query import Query
from kb.query import parse as parse_query
from kb.synonyms import Synonyms

SNIPPET_WIDTH = 200
#: Below this many hits, words the index has never seen are retried with typos allowed.
FEW_HITS = 3
#: A hit matching less than this share of the query's words is a weak answer.
WEAK_COVERAGE = 0.5


@dataclass
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
    tickets: list[str] = field(default_factory=list)
    modified: float = 0.0
    created: str | None = None
    #: Share of the query's words found in this document (0..1).
    coverage: float = 1.0

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
        }


class Results(list[Hit]):
    """Hits, best first, and what the search had to do to find them."""

    def __init__(self, hits: list[Hit] | None = None, *, query: Query | None = None) -> None:
        super().__init__(hits or [])
        self.query = query
        #: True when words were matched with typos allowed.
        self.corrected = False

    @property
    def weak(self) -> bool:
        """True when nothing found really answers the query."""
        return not self or self[0].weak


@dataclass
class _Plan:
    plan: SearchPlan
    words: list[QueryWord]
    matches: list[WordMatch]


def build_plan(query: Query, synonyms: Synonyms | None = None) -> _Plan:
    """Turn a parsed query into an engine plan (public for tests and benchmarks)."""
    plan = SearchPlan()
    content: list[QueryWord] = []
    word_matches: list[WordMatch] = []
    for clause in query.clauses:
        if clause.phrase:
            phrase = tuple(terms(clause.text))
            target: Match | None
            if len(phrase) > 1:
                target = PhraseMatch(phrase, boost=1.5)
            elif phrase:
                target = WordMatch(phrase)
            else:
                target = None
            if target is not None:
                (plan.must_not if clause.negated else plan.should).append(target)
            continue
        words = query_words(clause.text)
        if clause.negated:
            plan.must_not.extend(WordMatch(word.alternatives) for word in words)
            continue
        content.extend(words)
    meaningful = [word for word in content if not word.stop] or content
    last = meaningful[-1] if meaningful else None
    for word in meaningful:
        prefix = None
        if (
            word is last
            and query.prefix is not None
            and not word.exact
            and len(word.surface) >= 2
            and fold(query.prefix).endswith(word.surface)
        ):
            prefix = word.surface
        phrases: tuple[tuple[str, ...], ...] = ()
        alternatives = list(word.alternatives)
        if synonyms is not None:
            for other in synonyms.alternatives(word.alternatives[:1]):
                if len(other) == 1:
                    alternatives.append(other[0])
                else:
                    phrases += (other,)
        match = WordMatch(tuple(dict.fromkeys(alternatives)), phrases, prefix=prefix)
        word_matches.append(match)
        plan.should.append(match)
    if synonyms is not None:
        plan.should.extend(_multiword_synonyms(meaningful, synonyms))
    for item in query.filters:
        plan.filters.append(_filter(item.name, item.value, item.negated))
    if not plan.should:
        plan.recent = True
    return _Plan(plan, meaningful, word_matches)


def _multiword_synonyms(words: list[QueryWord], synonyms: Synonyms) -> list[Match]:
    """For "blue screen" typed as two words, also look for "bsod"."""
    extra: list[Match] = []
    primary = [word.alternatives[0] for word in words]
    for size in range(2, synonyms.longest + 1):
        for start in range(0, len(primary) - size + 1):
            member = tuple(primary[start : start + size])
            singles = tuple(alt[0] for alt in synonyms.alternatives(member) if len(alt) == 1)
            phrases = tuple(alt for alt in synonyms.alternatives(member) if len(alt) > 1)
            if singles or phrases:
                extra.append(WordMatch(singles, phrases, boost=0.8))
    return extra


def _filter(name: str, value: str, negated: bool) -> FilterMatch:
    if name == "ticket":
        return FilterMatch("ticket", (tickets.normalize(value).lower(),), negated)
    lowered = " ".join(value.lower().split())
    return FilterMatch(name, (lowered,), negated)


def search(
    engine: Engine,
    text: str,
    *,
    limit: int = 10,
    synonyms: Synonyms | None = None,
) -> Results:
    """Run a typed query against an engine. Never raises for any query text."""
    query = parse_query(text)
    limit = max(1, min(int(limit), 1000))
    results = Results(query=query)
    if query.is_empty:
        return results
    built = build_plan(query, synonyms)
    if not built.plan.should and not built.plan.filters:
        return results
    candidates = engine.search(built.plan, _candidate_count(limit))
    corrected = False
    if len(candidates) < FEW_HITS and built.matches:
        retry = _with_typos(engine, built)
        if retry is not None:
            more = engine.search(retry, _candidate_count(limit))
            known = {hit.path for hit in candidates}
            candidates += [hit for hit in more if hit.path not in known]
            corrected = len(candidates) > 0 and len(more) > 0
    hits = [_hit(candidate.path, candidate.score, candidate.stored) for candidate in candidates]
    if not built.plan.recent:
        for hit in hits:
            hit.score *= _signal(hit)
        hits.sort(key=lambda hit: hit.score, reverse=True)
    hits = hits[:limit]
    wanted = _highlight_terms(built)
    for index, hit in enumerate(hits):
        source = hit.snippet
        hit.snippet, hit.highlights = make_snippet(source, *wanted)
        if not built.plan.recent and index < 3:
            hit.coverage = _coverage(built, hit.title + "\n" + source, corrected)
    results.extend(hits)
    results.corrected = corrected
    return results


def _candidate_count(limit: int) -> int:
    return max(limit * 3, 30)


def _with_typos(engine: Engine, built: _Plan) -> SearchPlan | None:
    changed = False
    should: list[Match] = []
    for match in built.plan.should:
        if isinstance(match, WordMatch) and match in built.matches:
            word = built.words[built.matches.index(match)]
            if (
                not word.exact
                and len(word.surface) >= 4
                and all(engine.document_frequency(term) == 0 for term in match.terms)
                and (match.prefix is None or engine.document_frequency(match.prefix) == 0)
            ):
                match = WordMatch(match.terms, match.phrases, None, word.surface, match.boost)
                changed = True
        should.append(match)
    if not changed:
        return None
    return SearchPlan(should, built.plan.must_not, built.plan.filters)


def _signal(hit: Hit) -> float:
    """Small, bounded nudges from the KB itself; text relevance always dominates."""
    factor = 1.0
    if hit.status == "validated":
        factor += 0.06
    elif hit.status == "wip":
        factor -= 0.04
    elif hit.status == "archived":
        factor -= 0.3
    factor += min(0.06, 0.02 * math.log2(1 + hit.ticket_count))
    return factor


def _hit(path: str, score: float, stored: dict[str, Any]) -> Hit:
    return Hit(
        path=path,
        title=str(stored.get("title") or path),
        score=score,
        snippet=str(stored.get("text") or ""),
        kind=str(stored.get("kind") or "note"),
        type=str(stored.get("type") or ""),
        status=str(stored.get("status") or ""),
        tags=list(stored.get("tags") or []),
        tickets=list(stored.get("tickets") or []),
        modified=float(stored.get("modified") or 0.0),
        created=stored.get("created"),
    )


def _highlight_terms(built: _Plan) -> tuple[set[str], set[str]]:
    wanted: set[str] = set()
    prefixes: set[str] = set()
    for match in built.plan.should:
        if isinstance(match, PhraseMatch):
            wanted.update(match.terms)
            continue
        wanted.update(match.terms)
        for phrase in match.phrases:
            wanted.update(phrase)
        if match.prefix:
            prefixes.add(match.prefix)
        if match.fuzzy:
            prefixes.add(match.fuzzy[:3])
    return wanted, prefixes


def _coverage(built: _Plan, text: str, corrected: bool) -> float:
    if not built.matches:
        return 1.0
    found_terms = {token.text for token in analyze(text)}
    surfaces: set[str] = set()
    if corrected or any(match.prefix for match in built.matches):
        surfaces = set(terms(text, stemmed=False))
    found = 0
    for index, match in enumerate(built.matches):
        surface = built.words[index].surface
        if (
            any(term in found_terms for term in match.terms)
            or any(all(term in found_terms for term in phrase) for phrase in match.phrases)
            or (match.prefix and any(word.startswith(match.prefix) for word in surfaces))
            or (corrected and any(_near(surface, word) for word in surfaces))
        ):
            found += 1
    return found / len(built.matches)


def _near(typed: str, word: str) -> bool:
    """True when ``word`` is ``typed`` with a typo or two (the engines' rule)."""
    limit = typo_distance(typed)
    if len(typed) < 4 or typed[0] != word[:1]:
        return False
    return edit_distance(typed, word, limit) <= limit


def make_snippet(
    text: str, wanted: set[str], prefixes: set[str], width: int = SNIPPET_WIDTH
) -> tuple[str, list[tuple[int, int]]]:
    """The passage of ``text`` with the most distinct matched words, and where they are."""
    spans: list[tuple[int, int, str]] = []
    for token in analyze(text):
        if token.text in wanted:
            spans.append((token.start, token.end, token.text))
        elif prefixes:
            surface = fold(text[token.start : token.end])
            if any(surface.startswith(prefix) for prefix in prefixes):
                spans.append((token.start, token.end, surface))
    unique_spans = sorted({(start, end): key for start, end, key in spans}.items())
    if unique_spans:
        best_start, best_score = 0, -1
        for (start, _end), _key in unique_spans:
            window_start = max(0, start - 40)
            keys = {
                key
                for (s, e), key in unique_spans
                if s >= window_start and e <= window_start + width
            }
            if len(keys) > best_score:
                best_start, best_score = window_start, len(keys)
        begin = best_start
    else:
        begin = 0
    if begin > 0:
        space = text.find(" ", begin, begin + 30)
        begin = space + 1 if space != -1 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin + width - 40, end)
        end = space if space > begin else end
    piece = text[begin:end]
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    flat = "".join(" " if char in "\r\n\t" else char for char in piece)
    highlights = [
        (start - begin + len(prefix), end_ - begin + len(prefix))
        for (start, end_), _key in unique_spans
        if start >= begin and end_ <= end
    ]
    return prefix + flat + suffix, highlights
