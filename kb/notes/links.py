"""Where a note's links lead: ``[[wiki]]`` links by kb's naming rule, other links by path.

One resolver for ``kb check``, for guides and for the app's links, so that a link check
passes exactly when the app can follow the link and a guide's reading path can be read. A
``[[wiki link]]`` names a note as a NOTE argument does (:mod:`kb.notes.naming`): by path,
file name, whole title or the words of its title. A Markdown link leads to a path relative
to the note, or from the KB's top when it starts with ``/``.

A note in another KB is named ``[[NAME:note]]``, NAME being that KB's short name in the user
config's ``[kbs]`` table (``kb share`` writes these). The note part resolves in that KB by the
same rule. A prefix that names no configured KB is part of the note's name, as before: with no
``[kbs]`` table every link reads exactly as it always did.
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
    from kb.notes.problems import Problem
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
    #: The short name of the other KB the note lives in (None: this KB).
    kb: str | None = None


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
        self._elsewhere: dict[str, LinkTargets | None] = {}
        self._folders: dict[str, Path] | None = None

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
            name, rest = self._kb_prefix(link.target)
            if name is not None:
                return self._in_other_kb(name, rest, link)
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

    def title(self, target: Target) -> str | None:
        """The title of the note ``target`` leads to (in whichever KB it lives)."""
        if target.path is None:
            return None
        if target.kb is None:
            return self._title_of(target.path)
        other = self._elsewhere.get(target.kb)
        return other._title_of(target.path) if other is not None else None

    # -- links into another KB ----------------------------------------------------------------

    def _kb_prefix(self, target: str) -> tuple[str | None, str]:
        name, colon, rest = target.partition(":")
        if not colon or not rest.strip() or not name:
            return None, target
        folders = self._configured()
        if name not in folders:
            return None, target
        if self.root is not None and _same_folder(folders[name], self.root):
            return "", rest.strip()  # this KB named by its own short name
        return name, rest.strip()

    def _configured(self) -> dict[str, Path]:
        if self._folders is None:
            from kb.notes.user_config import read_kbs

            try:
                self._folders = dict(read_kbs().folders)
            except Exception:  # an unreadable config: no other KBs, links read as before
                self._folders = {}
        return self._folders

    def _in_other_kb(self, name: str, rest: str, link: Link) -> Target:
        inner = Link(rest, "wiki", link.line, link.label)
        if not name:
            return self._wiki(inner)
        if name not in self._elsewhere:
            self._elsewhere[name] = _folder_targets(self._configured()[name])
        other = self._elsewhere[name]
        if other is None:
            problem = f"broken link {link_text(link)}: KB {name!r} cannot be read"
            return Target(None, problem, missing=True, kb=name)
        found = other._wiki(inner)
        if found.path is None:
            problem = (found.problem or "").replace(link_text(inner), link_text(link))
            return Target(None, f"{problem} (in KB {name!r})", found.missing, kb=name)
        return Target(found.path, kb=name)

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


def kb_link(kb_name: str, rel: str, label: str = "") -> str:
    """The wiki link to the note at ``rel`` of the KB called ``kb_name`` (``[[NAME:path]]``,
    with ``label`` shown when given)."""
    return f"[[{kb_name}:{rel}|{label}]]" if label else f"[[{kb_name}:{rel}]]"


def _same_folder(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve()
    except OSError:
        return False


def _folder_targets(folder: Path) -> LinkTargets | None:
    """The notes of the KB in ``folder`` as link targets (titles read when needed), or None
    when it cannot be read."""
    from kb.notes import files
    from kb.notes.naming import Candidates
    from kb.notes.note import parse_note
    from kb.notes.settings import load_settings
    from kb.notes.ticket_ids import TicketMatcher

    try:
        if not folder.is_dir():
            return None
        settings = load_settings(folder)
        matcher = TicketMatcher(settings.ticket_patterns, settings.hash_numbers)
        sources, _ = files.scan(folder)
    except Exception:  # a KB that cannot be read is a broken link, never a crash
        return None

    def load(source: files.SourceFile) -> tuple[Note | None, list[Problem]]:
        text, problems = files.read_source(source, settings.max_file_bytes)
        if text is None:
            return None, problems
        return parse_note(source.rel, text.text, matcher, kind=source.kind), problems

    candidates = Candidates(sources, load)
    return LinkTargets.of_files(list(candidates.by_rel), candidates.title, folder)


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
            title = targets.title(target)
            if title:
                titles[link.target] = title
    return titles
