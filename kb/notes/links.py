"""Where a note's links lead: ``[[wiki]]`` links by file name, relative links by path.

One rule for ``kb check`` and for guides, so that a link check passes exactly when a guide's
reading path can be followed.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from kb.notes.markdown import Link
from kb.notes.note import Note


@dataclass(frozen=True)
class Target:
    """Where one link leads: a note's path, or why it leads nowhere."""

    #: The linked note's path relative to the KB root (None when the link is broken, or
    #: when it leads to a file that is not a note, such as an image).
    path: str | None
    #: Why the link is broken, or None when it is fine.
    problem: str | None = None


def link_text(link: Link) -> str:
    """The link as the author wrote it: ``[[target]]`` or ``[label](target)``."""
    if link.kind == "wiki":
        return f"[[{link.target}]]"
    return f"[{link.label}]({link.target})" if link.label else link.target


class LinkTargets:
    """Resolves links between the notes of one KB."""

    def __init__(self, notes: list[Note], root: Path | None = None) -> None:
        self.root = root
        self.paths = {note.path for note in notes}
        #: Each note's title by path (what a reading path shows for a step).
        self.titles = {note.path: note.title for note in notes}
        self._lower_paths = {path.lower(): path for path in sorted(self.paths)}
        self.by_name: dict[str, str] = {}
        for note in sorted(notes, key=lambda item: item.path):
            self.by_name.setdefault(note.name.lower(), note.path)

    def resolve(self, source: str, link: Link) -> Target:
        """Where ``link``, written in the note at ``source``, leads."""
        if link.kind == "wiki":
            return self._wiki(link)
        folder = posixpath.dirname(source)
        target = posixpath.normpath(posixpath.join(folder, link.target))
        if target == ".." or target.startswith("../"):
            return Target(None, f"link leads outside the KB: {link_text(link)}")
        if target in self.paths:
            return Target(target)
        if self.root is not None and (self.root / target).exists():
            return Target(None)
        return Target(None, f"broken link {link_text(link)}")

    def _wiki(self, link: Link) -> Target:
        target = link.target.strip().lower().removesuffix(".md")
        for candidate in (target, f"notes/{target}"):
            if f"{candidate}.md" in self._lower_paths:
                return Target(self._lower_paths[f"{candidate}.md"])
        key = posixpath.basename(target)
        for name in (key, key.replace(" ", "-")):
            if name in self.by_name:
                return Target(self.by_name[name])
        return Target(None, f"broken link {link_text(link)}")
