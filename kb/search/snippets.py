"""Snippets: the passage of a hit that holds the query's words, with the words highlighted."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from kb.search.plan import Plan, match_terms
from kb.search.ranking import PATH_PART_COVERAGE

SNIPPET_WIDTH = 200
#: Characters of a hit's text searched first for its snippet: the passage shown comes from
#: here whenever the query's words occur in it (the rest is searched only when they do not).
SNIPPET_WINDOW = 2_500

#: An error code written without its ``0x``: hex digits, at least one of them a number.
_HEX_CODE = re.compile(r"(?=[a-f]*[0-9])[0-9a-f]{4,}")


#: Matches looked at when choosing a snippet (enough for any passage a person reads).
MAX_SNIPPET_SPANS = 200
#: Places a match may begin beyond which a text is scanned by the pattern instead.
_MAX_STARTS = 64


class Needles:
    """Finds index terms in raw text, quickly enough to run on every keystroke.

    Stems match as word beginnings ("print" finds "printing"); exact tokens match whole
    ("0x80070005"), and a number or hex code also inside a longer code ("80070005" and
    "8004010f" in "0x80070005" and "0x8004010F").
    The text is lower-cased once and scanned by one compiled pattern without IGNORECASE,
    which is several times faster than a case-insensitive pattern.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        pieces: list[str] = []
        for term in sorted(_shortest_prefixes(terms), key=len, reverse=True):
            if not term:
                continue
            escaped = re.escape(term)
            before = r"\b" if term[0].isalnum() or term[0] == "_" else r"(?<!\w)"
            if " " in term:
                # A phrase: its words next to each other, each as a word would be found.
                words = [_word_pattern(word) for word in term.split()]
                pieces.append(before + r"[\W_]+".join(words))
            elif term.isalpha():
                pieces.append(before + _word_pattern(term))
            elif term.isdigit():
                pieces.append(rf"(?<![0-9]){escaped}(?![0-9])")
            elif _HEX_CODE.fullmatch(term):
                # "caa70004" is also inside "0xCAA70004", as the index holds both forms.
                pieces.append(rf"(?:(?<=0x)|(?<!\w)){escaped}(?!\w)")
            elif "\\" in term or "/" in term:
                # A path is found whole, not as the start of a deeper one: "c:\windows" is
                # not in "C:\Windows\System32" (a separator ending it is fine).
                pieces.append(rf"{before}{escaped}(?![\w\\/]*\w)")
            else:
                pieces.append(rf"{before}{escaped}(?!\w)")
        source = "|".join(pieces)
        # Every match begins with one of these as it is: finding them is a plain substring
        # search, and the pattern is then tried only there, not at every character.
        self._literals = tuple(
            dict.fromkeys(_literal(term.lower()) for term in _shortest_prefixes(terms) if term)
        )
        self._plain = re.compile(source) if pieces else None
        self._source = source
        self._folded: re.Pattern[str] | None = None

    def _folding(self) -> re.Pattern[str] | None:
        """The case-insensitive pattern, compiled the first time a text needs it (rarely:
        only a text whose lower-casing changes its length)."""
        if self._folded is None and self._plain is not None:
            self._folded = re.compile(self._source, re.IGNORECASE)
        return self._folded

    def _target(self, text: str) -> tuple[re.Pattern[str] | None, str]:
        lowered = text.lower()
        if len(lowered) == len(text):
            return self._plain, lowered
        # Rare letters change length when lower-cased; offsets must stay those of the text.
        return self._folding(), text

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, matched text lower-cased) for each match, in order."""
        pattern, target = self._target(text)
        if pattern is None:
            return
        starts = self._starts(target) if pattern is self._plain else None
        if starts is None:
            for found in pattern.finditer(target):
                yield found.start(), found.end(), found.group(0).lower()
            return
        # The pattern is tried only where a match can begin (the regular expression engine
        # would try it at every character): the same matches as finditer, several times faster.
        end = 0
        for start in starts:
            if start < end:
                continue
            at = pattern.match(target, start)
            if at is not None and at.end() > start:
                end = at.end()
                yield start, end, at.group(0)

    def _match_at_literals(self, pattern: re.Pattern[str], target: str) -> bool | None:
        """Whether the pattern matches where one of the literals occurs; None when they
        occur too often inside other words to be worth trying one by one."""
        tries = 0
        for literal in self._literals:
            at = target.find(literal)
            while at != -1:
                if pattern.match(target, at):
                    return True
                tries += 1
                if tries >= _MAX_STARTS:
                    return None
                at = target.find(literal, at + 1)
        return False

    def _starts(self, target: str) -> list[int] | None:
        """Where a match can begin in a lower-cased text: every place one of the literals
        occurs (each match begins with one). None when they occur so often that scanning
        with the pattern is cheaper (a one-letter word being typed)."""
        starts: list[int] = []
        for literal in self._literals:
            if target.count(literal) > _MAX_STARTS - len(starts):
                return None
            at = target.find(literal)
            while at != -1:
                starts.append(at)
                at = target.find(literal, at + 1)
        starts.sort()
        return starts

    def search(self, text: str) -> bool:
        """True when any term occurs in ``text``."""
        pattern, target = self._target(text)
        return pattern is not None and pattern.search(target) is not None

    def search_folded(self, folded: Folded) -> bool:
        """True when any term occurs in a text folded once for several patterns."""
        if folded.lowered:
            pattern = self._plain
            if pattern is not None:
                found = self._match_at_literals(pattern, folded.target)
                if found is not None:
                    return found
        else:
            pattern = self._folding()
        return pattern is not None and pattern.search(folded.target) is not None


#: A ``[[wiki link]]`` in a note's text, its target written right after the brackets: shell
#: tests (``[[ -f /etc/hosts ]]``) keep a space there and stay as they are.
_READ_LINK = re.compile(r"\[\[(?!\s)([^\[\]|#\n]+)(?:#[^\[\]|\n]*)?(?:\|([^\[\]\n]*))?\]\]")


def _link_words(link: re.Match[str]) -> str:
    """A ``[[wiki link]]`` as words: its label, else its note's name ("vpn-split-tunnel" for
    ``[[team:notes/vpn-split-tunnel.md]]``)."""
    label = (link.group(2) or "").strip()
    if label:
        return label
    name = re.split(r"[/:]", link.group(1).strip())[-1]
    return name[:-3] if name.lower().endswith(".md") else name


def _literal(term: str) -> str:
    """The part of a term that every text matching it holds as it is, at the match's start."""
    if " " in term:
        return _literal(term.split()[0])
    if term.isalpha() and term.endswith("i") and len(term) > 2:
        return term[:-1]
    return term


