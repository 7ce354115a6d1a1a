"""Ticket ids: recognising them in front matter and in text, by the patterns a team configures."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.notes.user_patterns import UserPattern

#: ServiceNow task numbers: incidents, requests, requested items, changes, problems, tasks.
SERVICENOW = r"\b(?:INC|REQ|RITM|CHG|PRB|PRBTASK|SCTASK|CTASK|TASK)\d{5,10}\b"
#: Jira-style issue keys (``HELP-482``). Prefixes that are standards, not projects, are left out.
JIRA = (
    r"\b(?!(?:UTF|UCS|SHA|MD|ISO|IEC|CVE|CWE|RFC|WPA|TLS|SSL|AES|DES|RSA|HTTP|HTTPS|IPV|IP|"
    r"TCP|UDP|COVID|PCI|DSS|USB|HDMI|DDR|LPDDR|PCIE|WIN|KB|MS|CSS|ECMA|IEEE|ANSI|X|EN|DIN|"
    r"GPT|NTLM|HTML|XML|ES|Q|SP|RC|DP|FY|H|P|V|A|B|C|D)-)"
    r"[A-Z][A-Z0-9]{1,9}-[1-9][0-9]{0,6}\b"
)
#: Plain ``#1234`` numbers (Zendesk, GLPI, GitHub-style trackers).
HASH_NUMBER = r"(?<![\w&#/])#[0-9]{2,9}\b"

DEFAULT_PATTERNS: tuple[str, ...] = (SERVICENOW, JIRA)
#: The patterns kb ships: trusted, so they run on Python's own engine without a time limit.
_BUILT_IN = frozenset((SERVICENOW, JIRA, HASH_NUMBER))


@dataclass
class TicketMatcher:
    """Finds ticket ids in text using a team's patterns (kb.toml ``[tickets]``).

    ``#1234`` numbers are always accepted where a ticket is named on purpose (front matter,
    command arguments) and found in running text only when ``hash_numbers`` is on, because in
    prose ``#2`` is usually not a ticket.
    """

    patterns: tuple[str, ...] = DEFAULT_PATTERNS
    hash_numbers: bool = False
    _text_regex: _Patterns = field(init=False, repr=False)
    _id_regex: _Patterns = field(init=False, repr=False)

    def __post_init__(self) -> None:
        usable = [pattern for pattern in self.patterns if _compiles(pattern)]
        in_text = list(usable)
        if self.hash_numbers:
            in_text.append(HASH_NUMBER)
        self._text_regex = _Patterns(in_text)
        self._id_regex = _Patterns([*usable, HASH_NUMBER])

    def find(self, text: str) -> list[str]:
        """Ticket ids in ``text``, normalised, in order of first appearance, without repeats."""
        seen: dict[str, None] = {}
        for found in self._text_regex.findall(text):
            seen.setdefault(normalize(found), None)
        return list(seen)

    def is_ticket_id(self, value: str) -> bool:
        """True when the whole of ``value`` is a ticket id."""
        value = value.strip()
        return bool(value) and self._id_regex.fullmatch(value.upper())


class _Patterns:
    """Ticket patterns as one: kb's own on Python's engine, a team's (from kb.toml, so
    untrusted) on :class:`kb.notes.user_patterns.UserPattern`, with its time limit."""

    def __init__(self, patterns: list[str]) -> None:
        self.built_in = _join([pattern for pattern in patterns if pattern in _BUILT_IN])
        team = [pattern for pattern in patterns if pattern not in _BUILT_IN]
        self.team: UserPattern | None = None
        if team:
            from kb.notes.user_patterns import UserPattern

            joined = "|".join(f"(?:{pattern})" for pattern in team)
            self.team = UserPattern(joined, "[tickets] patterns")

    def findall(self, text: str) -> list[str]:
        """The ids in ``text`` in order; where a team's match overlaps a built-in one, the
        built-in one counts (as in one alternation of the built-in patterns, then the team's)."""
        if self.team is None:
            return [match.group(0) for match in self.built_in.finditer(text) if match.group(0)]
        found = [(m.start(), 0, m.end(), m.group(0)) for m in self.built_in.finditer(text)]
        found += [(m.start(), 1, m.end(), m.group(0)) for m in self.team.finditer(text)]
        found.sort()
        ids: list[str] = []
        end = 0
        for start, _rank, stop, value in found:
            if start >= end and value:
                ids.append(value)
                end = max(stop, start + 1)
        return ids

    def fullmatch(self, value: str) -> bool:
        """True when one of the patterns matches the whole of ``value``."""
        if self.built_in.fullmatch(value) is not None:
            return True
        return self.team is not None and self.team.fullmatch(value) is not None


def normalize(ticket_id: object) -> str:
    """The canonical spelling of a ticket id: trimmed, upper case."""
    return str(ticket_id).strip().upper()


def from_field(value: object) -> list[str]:
    """Ticket ids from a front matter value: a list, one id, or ids separated by commas."""
    items: Iterable[object]
    if value is None:
        return []
    if isinstance(value, str):
        items = re.split(r"[,\s]+", value)
    elif isinstance(value, list | tuple):
        items = value
    else:
        items = [value]
    result: dict[str, None] = {}
    for item in items:
        if isinstance(item, dict | list | tuple):
            continue
        text = normalize(item)
        if text and len(text) <= 64:
            result.setdefault(text, None)
    return list(result)


def _compiles(pattern: str) -> bool:
    if pattern in _BUILT_IN:
        return True
    from kb.notes.user_patterns import refusal

    return refusal(pattern) is None


def _join(patterns: list[str]) -> re.Pattern[str]:
    if not patterns:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
