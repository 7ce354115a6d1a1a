"""Where a note's links lead: ``[[wiki]]`` links by kb's naming rule, other links by path.

One resolver for ``kb check``, for guides and for the app's links, so that a link check
passes exactly when the app can follow the link and a guide's reading path can be read. A
``[[wiki link]]`` names a note as a NOTE argument does (:mod:`kb.notes.naming`): by path,
file name, whole title or the words of its title. A Markdown link leads to a path relative
to the note, or from the KB's top when it starts with ``/``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kb.notes.markdown import Link
from kb.notes.naming import matching
from kb.notes.note import Note

if TYPE_CHECKING:
    from kb.notes.protocol import KB


@dataclass(frozen=True)
class Target:
    """Where one link leads: a note's path, or why it leads nowhere."""

    #: The linked note's path relative to the KB root (None when the link is broken, or
    #: when it leads to a file that is not a note, such as an image).
    path: str | None
    #: Why the link is broken, or None when it is fine.
    problem: str | None = None
    #: True when no note has the name or path the link gives.
    missing: bool = False


def link_text(link: Link) -> str:
    """The link as the author wrote it: ``[[target]]`` or ``[label](target)``."""
    if link.kind == "wiki":
        return f"[[{link.target}]]"
    return f"[{link.label}]({link.target})" if link.label else link.target


class LinkTargets:
    """Resolves links between the notes of one KB."""

    def __init__(self, notes: list[Note], root: Path | None = None) -> None:
        self.root = root
        #: Each note's title by path (what a reading path shows for a step).
        self.titles = {note.path: note.title for note in notes}
        self.paths = set(self.titles)
        self._ordered = sorted(self.paths)
        self._title_of: Callable[[str], str | None] = self.titles.get

    @classmethod
    def of_files(
        cls, paths: list[str], title_of: Callable[[str], str | None], root: Path | None = None
    ) -> LinkTargets:
        """Targets among ``paths``, whose titles ``title_of`` reads only when a link needs
        them (following one link then costs no read of every note)."""
        targets = cls([], root)
        targets.paths = set(paths)
        targets._ordered = sorted(targets.paths)
        targets._title_of = title_of
        return targets

    def resolve(self, source: str, link: Link) -> Target:
        """Where ``link``, written in the note at ``source``, leads."""
        if link.kind == "wiki":
            return self._wiki(link)
        if link.target.startswith("/"):
            target = posixpath.normpath(link.target.lstrip("/"))
        else:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(source), link.target))
        if target == ".." or target.startswith("../"):
            return Target(None, f"link leads outside the KB: {link_text(link)}")
        if target in self.paths:
            return Target(target)
        if self.root is not None and (self.root / target).exists():
            return Target(None)
        return Target(None, f"broken link {link_text(link)}", missing=True)

    def _wiki(self, link: Link) -> Target:
        found = matching(link.target, self._ordered, self._title_of)
        if len(found) == 1:
            return Target(found[0])
        if found:
            shown = ", ".join(found[:3]) + (" ..." if len(found) > 3 else "")
            return Target(
                None, f"ambiguous link {link_text(link)}: {len(found)} notes match ({shown})"
            )
        return Target(None, f"broken link {link_text(link)}", missing=True)


def link_titles(kb: KB, source: str, links: list[Link]) -> dict[str, str]:
    """The title of the note each of ``links`` (in the note ``source``) leads to, by link
    target; links that lead nowhere are left out. Titles are read only for those notes."""
    from kb.notes.naming import Candidates

    candidates = Candidates(kb.sources()[0], kb.load)
    targets = LinkTargets.of_files(list(candidates.by_rel), candidates.title, kb.root)
    titles: dict[str, str] = {}
    for link in links:
        target = targets.resolve(source, link)
        if target.path is not None and not target.missing:
            title = candidates.title(target.path)
            if title:
                titles[link.target] = title
    return titles
