"""A typed query turned into an engine plan: words and phrases, filters, synonyms, the
word being typed completed, and typos corrected when the exact words find little."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from kb.notes import ticket_ids
from kb.search.analysis import (
    QueryWord,
    edit_distance,
    fold,
    join_spaced_ids,
    query_words,
    stem,
    terms,
)
from kb.search.engine import (
    Engine,
    FilterMatch,
    Match,
    PhraseMatch,
    SearchPlan,
    WordMatch,
    typo_distance,
)
from kb.search.languages import Languages
from kb.search.query import Query
from kb.search.ranking import PATH_PART_WEIGHT, TEXT_FIELDS
from kb.search.synonyms import Synonyms

#: The word being typed is completed from this many letters on.
MIN_PREFIX = 2


#: Prefixes this short are completed from titles and labels only, to fewer words.
SHORT_PREFIX = 2


SHORT_PREFIX_FIELDS = ("title", "labels")


MAX_SHORT_COMPLETIONS = 8


#: The most words a typed prefix or a typo stands for (the commonest are kept).
MAX_COMPLETIONS = 10


#: A code or id being typed (``0x8007``, ``inc00123``) is completed from this many characters
#: on: shorter numbers start too many.
MIN_CODE_PREFIX = 4


#: What counts as a code or id: letters and digits, at least one digit.
_CODE = re.compile(r"^(?=[a-z]*\d)[0-9a-z]+$")


#: A quoted path (quoted for the spaces in it, "C:\\Program Files\\..."): its words are looked
#: for as typed words, not as a phrase, so that its folders find the notes naming them.
_PATH_START = re.compile(r"(?:[A-Za-z]:[\\/]|\\\\|~?/)\S")


@dataclass
class Plan:
    plan: SearchPlan
    #: The query's meaningful words, and the plan's match for each (same order).
    words: list[QueryWord]
    matches: list[WordMatch]
    #: Index (in ``words``) of the word still being typed, matched as a prefix too.
    typing: int | None = None
    completions: list[str] = field(default_factory=list)
    #: Other terms that hold a word (by its index in ``words``) when a text has them: the
    #: two words written as one.
    held_by: dict[int, list[str]] = field(default_factory=dict)

    def word_terms(self, index: int) -> list[str]:
        """Every term whose presence in a text holds the word at ``index``."""
        return [*match_terms(self.matches[index]), *self.held_by.get(index, ())]


def match_terms(match: Match) -> list[str]:
    """Every term a match looks for: its terms, completions or corrections, and its
    phrases (a synonym written in several words), each as its words joined by spaces: "log
    in" holds the word "logon", a text with "log" in one place and "in" in another does not."""
    found = list(match.terms)
    if isinstance(match, WordMatch):
        found.extend(match.expansions)
        found.extend(" ".join(phrase) for phrase in match.phrases)
    return found


def build_plan(
    query: Query, synonyms: Synonyms | None = None, languages: Languages | None = None
) -> Plan:
    """Turn a parsed query into an engine plan, before completions and corrections."""
    languages = languages or Languages()
    plan = SearchPlan()
    content: list[QueryWord] = []
    for clause in query.clauses:
        if clause.phrase and (clause.negated or not _PATH_START.match(clause.text)):
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
    content = join_spaced_ids(content)
    meaningful = [word for word in content if not word.stop] or content
    built = Plan(plan, meaningful, [])
    for index, word in enumerate(meaningful):
        if index == len(meaningful) - 1 and _being_typed(word, query.prefix):
            built.typing = index
        phrases: tuple[tuple[str, ...], ...] = ()
        alternatives = [*word.alternatives, *word.wider]
        if synonyms is not None:
            for other in synonyms.alternatives(word.alternatives[:1]):
                if len(other) == 1:
                    alternatives.append(other[0])
                else:
                    phrases += (other,)
        match = WordMatch(tuple(dict.fromkeys(alternatives)), phrases)
        built.matches.append(match)
        plan.should.append(match)
        # A pasted path's names find the notes that speak of them, below those naming it.
        plan.hints.extend(WordMatch((part,), boost=PATH_PART_WEIGHT) for part in word.parts)
    if synonyms is not None:
        plan.should.extend(_multiword_synonyms(content, built, synonyms))
    for item in query.filters:
        if item.name == "lang":
            value = languages.filter_value(item.value)
            plan.filters.append(FilterMatch("lang", (value,), item.negated))
            continue
        plan.filters.append(_filter(item.name, item.value, item.negated))
    if not plan.should:
        plan.recent = True
    return built


def _being_typed(word: QueryWord, prefix: str | None) -> bool:
    """True when ``word`` (the query's last) is still being typed: a word from
    :data:`MIN_PREFIX` letters, a code or id (``0x8007``, ``KB 50344``) from
    :data:`MIN_CODE_PREFIX` characters; other exact forms (paths, host names) never."""
    if prefix is None:
        return False
    typed = fold(prefix)
    if not word.exact:
        return len(word.surface) >= MIN_PREFIX and typed.endswith(word.surface)
    return bool(
        _CODE.match(word.surface)
        and len(word.surface) >= MIN_CODE_PREFIX
        and (typed.endswith(word.surface) or (word.letters and typed.endswith(_number(word))))
    )


