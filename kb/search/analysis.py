"""How text becomes search terms, the same way for every engine and for queries.

Prose is lower-cased and stemmed ("printing" -> "print"). Things a technician reads out
exactly are kept whole as well as split: error codes (``0x80070005``, also as
``80070005``), KB numbers and ticket ids (``KB5034441``, ``INC0012345``), host names
(``srv-print01.corp.local``), e-mail addresses and paths (``C:\\Windows\\System32``,
``/etc/hosts``). Hyphenated words also match written together (``wi-fi`` = ``wifi``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: Terms longer than this are not indexed (base64 blobs, hashes pasted into notes).
MAX_TERM_LENGTH = 120

_RAW = re.compile(
    r"""
    (?P<url>\b[a-zA-Z][a-zA-Z0-9+.\-]{1,15}://[^\s<>"'`)\]]+)
  | (?P<path>(?:\b[A-Za-z]:\\|\\\\)[^\s"'<>|*?,;()\[\]`]*
            | (?<![\w/.~])(?:~|\.{1,2})?/(?:[\w.\-]+/)*[\w.\-]*\w)
  | (?P<hex>\b0[xX][0-9A-Fa-f]+\b)
  | (?P<word>\w+(?:['’]\w+)?(?:[.\-_@+]\w+(?:['’]\w+)?)*)
    """,
    re.VERBOSE,
)
_PARTS = re.compile(r"[^\W_]+")
_SEPARATORS = re.compile(r"[.\-_@+'’]")
_LETTERS_DIGITS = re.compile(r"^([a-z]+)(\d{3,})$")
#: An id read out with a space between its letters and its number ("KB 942962",
#: "INC 0012345"): two or three letters, then five digits or more.
_SPACED_ID_LETTERS = re.compile(r"^[a-z]{2,3}$")
_SPACED_ID_NUMBER = re.compile(r"^\d{5,}$")

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "please",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "get",
        "got",
        "keeps",
        "keep",
        "just",
        "still",
    ]
)


@dataclass(slots=True)
class Token:
    """A term at a position, with where it came from in the text."""

    text: str
    pos: int
    start: int
    end: int
    #: True for the whole form of an exact token (code, path, host), not its parts.
    exact: bool = False


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The English stem of a lower-case word; words with digits are kept as they are."""
    if not word.isalpha() or len(word) < 3:
        return word
    return _stemmer().stemWord(word)


def forget_words() -> None:
    """Empty the caches of analysed words. A long import meets millions of words seen once
    (ticket numbers, host names), which would otherwise fill them to their limits."""
    _expand.cache_clear()
    stem.cache_clear()


def fold(text: str) -> str:
    """Lower-case a word and drop apostrophes, the form every term is compared in."""
    return text.casefold().replace("'", "").replace("’", "")


#: A raw token's terms, (stemmed, surface, position offset, exact) each, and how far it
#: advances the position.
_Expansion = tuple[tuple[tuple[str, str, int, bool], ...], int]


@lru_cache(maxsize=300_000)
def _expand(raw: str, kind: str) -> _Expansion:
    """What one raw token of the text becomes (cached: most words repeat across notes)."""
    whole = fold(raw)
    if kind == "hex":
        return ((whole, whole, 0, True), (whole[2:], whole[2:], 0, True)), 1
    parts = _PARTS.findall(whole) if kind != "word" or _SEPARATORS.search(raw) else [whole]
    found: list[tuple[str, str, int, bool]] = []
    if kind in ("url", "path") or len(parts) > 1:
        if len(whole) <= MAX_TERM_LENGTH:
            found.append((whole, whole, 0, True))
        if kind == "word":
            joined = "".join(parts)
            if joined != whole and len(joined) <= MAX_TERM_LENGTH:
                found.append((joined, joined, 0, True))
        for offset, part in enumerate(parts):
            found.extend(_simple(part, offset))
        return tuple(found), len(parts)
    word = parts[0] if parts else whole
    return tuple(_simple(word, 0)), 1


def _simple(word: str, offset: int) -> list[tuple[str, str, int, bool]]:
    if not word or len(word) > MAX_TERM_LENGTH:
        return []
    if word.isalpha():
        return [(stem(word), word, offset, False)]
    found = [(word, word, offset, True)]
    split = _LETTERS_DIGITS.match(word)
    if split:
        # "KB5034441" is also found by "5034441", as callers often drop the prefix.
        found.append((split.group(2), split.group(2), offset, True))
    return found


Indexed = tuple[str, int, int, int]


def _walk(text: str) -> Iterator[tuple[_Expansion, int, int, int]]:
    """Each raw token of ``text``: what it becomes, its first position, start and end."""
    pos = 0
    for match in _RAW.finditer(text):
        kind = match.lastgroup or "word"
        raw = match.group(0)
        if kind == "path":
            raw = raw.rstrip(".\\/")
        expansion = _expand(raw, kind)
        yield expansion, pos, match.start(), match.start() + len(raw)
        pos += expansion[1]


def analyze_fast(text: str, *, stemmed: bool = True) -> list[Indexed]:
    """:func:`analyze` as plain ``(term, position, start, end)`` tuples, for indexing."""
    return [
        (item[0] if stemmed else item[1], pos + item[2], start, end)
        for (items, _advance), pos, start, end in _walk(text)
        for item in items
    ]


def term_lists(text: str) -> tuple[list[str], list[str]]:
    """Stemmed and surface terms of ``text`` in order, without positions: the cheapest form,
    for engines that take terms as whitespace-separated text."""
    stemmed: list[str] = []
    surface: list[str] = []
    add_stemmed = stemmed.append
    add_surface = surface.append
    # findall builds the raw tokens in C; a Match object per token costs a third more.
    for url, path, hexa, word in _RAW.findall(text):
        if word:
            items, _advance = _expand(word, "word")
        elif path:
            items, _advance = _expand(path.rstrip(".\\/"), "path")
        elif hexa:
            items, _advance = _expand(hexa, "hex")
        else:
            items, _advance = _expand(url, "url")
        for stem_form, surface_form, _offset, _exact in items:
            add_stemmed(stem_form)
            add_surface(surface_form)
    return stemmed, surface


def term_count(text: str) -> int:
    """How many terms ``text`` gives (its length as a search field)."""
    count = 0
    for url, path, hexa, word in _RAW.findall(text):
        if word:
            items, _advance = _expand(word, "word")
        elif path:
            items, _advance = _expand(path.rstrip(".\\/"), "path")
        elif hexa:
            items, _advance = _expand(hexa, "hex")
        else:
            items, _advance = _expand(url, "url")
        count += len(items)
    return count


def analyze(text: str, *, stemmed: bool = True) -> Iterator[Token]:
    """The terms of ``text``: stemmed prose (or surface words) plus whole exact tokens."""
    for (items, _advance), pos, start, end in _walk(text):
        for stem_form, surface_form, offset, exact in items:
            yield Token(stem_form if stemmed else surface_form, pos + offset, start, end, exact)


def terms(text: str, *, stemmed: bool = True) -> list[str]:
    """Just the term texts of :func:`analyze`, in order."""
    return [token.text for token in analyze(text, stemmed=stemmed)]


@dataclass(frozen=True)
class QueryWord:
    """One word of a query as typed, and the index terms that count as a match for it."""

    typed: str
    #: Any of these terms in the prose fields is a match (stemmed form, or exact forms).
    alternatives: tuple[str, ...]
    #: The surface form, for prefix and typo matching.
    surface: str
    exact: bool
    stop: bool
    #: For a path: the folders it lies in, deepest first (``c:\\windows\\minidump`` for a
    #: pasted dump file), which match it too: a note names the folder, seldom the file.
    wider: tuple[str, ...] = ()
    #: For a path: the index terms of its significant names (folders and file name, without
    #: drive letter and numbers), which find notes that speak of them in other words.
    parts: tuple[str, ...] = ()
    #: For an id read out with a space ("sql 18456"): the index term of its letters.
    letters: str = ""


#: A path's folders and names, between its separators.
_PATH_SEPARATORS = re.compile(r"[\\/]+")
#: The most names of one path looked for on their own (a deep path must not crowd a query).
MAX_PATH_PARTS = 8


def _path_word(raw: str, whole: str) -> QueryWord:
    """A path as a query word: itself, the folders it lies in, and its significant names."""
    lead = len(whole) - len(whole.lstrip("\\/"))
    # Where each folder of the path ends (a separator after the leading ones).
    ends = [found.start() for found in _PATH_SEPARATORS.finditer(whole, lead)]
    # A drive path keeps its drive and one folder at least ("c:\\windows"); a UNC path its
    # server, a Unix path its first folder.
    skip = 1 if re.match(r"[a-z]:[\\/]", whole) else 0
    wider = tuple(
        folder
        for folder in (whole[:end] for end in reversed(ends[skip:]))
        if (found := _RAW.fullmatch(folder)) is not None and found.lastgroup == "path"
    )
    parts: list[str] = []
    for part in _PARTS.findall(whole):
        if len(part) < 2 or part.isdigit() or part in STOP_WORDS:
            continue
        term = stem(part) if part.isalpha() else part
        if term not in parts:
            parts.append(term)
    return QueryWord(raw, (whole,), whole, True, False, wider, tuple(parts[:MAX_PATH_PARTS]))


def query_words(text: str) -> list[QueryWord]:
    """Split typed query text into words, each with the terms that match it."""
    words: list[QueryWord] = []
    for match in _RAW.finditer(text):
        raw = match.group(0)
        if match.lastgroup == "path":
            raw = raw.rstrip(".\\/")
        whole = fold(raw)
        if not whole or len(whole) > MAX_TERM_LENGTH:
            continue
        if match.lastgroup == "hex":
            words.append(QueryWord(raw, (whole, whole[2:]), whole, True, False))
            continue
        parts = _PARTS.findall(whole)
        compound = match.lastgroup in ("url", "path") or len(parts) > 1
        if match.lastgroup == "path":
            words.append(_path_word(raw, whole))
            continue
        if compound:
            alternatives = [whole]
            if match.lastgroup == "word":
                alternatives.append("".join(parts))
                # "KB-942962" also finds "KB 942962" and the number alone, as KB942962 does.
                split = _LETTERS_DIGITS.match(alternatives[-1])
                if split and len(parts) == 2:
                    alternatives.append(split.group(2))
            words.append(QueryWord(raw, tuple(dict.fromkeys(alternatives)), whole, True, False))
            continue
        word = parts[0] if parts else whole
        if word.isalpha():
            words.append(QueryWord(raw, (stem(word),), word, False, word in STOP_WORDS))
        else:
            # "KB2732377" also finds a page that writes "KB number: 2732377", as the index
            # lets "2732377" find "KB2732377" (see _simple).
            split = _LETTERS_DIGITS.match(word)
            forms = (word, split.group(2)) if split else (word,)
            words.append(QueryWord(raw, forms, word, True, False))
    return words


def join_spaced_ids(words: list[QueryWord]) -> list[QueryWord]:
    """``words`` with each id read out with a space ("KB 942962": two or three letters,
    then a number of five digits or more) made one word that matches ``kb942962`` or
    ``942962``, as the id typed whole does: a page holding "kb" alone is no match for
    "KB 942962". The letters still order the notes holding the number ("sql 18456": the
    SQL note first; :data:`kb.search.ranking.ID_LETTERS_LIFT`)."""
    joined: list[QueryWord] = []
    for word in words:
        before = joined[-1] if joined else None
        if (
            before is not None
            and not before.stop
            and not before.exact
            and _SPACED_ID_LETTERS.match(before.surface)
            and _SPACED_ID_NUMBER.match(word.surface)
        ):
            whole = before.surface + word.surface
            joined[-1] = QueryWord(
                f"{before.typed} {word.typed}",
                (whole, word.surface),
                whole,
                True,
                False,
                letters=before.alternatives[0],
            )
            continue
        joined.append(word)
    return joined


def edit_distance(first: str, second: str, limit: int = 3) -> int:
    """Edits between two words, a swap of neighbouring letters counting as one.

    Stops early and returns ``limit + 1`` once the distance is sure to exceed ``limit``.
    """
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(second) + 1))
    for i, char in enumerate(first, start=1):
        current = [i]
        for j, other in enumerate(second, start=1):
            cost = 0 if char == other else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (
                before is not None
                and i > 1
                and j > 1
                and char == second[j - 2]
                and first[i - 2] == other
            ):
                value = min(value, before[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]
