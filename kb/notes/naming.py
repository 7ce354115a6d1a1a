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
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from kb.notes import files, paths
from kb.notes.content import NOTES_FOLDER, TICKETS_FOLDER
from kb.notes.errors import KBError

if TYPE_CHECKING:
    from kb.notes.note import Note
    from kb.notes.problems import Problem

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


def find_source(
    root: Path,
    reference: str,
    sources: Callable[[], list[files.SourceFile]],
    load: Callable[[files.SourceFile], tuple[Note | None, list[Problem]]],
) -> files.SourceFile:
    """The file a NOTE argument names: a path as given (from the current folder or the KB's
    top), else by the rule above. KBError (exit 1) when nothing matches, AmbiguousNote (exit
    2) when several notes do."""
    reference = reference.strip()
    if not reference:
        raise KBError("name a note: a path, a file name or words of its title")
    direct = files.source_for(root, reference)
    if direct is not None:
        return direct
    candidates = Candidates(sources(), load)
    by_rel = candidates.by_rel
    candidate = Path(reference).expanduser()
    for base in (Path.cwd(), root):
        full = (base / candidate).resolve() if not candidate.is_absolute() else candidate.resolve()
        try:
            rel = full.relative_to(root).as_posix()
        except ValueError:
            continue
        if rel in by_rel:
            return by_rel[rel]
    found = matching(reference, list(by_rel), candidates.title)
    if len(found) == 1:
        return by_rel[found[0]]
    if found:
        raise AmbiguousNote(reference, [note for rel in found if (note := candidates.note(rel))])
    for folder in (NOTES_FOLDER, TICKETS_FOLDER):
        # The note may be behind a content folder kb does not follow: say which.
        problem = paths.link_problem(root, folder)
        if problem:
            raise KBError(f"{folder}/ is a {problem}: kb does not read or write through it", 2)
    raise KBError(f"no note matches {reference!r}", 1)


class Candidates:
    """The files a reference may name, each read only when a rule needs its title."""

    def __init__(
        self,
        sources: list[files.SourceFile],
        load: Callable[[files.SourceFile], tuple[Note | None, list[Problem]]],
    ) -> None:
        self.by_rel = {source.rel: source for source in sources}
        self._load = load
        self._notes: dict[str, Note | None] = {}

    def note(self, rel: str) -> Note | None:
        """The note at ``rel`` (None when it cannot be read as one)."""
        if rel not in self._notes:
            self._notes[rel] = self._load(self.by_rel[rel])[0]
        return self._notes[rel]

    def title(self, rel: str) -> str | None:
        """The title of the note at ``rel``."""
        note = self.note(rel)
        return note.title if note is not None else None