def _number(word: QueryWord) -> str:
    """The number of an id read out with a space ("KB 50344": "50344")."""
    return word.alternatives[-1]


def _multiword_synonyms(content: list[QueryWord], built: Plan, synonyms: Synonyms) -> list[Match]:
    """For "blue screen" typed as two words, also look for "bsod"; for "sign in" (its small
    word included), "logon". A text holding the synonym holds the typed words it stands for."""
    extra: list[Match] = []
    primary = [word.alternatives[0] if word.alternatives else "" for word in content]
    where = {id(word): index for index, word in enumerate(built.words)}
    for size in range(2, synonyms.longest + 1):
        for start in range(0, len(primary) - size + 1):
            member = tuple(primary[start : start + size])
            found = synonyms.alternatives(member)
            singles = tuple(alt[0] for alt in found if len(alt) == 1)
            phrases = tuple(alt for alt in found if len(alt) > 1)
            if not (singles or phrases):
                continue
            extra.append(WordMatch(singles, phrases, boost=0.8))
            for word in content[start : start + size]:
                if id(word) in where:
                    held = built.held_by.setdefault(where[id(word)], [])
                    held.extend([*singles, *(" ".join(phrase) for phrase in phrases)])
    return extra


def _filter(name: str, value: str, negated: bool) -> FilterMatch:
    if name == "ticket":
        return FilterMatch("ticket", (ticket_ids.normalize(value).lower(),), negated)
    lowered = " ".join(value.lower().split())
    return FilterMatch(name, (lowered,), negated)


def _replace_match(built: Plan, index: int, match: WordMatch) -> None:
    old = built.matches[index]
    built.matches[index] = match
    built.plan.should[built.plan.should.index(old)] = match


def complete(engine: Engine, built: Plan) -> None:
    """Let the word being typed stand for the commonest words it could become."""
    if built.typing is None:
        return
    word = built.words[built.typing]
    match = built.matches[built.typing]
    short = len(word.surface) <= SHORT_PREFIX
    # Two letters could start thousands of words: complete them from titles and labels only,
    # and to fewer words; that is what a technician scans for at that point.
    limit = MAX_SHORT_COMPLETIONS if short else MAX_COMPLETIONS
    if word.exact:
        # A code is completed only while no note holds it as typed (once whole, it is exact:
        # "kb503441" never also finds KB5034410), as typed, and an id read out with a space
        # by its number too. The first codes in order: how common one is says nothing.
        if any(engine.document_frequency(term) for term in match.terms):
            return
        forms = [word.surface, *([_number(word)] if word.letters else [])]
        found = (engine.vocabulary(form, limit, in_order=True) for form in forms)
        built.completions = list(dict.fromkeys(itertools.chain.from_iterable(found)))[:limit]
    else:
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


def correct(engine: Engine, built: Plan) -> bool:
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


#: Words this long or longer may be two words written as one ("screensaver").
MIN_COMPOUND = 7
#: Two typed words written as one ("screen saver" for "screensaver") count this much.
JOINED_WEIGHT = 0.8
#: Each half of a split word has at least this many letters.
MIN_COMPOUND_PART = 3


def compounds(engine: Engine, built: Plan) -> None:
    """Words written as one or as two: "screensaver" also finds "screen saver", and "screen
    saver" also finds "screensaver". A long word is split where both halves are words of the
    KB, the commonest rarer half winning ("fullscreen": "full screen")."""
    words = built.words
    for index, word in enumerate(words):
        if word.exact or not word.surface.isalpha() or len(word.surface) < MIN_COMPOUND:
            continue
        match = built.matches[index]
        best: tuple[int, tuple[str, str]] | None = None
        surface = word.surface
        for cut in range(MIN_COMPOUND_PART, len(surface) - MIN_COMPOUND_PART + 1):
            halves = (stem(surface[:cut]), stem(surface[cut:]))
            found = min(engine.document_frequency(half) for half in halves)
            if found and (best is None or found > best[0]):
                best = (found, halves)
        if best is not None:
            phrases = (*match.phrases, best[1])
            fields = match.expansion_fields
            changed = WordMatch(match.terms, phrases, match.expansions, fields, match.boost)
            _replace_match(built, index, changed)
    for index, (first, second) in enumerate(itertools.pairwise(words)):
        if first.exact or second.exact or not (first.surface + second.surface).isalpha():
            continue
        joined = stem(first.surface + second.surface)
        if not engine.document_frequency(joined):
            continue
        built.plan.should.append(WordMatch((joined,), boost=JOINED_WEIGHT))
        # A note writing them as one holds each of the two words.
        for position in (index, index + 1):
            built.held_by.setdefault(position, []).append(joined)
