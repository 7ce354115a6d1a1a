"""Search: kb's query language turned into an engine plan, and hits a technician can read.

Engine-independent on purpose: synonyms, the prefix of the word being typed, typo
tolerance, ranking signals from the KB and snippets behave the same on every engine.
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kb.notes import ticket_ids as tickets
from kb.search.analysis import QueryWord, edit_distance, fold, query_words, stem, terms
from kb.search.engine import (
    TEXT_FIELDS,
    Engine,
    FilterMatch,
    Match,
    PhraseMatch,
    SearchPlan,
    WordMatch,
    typo_distance,
)
from kb.search.query import Query
from kb.search.query import parse as parse_query
from kb.search.synonyms import Synonyms

SNIPPET_WIDTH = 200
#: The word being typed is completed from this many letters on.
MIN_PREFIX = 2
#: Prefixes this short are completed from titles and labels only, to fewer words.
SHORT_PREFIX = 2
SHORT_PREFIX_FIELDS = ("title", "labels")
MAX_SHORT_COMPLETIONS = 8
#: The most words a typed prefix or a typo stands for (the commonest are kept).
MAX_COMPLETIONS = 10
#: Matches looked at when choosing a snippet (enough for any passage a person reads).
MAX_SNIPPET_SPANS = 200
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
    systems: list[str] = field(default_factory=list)
    tickets: list[str] = field(default_factory=list)
    modified: float = 0.0
    created: str | None = None
    #: Share of the query's words found in this document (0..1).
    coverage: float = 1.0
    #: Why the note is flagged for rework ("" when it is not).
    flag: str = ""

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

    @property
    def weak(self) -> bool:
        """True when nothing found really answers the query."""
        return not self or self[0].weak


@dataclass
class _Plan:
    plan: SearchPlan
    #: The query's meaningful words, and the plan's match for each (same order).
    words: list[QueryWord]
    matches: list[WordMatch]
    #: Index (in ``words``) of the word still being typed, matched as a prefix too.
    typing: int | None = None
    completions: list[str] = field(default_factory=list)


def build_plan(query: Query, synonyms: Synonyms | None = None) -> _Plan:
    """Turn a parsed query into an engine plan, before completions and corrections."""
    plan = SearchPlan()
    content: list[QueryWord] = []
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
    built = _Plan(plan, meaningful, [])
    for index, word in enumerate(meaningful):
        if (
            index == len(meaningful) - 1
            and query.prefix is not None
            and not word.exact
            and len(word.surface) >= MIN_PREFIX
            and fold(query.prefix).endswith(word.surface)
        ):
            built.typing = index
        phrases: tuple[tuple[str, ...], ...] = ()
        alternatives = list(word.alternatives)
        if synonyms is not None:
            for other in synonyms.alternatives(word.alternatives[:1]):
                if len(other) == 1:
                    alternatives.append(other[0])
                else:
                    phrases += (other,)
        match = WordMatch(tuple(dict.fromkeys(alternatives)), phrases)
        built.matches.append(match)
        plan.should.append(match)
    if synonyms is not None:
        plan.should.extend(_multiword_synonyms(meaningful, synonyms))
    for item in query.filters:
        plan.filters.append(_filter(item.name, item.value, item.negated))
    if not plan.should:
        plan.recent = True
    return built


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


def _replace_match(built: _Plan, index: int, match: WordMatch) -> None:
    old = built.matches[index]
    built.matches[index] = match
    built.plan.should[built.plan.should.index(old)] = match


def _complete(engine: Engine, built: _Plan) -> None:
    """Let the word being typed stand for the commonest words it could become."""
    if built.typing is None:
        return
    word = built.words[built.typing]
    match = built.matches[built.typing]
    short = len(word.surface) <= SHORT_PREFIX
    # Two letters could start thousands of words: complete them from titles and labels only,
    # and to fewer words; that is what a technician scans for at that point.
    limit = MAX_SHORT_COMPLETIONS if short else MAX_COMPLETIONS
    built.completions = engine.vocabulary(word.surface, limit)
    stems = tuple(
        value
        for value in dict.fromkeys(stem(candidate) for candidate in built.completions)
        if value not in match.terms
    )
    if stems:
        fields = SHORT_PREFIX_FIELDS if short else match.expansion_fields
        _replace_match(
            built,
            built.typing,
            WordMatch(match.terms, match.phrases, stems, fields, match.boost),
        )


def search(
    engine: Engine,
    text: str,
    *,
    limit: int = 10,
    synonyms: Synonyms | None = None,
    budget: float | None = None,
) -> Results:
    """Run a typed query against an engine. Never raises for any query text.

    With a ``budget`` (seconds) a slow engine may leave part of the query out
    (``Results.partial``): the app uses it per keystroke and searches fully on a pause.
    """
    query = parse_query(text)
    limit = max(1, min(int(limit), 1000))
    results = Results(query=query)
    if query.is_empty:
        return results
    built = build_plan(query, synonyms)
    if not built.plan.should and not built.plan.filters and not built.plan.must_not:
        return results
    _complete(engine, built)
    results.corrected = _correct(engine, built)
    candidates = engine.search(built.plan, _candidate_count(limit), budget)
    results.partial = candidates.partial
    hits = [_hit(candidate.path, candidate.score, candidate.stored) for candidate in candidates]
    if not built.plan.recent:
        patterns = [needle_pattern(_match_terms(match)) for match in built.matches]
        for hit in hits:
            hit.coverage = _coverage(patterns, _matchable_text(hit))
            hit.score *= _signal(hit) * _coordination(hit.coverage)
        hits.sort(key=lambda hit: hit.score, reverse=True)
    hits = hits[:limit]
    pattern = _highlight_pattern(built)
    for hit in hits:
        hit.snippet, hit.highlights = make_snippet(hit.snippet, pattern)
    results.extend(hits)
    return results


def _matchable_text(hit: Hit) -> str:
    """Everything a query word can match in a hit: title, labels (tags, systems, tickets)
    and the text."""
    labels = " ".join([*hit.tags, *hit.systems, *hit.tickets])
    return f"{hit.title}\n{labels}\n{hit.snippet}"


def _coordination(coverage: float) -> float:
    """A note matching more of the query's words ranks above one matching a few strongly
    (a short page titled with one of the words must not beat the note about all of them)."""
    return coverage


def recent(engine: Engine, limit: int = 20) -> Results:
    """The most recently changed notes and tickets, newest first (for an empty query)."""
    found = engine.search(SearchPlan(recent=True), max(1, limit))
    results = Results([_hit(hit.path, 0.0, hit.stored) for hit in found])
    for hit in results:
        hit.snippet, hit.highlights = make_snippet(hit.snippet, None)
    return results


def _candidate_count(limit: int) -> int:
    return max(limit * 5, 50)


def _correct(engine: Engine, built: _Plan) -> bool:
    """Allow typos in words the index has never seen (an exact word that finds nothing is
    the clearest case of finding little). True when any word was corrected."""
    changed = False
    for index, word in enumerate(built.words):
        match = built.matches[index]
        if word.exact or len(word.surface) < 4:
            continue
        if any(engine.document_frequency(term) for term in match.terms):
            continue
        if index == built.typing and built.completions:
            continue  # an unfinished word that does start real words is not a typo
        limit = typo_distance(word.surface)
        measured = [
            (edit_distance(word.surface, candidate, limit), candidate)
            for candidate in engine.similar_words(word.surface, limit)
            if candidate[:1] == word.surface[:1]
        ]
        measured = [(distance, candidate) for distance, candidate in measured if distance <= limit]
        if not measured:
            continue
        best = min(distance for distance, _candidate in measured)
        chosen = sorted(candidate for distance, candidate in measured if distance == best)
        chosen = chosen[:MAX_COMPLETIONS]
        stems = tuple(
            value
            for value in dict.fromkeys(stem(candidate) for candidate in chosen)
            if value not in match.terms and value not in match.expansions
        )
        if stems:
            _replace_match(
                built,
                index,
                WordMatch(
                    match.terms,
                    match.phrases,
                    match.expansions + stems,
                    tuple(TEXT_FIELDS),
                    match.boost,
                ),
            )
            changed = True
    return changed


def _signal(hit: Hit) -> float:
    """Small, bounded nudges from the KB itself; text relevance always dominates."""
    factor = 1.0
    if hit.status == "validated":
        factor += 0.06
    elif hit.status == "wip":
        factor -= 0.04
    elif hit.status == "archived":
        factor -= 0.3
    if hit.kind == "ticket":
        # A ticket record tells what happened once; a note is the fix to give. On equal text
        # the note comes first (a record that alone holds the words still does).
        return factor - 0.15
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
        systems=list(stored.get("systems") or []),
        tickets=list(stored.get("tickets") or []),
        modified=float(stored.get("modified") or 0.0),
        created=stored.get("created"),
        flag=str(stored.get("flag") or ""),
    )


class Needles:
    """Finds index terms in raw text, quickly enough to run on every keystroke.

    Stems match as word beginnings ("print" finds "printing"); exact tokens match whole
    ("0x80070005"), and a number also inside a longer code ("80070005" in "0x80070005").
    The text is lower-cased once and scanned by one compiled pattern without IGNORECASE,
    which is several times faster than a case-insensitive pattern.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        pieces: list[str] = []
        for term in sorted(set(terms), key=len, reverse=True):
            if not term:
                continue
            escaped = re.escape(term)
            before = r"\b" if term[0].isalnum() or term[0] == "_" else r"(?<!\w)"
            if term.isalpha():
                pieces.append(rf"{before}{escaped}\w*")
            elif term.isdigit():
                pieces.append(rf"(?<![0-9]){escaped}(?![0-9])")
            else:
                pieces.append(rf"{before}{escaped}(?!\w)")
        source = "|".join(pieces)
        self._plain = re.compile(source) if pieces else None
        self._folding = re.compile(source, re.IGNORECASE) if pieces else None

    def _target(self, text: str) -> tuple[re.Pattern[str] | None, str]:
        lowered = text.lower()
        if len(lowered) == len(text):
            return self._plain, lowered
        # Rare letters change length when lower-cased; offsets must stay those of the text.
        return self._folding, text

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, matched text lower-cased) for each match, in order."""
        pattern, target = self._target(text)
        if pattern is None:
            return
        for found in pattern.finditer(target):
            yield found.start(), found.end(), found.group(0).lower()

    def search(self, text: str) -> bool:
        """True when any term occurs in ``text``."""
        pattern, target = self._target(text)
        return pattern is not None and pattern.search(target) is not None


def needle_pattern(terms: Iterable[str]) -> Needles | None:
    """:class:`Needles` for these terms, or None when there are none."""
    return _needles(tuple(sorted(set(terms))))


@functools.lru_cache(maxsize=512)
def _needles(terms: tuple[str, ...]) -> Needles | None:
    # Cached: the words already typed come back on every keystroke, and compiling their
    # pattern costs more than using it.
    needles = Needles(terms)
    return needles if needles._plain is not None else None


def _match_terms(match: Match) -> list[str]:
    found = list(match.terms)
    if isinstance(match, WordMatch):
        found.extend(match.expansions)
        for phrase in match.phrases:
            found.extend(phrase)
    return found


def _highlight_pattern(built: _Plan) -> Needles | None:
    wanted: list[str] = []
    for match in built.plan.should:
        wanted.extend(_match_terms(match))
    if built.typing is not None:
        wanted.append(built.words[built.typing].surface)
    return needle_pattern(wanted)


def _coverage(patterns: list[Needles | None], text: str) -> float:
    """Share of the query's words found in ``text`` (completions and corrections count)."""
    if not patterns:
        return 1.0
    found = sum(1 for pattern in patterns if pattern is not None and pattern.search(text))
    return found / len(patterns)


