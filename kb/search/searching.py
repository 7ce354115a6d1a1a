"""Search: kb's query language turned into an engine plan, and hits a technician can read.

Engine-independent on purpose: synonyms, the prefix of the word being typed, typo
tolerance, ranking signals from the KB and snippets behave the same on every engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kb.search.engine import (
    Engine,
    SearchPlan,
)
from kb.search.languages import MAIN, Languages
from kb.search.plan import build_plan, complete, compounds, correct
from kb.search.query import parse as parse_query
from kb.search.ranking import (
    ID_LETTERS_LIFT,
    MEANING_WEIGHT,
    OTHER_LANGUAGE_DROP,
    coordination,
    order_key,
    signal,
)
from kb.search.results import Hit, Results
from kb.search.snippets import (
    Needles,
    coverage,
    highlight_pattern,
    make_snippet,
    needle_pattern,
)
from kb.search.synonyms import Synonyms

if TYPE_CHECKING:
    from kb.search.meaning import MeaningModel
    from kb.search.plan import Plan


def search(
    engine: Engine,
    text: str,
    *,
    limit: int = 10,
    synonyms: Synonyms | None = None,
    budget: float | None = None,
    languages: Languages | None = None,
    meaning: MeaningModel | None = None,
    snippets: bool = True,
) -> Results:
    """Run a typed query against an engine. Never raises for any query text.

    ``languages`` names the KB's main language and the user's: without a ``lang:`` filter,
    notes in the user's language rank above translations of the same page. With a
    ``meaning`` model, hits whose text means what the typed words mean rise.

    With a ``budget`` (seconds) a slow engine may leave part of the query out
    (``Results.partial``): the app uses it per keystroke and searches fully on a pause.
    Without ``snippets``, hits keep their whole text until :func:`make_snippets` (for hits
    merged with other KBs' first, most of them then dropped).
    """
    query = parse_query(text)
    limit = max(1, min(int(limit), 1000))
    results = Results(query=query)
    if query.is_empty:
        return results
    languages = languages or Languages()
    built = build_plan(query, synonyms, languages)
    if not built.plan.should and not built.plan.filters and not built.plan.must_not:
        return results
    complete(engine, built)
    results.corrected = correct(engine, built)
    compounds(engine, built)
    candidates = engine.search(built.plan, _candidate_count(limit), budget)
    results.partial = candidates.partial
    hits = [_hit(candidate.path, candidate.score, candidate.stored) for candidate in candidates]
    if not built.plan.recent:
        patterns = [needle_pattern(built.word_terms(index)) for index in range(len(built.matches))]
        names = [
            tuple(found for found in map(needle_pattern, ((part,) for part in word.parts)) if found)
            for word in built.words
        ]
        _rank(hits, patterns, names, limit, languages)
        _lift_id_letters(hits, built, patterns)
        if meaning is not None and built.words:
            said = " ".join(word.surface for word in built.words)
            _rank_by_meaning(hits, meaning, said, limit)
    results.extend(hits[:limit])
    results.highlight = highlight_pattern(built)
    if snippets:
        make_snippets(results, results.highlight)
    else:
        results.snipped = False
    return results


def make_snippets(hits: Iterable[Hit], highlight: Needles | None) -> None:
    """Turn each hit's whole text (a search made without snippets) into its snippet, with
    the words of ``highlight`` (the search's :attr:`Results.highlight`) marked."""
    for hit in hits:
        hit.snippet, hit.highlights = make_snippet(hit.snippet, highlight)


#: Characters of a hit's text looked at first for the query's words (its coverage).
COVERAGE_WINDOW = 3_000


def _rank(
    hits: list[Hit],
    patterns: list[Needles | None],
    names: list[tuple[Needles, ...]],
    limit: int,
    languages: Languages,
) -> None:
    """Order hits by text score, KB signals and coverage (share of the query's words held).

    Coverage is read from the start of each text; the rest of a text is searched only for a
    hit that lacks a word there and could still reach the first ``limit`` with it: the
    order of those ``limit`` is the one a search of every whole text gives, at a bounded
    cost per candidate.
    """
    unsure: list[Hit] = []
    for hit in hits:
        hit.score *= signal(hit)
        if not languages.prefers(hit.language):
            hit.score *= 1.0 - OTHER_LANGUAGE_DROP
        hit.coverage = coverage(patterns, _matchable_text(hit, COVERAGE_WINDOW), names)
        if hit.coverage < 1.0 and len(hit.snippet) > COVERAGE_WINDOW:
            unsure.append(hit)
    floor = sorted((hit.score * hit.coverage for hit in hits), reverse=True)
    bar = floor[limit - 1] if len(floor) >= limit else 0.0
    for hit in unsure:
        if hit.score > bar:  # with every word found it could rank among the first
            hit.coverage = coverage(patterns, _matchable_text(hit), names)
    for hit in hits:
        hit.score *= coordination(hit.coverage)
    hits.sort(key=lambda hit: order_key(hit.score, hit.path))


def _lift_id_letters(hits: list[Hit], built: Plan, patterns: list[Needles | None]) -> None:
    """Among hits holding an id's number ("sql 18456"), those holding its letters rise."""
    lifts = [
        (patterns[index], needle_pattern((word.letters,)))
        for index, word in enumerate(built.words)
        if word.letters
    ]
    if not lifts:
        return
    for hit in hits:
        text = _matchable_text(hit, COVERAGE_WINDOW)
        for number, letters in lifts:
            if number and letters and number.search(text) and letters.search(text):
                hit.score *= 1.0 + ID_LETTERS_LIFT
    hits.sort(key=lambda hit: order_key(hit.score, hit.path))


def _rank_by_meaning(hits: list[Hit], meaning: MeaningModel, said: str, limit: int) -> None:
    """Lift the best hits (by text score) by how near their meaning is to ``said``."""
    best = hits[: meaning.depth(limit)]
    for hit, near in zip(best, meaning.similarities(said, best), strict=True):
        hit.score *= 1.0 + MEANING_WEIGHT * max(0.0, near)
    hits.sort(key=lambda hit: order_key(hit.score, hit.path))


def _matchable_text(hit: Hit, window: int | None = None) -> str:
    """Everything a query word can match in a hit: title, labels (tags, systems, tickets)
    and the text (its first ``window`` characters, if given)."""
    labels = " ".join([*hit.tags, *hit.systems, *hit.tickets])
    text = hit.snippet if window is None else hit.snippet[:window]
    return f"{hit.title}\n{hit.also}\n{labels}\n{text}"


def recent(engine: Engine, limit: int = 20) -> Results:
    """The most recently changed notes and tickets, newest first (for an empty query)."""
    found = engine.search(SearchPlan(recent=True), max(1, limit))
    results = Results([_hit(hit.path, 0.0, hit.stored) for hit in found])
    make_snippets(results, None)
    return results


def _candidate_count(limit: int) -> int:
    return max(limit * 5, 50)


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
        also=str(stored.get("also") or ""),
        language=_language(stored.get("lang")),
        meaning=str(stored.get("meaning") or ""),
    )


def _language(value: object) -> str | None:
    return str(value) if value and value != MAIN else None
