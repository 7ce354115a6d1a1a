"""Guides: notes of ``type: guide`` whose links, in order, are a reading path for new hires.

The reading path is the links of the guide's ``## Reading path`` section when it has one,
else every link of its body, in order. Each link is a step; a link that leads nowhere is a
broken step (``kb check`` reports it too), never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from kb.notes.errors import KBError
from kb.notes.links import LinkTargets, link_text
from kb.notes.markdown import Link, canonical_section
from kb.notes.naming import AmbiguousNote, matching
from kb.notes.note import TICKET_KIND, Note

if TYPE_CHECKING:
    from kb.notes.problems import Problem
    from kb.notes.protocol import KB

GUIDE_TYPE = "guide"
READING_PATH = "reading path"


@dataclass
class Step:
    """One stop on a reading path."""

    number: int  # 1-based
    link: Link
    #: The file this step leads to (None when the link leads to no file).
    path: str | None
    #: The linked note's title, or the link as written when it is broken.
    title: str
    #: Why the step cannot be read (no such note, or a file that is not one), or None.
    problem: str | None = None
    #: The short name of the other KB the step's note lives in (None: the guide's KB).
    kb: str | None = None

    @property
    def broken(self) -> bool:
        """True when the step leads to no readable note."""
        return self.path is None or self.problem is not None


@dataclass
class Guide:
    """A guide note and its reading path."""

    note: Note
    steps: list[Step] = field(default_factory=list)

    @property
    def path(self) -> str:
        """The guide's own file, relative to the KB root."""
        return self.note.path

    @property
    def title(self) -> str:
        """The guide's title."""
        return self.note.title

    @property
    def broken(self) -> list[Step]:
        """Steps whose link leads to no note."""
        return [step for step in self.steps if step.broken]

    def read_count(self, read: set[str]) -> int:
        """How many steps lead to a note in ``read``."""
        return sum(1 for step in self.steps if not step.broken and step.path in read)

    def first_unread(self, read: set[str]) -> Step | None:
        """The first readable step not in ``read`` (None when every step was read)."""
        for step in self.steps:
            if not step.broken and step.path not in read:
                return step
        return None


def path_links(note: Note) -> list[Link]:
    """The links that make up a guide's reading path, in order (see the module docstring)."""
    headings = note.body.headings
    for index, heading in enumerate(headings):
        if canonical_section(heading.text) != READING_PATH:
            continue
        end = None
        for later in headings[index + 1 :]:
            if later.level <= heading.level:
                end = later.line
                break
        return [
            link
            for link in note.body.links
            if link.line > heading.line and (end is None or link.line < end)
        ]
    return list(note.body.links)


def build_guide(note: Note, targets: LinkTargets) -> Guide:
    """A guide's reading path resolved against the KB's notes and titles."""
    guide = Guide(note)
    seen: set[str] = {note.path}
    for link in path_links(note):
        target = targets.resolve(note.path, link)
        if target.path is None and target.problem is None:
            continue  # a link to a picture or an attachment is not a step
        if target.path is not None:
            if target.path in seen:
                continue
            seen.add(target.path)
            title = targets.title(target) or PurePosixPath(target.path).stem
        else:
            title = link_text(link)
        number = len(guide.steps) + 1
        guide.steps.append(Step(number, link, target.path, title, target.problem, target.kb))
    return guide


def load_guides(kb: KB) -> tuple[list[Guide], list[Problem]]:
    """Every guide of the KB (by title) with its reading path, and problems met finding
    the notes and reading the guides. Only the guides are parsed, and the notes their
    steps lead to (for their titles): a KB of 20,000 notes is not read whole."""
    from kb.notes.naming import Candidates
    from kb.notes.of_type import sources_of_type

    sources, problems = kb.sources()
    candidates = Candidates(sources, kb.load)
    targets = LinkTargets.of_files(list(candidates.by_rel), candidates.title, kb.root)
    guides: list[Guide] = []
    for source in sources_of_type(kb.root, sources, GUIDE_TYPE, kb.settings.max_file_bytes):
        note, found = kb.load(source)
        problems.extend(found)
        if note is not None and note.kind != TICKET_KIND and note.type == GUIDE_TYPE:
            guide = build_guide(note, targets)
            for step in guide.steps:
                # A file named like a note that is none (binary, too big): a broken step.
                linked = candidates.by_rel.get(step.path or "") if step.kb is None else None
                if linked is not None and candidates.note(linked.rel) is None:
                    _, why = kb.load(linked)
                    step.problem = why[0].message if why else "not a readable note"
            guides.append(guide)
    guides.sort(key=lambda guide: (guide.title.lower(), guide.path))
    return guides, problems


def find_guide(kb: KB, name: str, guides: list[Guide]) -> Guide:
    """The guide a NAME argument names, by kb's one naming rule (:mod:`kb.notes.naming`).

    Raises AmbiguousNote (exit 2) when several guides match, KBError (exit 1) when none does.
    """
    wanted = name.strip()
    if not wanted:
        raise KBError("name a guide: a path, a file name or words of its title")
    by_path = {guide.path: guide for guide in guides}
    found = matching(wanted, list(by_path), lambda path: by_path[path].title)
    if len(found) == 1:
        return by_path[found[0]]
    if found:
        raise AmbiguousNote(wanted, [by_path[path].note for path in found])
    try:
        other = kb.note(wanted)
    except KBError:
        other = None
    if other is not None:
        kind = "ticket record" if other.kind == TICKET_KIND else f"{other.type} note"
        raise KBError(f"{other.path} is a {kind}, not a guide (see 'kb guide' for the list)", 2)
    raise KBError(f"no guide matches {wanted!r} (see 'kb guide' for the list)", 1)