def make_snippet(
    text: str, pattern: Needles | None, width: int = SNIPPET_WIDTH
) -> tuple[str, list[tuple[int, int]]]:
    """The passage of ``text`` with the most distinct matched words, and where they are."""
    spans: list[tuple[int, int, str]] = []
    if pattern is not None:
        for span in pattern.finditer(text):
            spans.append(span)
            if len(spans) >= MAX_SNIPPET_SPANS:
                break
    begin = 0
    if spans:
        # Slide a window over the matches (sorted by position) and keep the one holding the
        # most distinct words; one pass, so a note full of matches stays cheap.
        counts: dict[str, int] = {}
        best_score = -1
        last = 0
        for first, (start, _end, _key) in enumerate(spans):
            window_start = max(0, start - 40)
            window_end = window_start + width
            while last < len(spans) and spans[last][1] <= window_end:
                key = spans[last][2]
                counts[key] = counts.get(key, 0) + 1
                last += 1
            if len(counts) > best_score:
                begin, best_score = window_start, len(counts)
            if first < last:
                key = spans[first][2]
                counts[key] -= 1
                if not counts[key]:
                    del counts[key]
    if begin > 0:
        space = text.find(" ", begin, begin + 30)
        begin = space + 1 if space != -1 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin + width - 40, end)
        end = space if space > begin else end
    lead = "…" if begin > 0 else ""
    tail = "…" if end < len(text) else ""
    flat = text[begin:end].replace("\r", " ").replace("\n", " ").replace("\t", " ")
    highlights = [
        (start - begin + len(lead), stop - begin + len(lead))
        for start, stop, _key in spans
        if start >= begin and stop <= end
    ]
    return lead + flat + tail, highlights
