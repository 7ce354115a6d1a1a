"""kb's query language, parsed by kb: any text is a valid query and parsing never raises.

    outlook password            words (a note matching more of them ranks higher)
    "blue screen"               a phrase
    -archived  -"old vpn"       leave out notes with this word or phrase
    tag:vpn type:fix status:validated ticket:INC0012345 system:"windows 11" author:ana
    lang:fr                     notes of a language folder (pages.fr/); lang:main, the others
    -tag:mac                    leave out a filter's matches
    printi                      the last word, still being typed, also matches as a prefix

``AND``/``OR``/``NOT`` and brackets are read leniently (``NOT x`` is ``-x``; the others are
ignored) because callers' words and pasted error text contain them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: The filters a query can hold, by the name typed before the colon.
FILTERS: dict[str, str] = {
    "tag": "tag",
    "tags": "tag",
    "type": "type",
    "status": "status",
    "ticket": "ticket",
    "tickets": "ticket",
    "system": "system",
    "systems": "system",
    "author": "author",
    "lang": "lang",
    "language": "lang",
}
#: Longer queries are cut here: nobody types more mid-call, and pasted logs must stay fast.
MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 32

_PIECE = re.compile(
    r"""
    (?P<neg>-(?=\S))?
    (?:(?P<field>[A-Za-z]+):(?=["\S]))?
    (?:"(?P<quoted>[^"]*)(?:"|$) | (?P<bare>[^\s"]+))
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Clause:
    """Free text to match: a word (or a pasted token such as a path) or a quoted phrase."""

    text: str
    phrase: bool = False
    negated: bool = False


@dataclass(frozen=True)
class Filter:
    """A ``name:value`` restriction."""

    name: str  # one of: tag, type, status, ticket, system, author, lang
    value: str
    negated: bool = False


@dataclass
class Query:
    """A parsed query."""

    text: str
    clauses: list[Clause] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    #: The unfinished last word (no space typed after it yet), matched as a prefix too.
    prefix: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to match and nothing to filter by."""
        return not self.clauses and not self.filters


#: Curly quotes from pasted text count as quotes.
_CURLY_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"'})


def parse(text: str) -> Query:
    """Parse typed text into a :class:`Query`. Never raises."""
    if not isinstance(text, str):
        text = str(text)
    text = text[:MAX_QUERY_CHARS].replace("\x00", " ")
    normalized = text.translate(_CURLY_QUOTES)
    query = Query(text=text)
    negate_next = False
    last_bare_end = -1
    last_bare: Clause | None = None
    for match in _PIECE.finditer(normalized):
        if len(query.clauses) + len(query.filters) >= MAX_CLAUSES:
            break
        negated = bool(match.group("neg")) or negate_next
        negate_next = False
        name = (match.group("field") or "").lower()
        quoted = match.group("quoted")
        bare = match.group("bare")
        value = quoted if quoted is not None else (bare or "")
        if name and name not in FILTERS:
            # "C:\Windows" or "http://x" or "error:0x5": not a filter, keep the whole token.
            value = f"{match.group('field')}:{value}" if quoted is None else f"{name} {value}"
            name = ""
        if name:
            value = value.strip()
            if value:
                query.filters.append(Filter(FILTERS[name], value, negated))
            continue
        if quoted is not None:
            if value.strip():
                query.clauses.append(Clause(" ".join(value.split()), phrase=True, negated=negated))
            continue
        stripped = value.strip("()[]{}")
        if stripped.endswith(":") and stripped[:-1].lower() in FILTERS:
            continue  # a filter whose value is not typed yet
        if stripped in ("AND", "OR", "&&", "||", ""):
            continue
        if stripped == "NOT" and not match.group("neg"):
            negate_next = True
            continue
        if stripped.startswith("-") and negated:
            stripped = stripped.lstrip("-")
        clause = Clause(stripped, negated=negated)
        query.clauses.append(clause)
        last_bare, last_bare_end = clause, match.end()
    if (
        last_bare is not None
        and not last_bare.negated
        and last_bare_end == len(normalized)
        and query.clauses
        and query.clauses[-1] is last_bare
    ):
        query.prefix = last_bare.text.rstrip("*") or None
    return query
