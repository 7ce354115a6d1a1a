"""What a NOTE argument or a ``[[wiki link]]`` names: one rule for ``kb show``, ``kb guide``,
the app's links and ``kb check``.

A reference names, in this order:

1. a note by its path, with or without ``.md`` (``notes/`` may be left out);
2. a note by its file name without ``.md``;
3. a note by its whole title;
4. the notes whose title or file name holds every word of the reference.

The first rule that matches decides. When several notes share the file name, the title
rules tell them apart. Case never matters. One match names a note; several are ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from kb.notes.errors import KBError

if TYPE_CHECKING:
    from kb.notes.note import Note

#: Where a path named without its folder may be: the KB's top, or its notes folder.
PATH_ROOTS = ("", "notes/")


class AmbiguousNote(KBError):
    """Several notes match a NOTE argument."""

    def __init__(self, reference: str, candidates: list[Note]) -> None:
        super().__init__(f"{len(candidates)} notes match {reference!r}; be more specific", 2)
        self.candidates = candidates


def words(text: str) -> set[str]:
    """The words of a title or a reference, for comparing them (lower case)."""
    return set(re.findall(r"\w+", text.lower()))


def matching(
    reference: str, paths: Sequence[str], title_of: Callable[[str], str | None]
) -> list[str]:
    """The paths among ``paths`` that ``reference`` names (see the module docstring).

    ``title_of`` gives a path's title; it is asked only when the path and file name rules
    find nothing, so a reference by name never reads every note.
    """
    wanted = " ".join(reference.split())
    lowered = wanted.lower().removesuffix(".md")
    if not lowered:
        return []
    keys = {root + lowered for root in PATH_ROOTS}
    by_path = [path for path in paths if path.lower().removesuffix(".md") in keys]
    if len(by_path) > 1:  # names that differ only in case: the one written as typed
        as_typed = {root + wanted.removesuffix(".md") for root in PATH_ROOTS}
        exact = [path for path in by_path if path.removesuffix(".md") in as_typed]
        return exact if len(exact) == 1 else by_path
    if by_path:
        return by_path
    name = lowered.rsplit("/", 1)[-1]
    named = [path for path in paths if PurePosixPath(path).stem.lower() == name]
    if len(named) == 1:
        return named
    pool = named or paths
    titled = [path for path in pool if _same(title_of(path), wanted)]
    if len(titled) == 1:
        return titled
    wanted_words = words(wanted)
    if wanted_words:
        found = [
            path
            for path in pool
            if wanted_words <= words(title_of(path) or "") | words(PurePosixPath(path).stem)
        ]
        if found:
            return found
    return named


def _same(title: str | None, wanted: str) -> bool:
    return title is not None and " ".join(title.split()).lower() == wanted.lower()
