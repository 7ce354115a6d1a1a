"""The app's stylesheet, which keeps what it parsed for each theme it has shown.

Changing the theme (light/dark) makes Textual parse every rule of the app again with the
new colours, in a new stylesheet whose parsed rules are then thrown away; and the next
widget kind mounted after it parses every rule once more. Every screen's stylesheet is read
at start, so that is all of them. Here each theme keeps its parsed rules: switching back and
forth parses nothing, and a new widget kind parses only its own rules. The parsed rules are
kept for the process (read-only, they are shared by every app it runs): an app started again
in the same process, as in the tests, parses nothing it parsed before.
"""

from __future__ import annotations

from typing import ClassVar

from textual.cache import LRUCache
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

#: Themes whose parsed rules are kept.
THEMES_KEPT = 4
#: Parsed sources kept per theme: more than the app has (Textual keeps 64, and beyond that
#: every parse would start from nothing again).
SOURCES_KEPT = 512


class ThemeStylesheet(Stylesheet):
    """A Stylesheet with one cache of parsed sources per set of theme variables."""

    #: Parsed sources by theme variables, the most recently used last.
    _caches: ClassVar[dict[tuple[tuple[str, str], ...], LRUCache[tuple, list[RuleSet]]]] = {}

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._use_cache_of(self._variables)

    def _use_cache_of(self, variables: dict[str, str]) -> None:
        caches = ThemeStylesheet._caches
        key = tuple(sorted(variables.items()))
        cache = caches.pop(key, None)
        if cache is None:
            cache = LRUCache(SOURCES_KEPT)
            if len(caches) >= THEMES_KEPT:
                caches.pop(next(iter(caches)))
        caches[key] = cache
        self._parse_cache = cache

    def set_variables(self, variables: dict[str, str]) -> None:
        """New theme variables: parse with the rules kept for them, if any."""
        # Textual empties the parse cache here: give it a spare one, the theme's own is kept.
        self._parse_cache = LRUCache(1)
        super().set_variables(variables)
        self._use_cache_of(variables)

    def reparse(self) -> None:
        """Parse the sources with the current variables (what was parsed before with the
        same variables is taken as it is). On an error the rules in use stay."""
        self.parse()