def _word_pattern(word: str) -> str:
    """A word as it is found in text (alone or in a phrase): a stem as a word's beginning,
    any other term whole."""
    if word.isalpha() and word.endswith("i") and len(word) > 2:
        # The stemmer writes a final "y" as "i" ("recovery", "policy" and "policies" all
        # stem to "recoveri", "polici"): the word has either letter.
        return rf"{re.escape(word[:-1])}[iy]\w*"
    if word.isalpha():
        return rf"{re.escape(word)}\w*"
    return rf"{re.escape(word)}(?!\w)"


class Folded:
    """A text lower-cased once, for every pattern of a query to search."""

    __slots__ = ("lowered", "target")

    def __init__(self, text: str) -> None:
        lowered = text.lower()
        # Rare letters change length when lower-cased: then the patterns fold case instead.
        self.lowered = len(lowered) == len(text)
        self.target = lowered if self.lowered else text


def _shortest_prefixes(terms: Iterable[str]) -> set[str]:
    """The terms without the words that a shorter word of theirs already finds: a word
    matches as a word beginning ("print" finds "printer"), so the completions of a word being
    typed add nothing to it but the cost of trying each one at every word of a text."""
    kept: set[str] = set()
    last = ""
    for term in sorted(set(terms)):
        if term.isalpha():
            if last and term.startswith(last):
                continue
            last = term
        kept.add(term)
    return kept


def needle_pattern(terms: Iterable[str]) -> Needles | None:
    """:class:`Needles` for these terms, or None when there are none."""
    return _needles(tuple(sorted(set(terms))))


@functools.lru_cache(maxsize=512)
def _needles(terms: tuple[str, ...]) -> Needles | None:
    # Cached: the words already typed come back on every keystroke, and compiling their
    # pattern costs more than using it.
    needles = Needles(terms)
    return needles if needles._plain is not None else None


def highlight_pattern(built: Plan) -> Needles | None:
    wanted: list[str] = []
    for match in [*built.plan.should, *built.plan.hints]:
        wanted.extend(match_terms(match))
    if built.typing is not None:
        wanted.append(built.words[built.typing].surface)
    return needle_pattern(wanted)


def coverage(
    patterns: list[Needles | None],
    text: str,
    names: list[tuple[Needles, ...]] | None = None,
) -> float:
    """Share of the query's words found in ``text`` (completions and corrections count).

    ``names`` holds, for each word, the names inside it (a pasted path's folders and file
    name): a word not found itself counts :data:`PATH_PART_COVERAGE` of the share of them found.
    """
    if not patterns:
        return 1.0
    folded = Folded(text)
    found = 0.0
    for index, pattern in enumerate(patterns):
        if pattern is not None and pattern.search_folded(folded):
            found += 1
            continue
        inside = names[index] if names else ()
        if inside:
            held = sum(1 for name in inside if name.search_folded(folded))
            found += PATH_PART_COVERAGE * held / len(inside)
    return found / len(patterns)


def make_snippet(
    text: str, pattern: Needles | None, width: int = SNIPPET_WIDTH
) -> tuple[str, list[tuple[int, int]]]:
    """The passage of ``text`` with the most distinct matched words, and where they are.
    Wiki links read as a reader sees them: their label, else the name of the note."""
    if "[[" in text:
        text = _READ_LINK.sub(_link_words, text)
    spans: list[tuple[int, int, str]] = []
    if pattern is not None:
        # The window first: a passage near the top is as good to read and far cheaper.
        window = text[:SNIPPET_WINDOW]
        for span in pattern.finditer(window):
            spans.append(span)
            if len(spans) >= MAX_SNIPPET_SPANS:
                break
        if not spans and len(text) > len(window):
            # The words occur further down only: the first of them is enough to show.
            for start, stop, key in pattern.finditer(text[len(window) :]):
                spans.append((start + len(window), stop + len(window), key))
                if len(spans) >= MAX_SNIPPET_SPANS // 10:
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
