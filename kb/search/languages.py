"""Languages of notes for search: the ``lang:`` filter and the preference for the user's
language over translations of the same page.

A note in a language folder (``pages.fr/``) is in that folder's language
(:func:`kb.notes.content.language_of`); every other note is in the KB's main language, which the
index records as :data:`MAIN` so that naming that language later (``[content] language`` in
``kb.toml``) needs no rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.notes.content import language_of

#: The index value of notes in the KB's main language (no folder marks them). Language folders
#: name two or three letters, so it never stands for one of them.
MAIN = "main"


def normalize(value: str) -> str:
    """A language as kb compares it: ``pt_BR`` and ``PT-br`` are both ``pt-br``."""
    return value.strip().lower().replace("_", "-")


def indexed_language(path: str) -> str:
    """The language a note is indexed under (:data:`MAIN` for the KB's main language)."""
    return language_of(path) or MAIN


@dataclass(frozen=True)
class Languages:
    """The KB's main language (when ``kb.toml`` names it) and the user's language (the user
    config's ``[search] language``; None: the KB's main language)."""

    main: str | None = None
    preferred: str | None = None

    def filter_value(self, typed: str) -> str:
        """The indexed value ``lang:typed`` looks for (the main language's name, or ``main``,
        finds the notes of no language folder)."""
        value = normalize(typed)
        if value == MAIN or (self.main is not None and value == normalize(self.main)):
            return MAIN
        return value

    @property
    def wanted(self) -> str:
        """The indexed language a search without ``lang:`` prefers."""
        return self.filter_value(self.preferred) if self.preferred else MAIN

    def prefers(self, language: str | None) -> bool:
        """True when a hit indexed under ``language`` (None: an index that has no languages)
        is in the user's language."""
        return (language or MAIN) == self.wanted
