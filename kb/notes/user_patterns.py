"""Regular expressions a team writes in ``kb.toml``: checked when read, run with a time limit.

``kb.toml`` arrives with a teammate's commit, so its patterns are untrusted input. A pattern
that can backtrack catastrophically (``(a+)+``, ``(a|aa)*``, backreferences) would hang every
``kb index``, ``kb check`` and ``kb save``. kb refuses the shapes known to do that when it reads
the settings (one warning each), and runs every pattern it keeps with the ``regex`` engine's
time limit: a pattern that still runs out of time is dropped for the rest of the run, and kb
says so once.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import regex

#: Longer patterns are refused: no ticket id or secret needs more, and length is cost.
MAX_LENGTH = 500
#: The time one search of one text may take, in seconds.
TIME_LIMIT = 0.5

# The parser of the standard library's engine: the shape of a pattern, to look for danger.
try:
    # Private modules of the standard library: typeshed does not describe them.
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Pythons: the time limit alone protects
    _sre = None
    _sre_parse = None

_lock = threading.Lock()


def refusal(pattern: object) -> str | None:
    """Why a pattern from ``kb.toml`` is not used (does not compile, too long, may hang), or
    None when it is fine."""
    if not isinstance(pattern, str):
        return "not a string"
    if len(pattern) > MAX_LENGTH:
        return f"longer than {MAX_LENGTH} characters"
    try:
        re.compile(pattern)
        regex.compile(pattern)
    except (re.error, regex.error, ValueError, OverflowError, RecursionError) as exc:
        return f"not a valid pattern ({exc})"
    if _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:  # the stdlib parser's internals vary: the time limit still protects
        return None
    return _danger(list(parsed), inside_repeat=False, unbounded_outside=False)


def _danger(items: list[Any], *, inside_repeat: bool, unbounded_outside: bool) -> str | None:
    """The first dangerous shape in a parsed pattern, in words."""
    for op, value in items:
        if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
            return "backreferences can take exponential time"
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            _low, high, body = value
            repeats = high > 1
            unbounded = high == _sre.MAXREPEAT
            if repeats and inside_repeat and (unbounded or unbounded_outside):
                return "a repetition inside a repetition, such as (a+)+, can take exponential time"
            if unbounded and _overlapping_branch(list(body)):
                return (
                    "repeated alternatives that overlap, such as (a|aa)*, can take exponential time"
                )
            found = _danger(
                list(body),
                inside_repeat=inside_repeat or repeats,
                unbounded_outside=unbounded_outside or unbounded,
            )
            if found:
                return found
        elif op == _sre.SUBPATTERN:
            found = _danger(
                list(value[-1]), inside_repeat=inside_repeat, unbounded_outside=unbounded_outside
            )
            if found:
                return found
        elif op == _sre.BRANCH:
            for branch in value[1]:
                found = _danger(
                    list(branch), inside_repeat=inside_repeat, unbounded_outside=unbounded_outside
                )
                if found:
                    return found
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            found = _danger(
                list(value[1]), inside_repeat=inside_repeat, unbounded_outside=unbounded_outside
            )
            if found:
                return found
        elif op == getattr(_sre, "ATOMIC_GROUP", None):
            found = _danger(
                list(value), inside_repeat=inside_repeat, unbounded_outside=unbounded_outside
            )
            if found:
                return found
    return None


def _overlapping_branch(items: list[Any]) -> bool:
    """True when a repeated body holds alternatives that may start with the same character
    (only distinct literal first characters are known to be safe)."""
    for op, value in items:
        if op == _sre.SUBPATTERN:
            if _overlapping_branch(list(value[-1])):
                return True
        elif op == _sre.BRANCH:
            firsts: set[int] = set()
            for branch in value[1]:
                branch = list(branch)
                if not branch or branch[0][0] != _sre.LITERAL or branch[0][1] in firsts:
                    return True
                firsts.add(branch[0][1])
    return False


class UserPattern:
    """A pattern from ``kb.toml`` whose every search has a time limit.

    After a search runs out of time the pattern is dropped for the rest of the process: it
    matches nothing, and :func:`timed_out` names it once, so one bad pattern costs one time
    limit, not one per note.
    """

    def __init__(self, pattern: str, setting: str) -> None:
        self.pattern = pattern
        self.setting = setting
        try:
            self._compiled: Any = regex.compile(pattern)
        except (regex.error, ValueError, OverflowError, RecursionError):
            # Patterns fine alone may not combine (the ticket patterns are joined in one).
            self._compiled = regex.compile(r"(?!x)x")
            with _lock:
                _dropped.setdefault(
                    pattern, f"kb.toml: {setting}: {_shown(pattern)} cannot be used; skipped"
                )

    def search(self, text: str) -> Any:
        """The first match in ``text`` (None when none, or when the time ran out)."""
        if self.pattern not in _dropped:
            try:
                return self._compiled.search(text, timeout=TIME_LIMIT)
            except TimeoutError:
                self._drop()
        return None

    def fullmatch(self, text: str) -> Any:
        """A match of the whole of ``text``, or None."""
        if self.pattern not in _dropped:
            try:
                return self._compiled.fullmatch(text, timeout=TIME_LIMIT)
            except TimeoutError:
                self._drop()
        return None

    def finditer(self, text: str) -> Iterator[Any]:
        """Every match in ``text``, all of them found within one time limit."""
        if self.pattern not in _dropped:
            try:
                return iter(list(self._compiled.finditer(text, timeout=TIME_LIMIT)))
            except TimeoutError:
                self._drop()
        return iter(())

    def _drop(self) -> None:
        with _lock:
            _dropped.setdefault(
                self.pattern,
                f"kb.toml: {self.setting}: {_shown(self.pattern)} took more than "
                f"{TIME_LIMIT:g} s on one text and was skipped for the rest of this run",
            )


#: Patterns that ran out of time in this process -> the line that says so.
_dropped: dict[str, str] = {}
_reported: set[str] = set()


def timed_out() -> list[str]:
    """One line for each pattern dropped in this process (it ran out of time, or could not
    be used); each is given once."""
    with _lock:
        fresh = [pattern for pattern in _dropped if pattern not in _reported]
        _reported.update(fresh)
        return [_dropped[pattern] for pattern in fresh]


def _shown(pattern: str) -> str:
    return repr(pattern if len(pattern) <= 60 else pattern[:57] + "...")
