"""Which files of a KB are its notes and its ticket records: the one answer for every reader.

A KB's notes are the Markdown files of ``notes/`` when that folder exists (kb's own layout),
otherwise of the folders ``kb.toml`` names (``[content] folders``), otherwise of the whole work
tree: a team's docs repository or vault is a KB where its files already are. Never notes:
hidden folders (``.git``, ``.obsidian``, ``.kb``, ...), what git ignores (and does not track),
what ``[content] exclude`` names, kb's ``templates/``, the ticket records of ``tickets/`` and
the conflict copies ``kb sync`` keeps beside a note (the note shows that one waits).
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kb.notes.conflict_copies import is_conflict_copy
from kb.notes.settings import Settings, load_settings

NOTES_FOLDER = "notes"
TICKETS_FOLDER = "tickets"
TEMPLATES_FOLDER = "templates"
#: Top folders of kb's own that never hold notes when the whole work tree does.
_KB_FOLDERS = (TICKETS_FOLDER, TEMPLATES_FOLDER)
#: Seconds git may take to list what it ignores before kb goes on without that list.
_GIT_TIMEOUT = 60


@dataclass(frozen=True)
class Content:
    """Where a KB's notes live: its note folders (``""`` is the whole work tree) and what
    is left out of them."""

    folders: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    #: Paths git ignores and does not track (folders end with ``/``), relative to the root.
    ignored: frozenset[str] = field(default_factory=frozenset)

    @property
    def whole_tree(self) -> bool:
        """True when every Markdown file of the work tree (but kb's own) is a note."""
        return "" in self.folders

    @property
    def new_note_folder(self) -> str:
        """The folder ``kb new`` writes in (``""``: the KB's top)."""
        if NOTES_FOLDER in self.folders:
            return NOTES_FOLDER
        return self.folders[0] if self.folders else NOTES_FOLDER

    def walk_roots(self) -> list[tuple[str, str]]:
        """``(folder, kind)`` to walk for a scan, ``""`` being the KB root."""
        roots = [(folder, "note") for folder in self.folders]
        return [*roots, (TICKETS_FOLDER, "ticket")]

    def kind(self, rel: str) -> str | None:
        """``"note"``, ``"ticket"`` or None for a path relative to the KB root."""
        if not rel.lower().endswith(".md"):
            return None
        parts: list[str] | tuple[str, ...] = rel.split("/")
        if "" in parts or "." in parts:
            parts = PurePosixPath(rel).parts  # "a//b.md", "./a.md": read as a path reads
            if not parts or any(part in ("", ".", "..") for part in parts):
                return None
            if any(part.startswith(".") for part in parts[:-1]):
                return None
        elif ".." in parts:
            return None
        elif len(parts) > 1 and (rel[0] == "." or "/." in rel[: -len(parts[-1])]):
            return None  # in a hidden folder
        if parts[0] == TICKETS_FOLDER and len(parts) > 1:
            return "ticket"
        if is_conflict_copy(parts[-1]):
            return None  # the other side's version of a note, until the conflict is settled
        if self.left_out(rel):
            return None
        if self.whole_tree:
            return None if parts[0] in _KB_FOLDERS and len(parts) > 1 else "note"
        for folder in self.folders:
            if rel.startswith(folder + "/"):
                return "note"
        return None

    def left_out(self, rel: str) -> bool:
        """True when ``[content] exclude`` or git's ignore rules leave a file or folder out."""
        if not self.ignored and not self.exclude:
            return False
        if rel in self.ignored or rel + "/" in self.ignored:
            return True
        parts = rel.split("/")
        for end in range(1, len(parts)):
            if "/".join(parts[:end]) + "/" in self.ignored:
                return True
        return any(_matches(rel, pattern) for pattern in self.exclude)

    def skip_folder(self, rel: str) -> bool:
        """True when a scan need not enter the folder ``rel`` (relative to the root)."""
        name = rel.rsplit("/", 1)[-1]
        if name.startswith("."):
            return True
        if self.whole_tree and rel in _KB_FOLDERS:
            return True
        return self.left_out(rel)

    def describe(self) -> str:
        """Where the notes are, in a few words ("notes/", "the whole work tree", ...)."""
        if self.whole_tree:
            return "the whole work tree"
        return ", ".join(f"{folder}/" for folder in self.folders)


#: A folder holding a translation of its sibling: ``pages.fr``, ``docs.pt_BR``, ``notes.de-AT``.
_LANGUAGE_FOLDER = re.compile(r"^[\w-]+\.([a-z]{2,3}(?:[_-][A-Za-z]{2,4})?)$")


def language_of(rel: str) -> str | None:
    """The language a note's folder marks (``pages.fr/git.md`` -> ``fr``); None when none does
    (the KB's main language)."""
    for part in PurePosixPath(rel).parts[:-1]:
        match = _LANGUAGE_FOLDER.match(part)
        if match:
            return match.group(1).lower().replace("_", "-")
    return None


def content_of(root: Path, settings: Settings | None = None, *, ignored: bool = True) -> Content:
    """Where the notes of the KB at ``root`` are. ``ignored=False`` skips asking git what
    it ignores (for a check of one path kb was asked to use)."""
    root = Path(root)
    settings = settings if settings is not None else load_settings(root)
    exclude = settings.content_exclude
    if settings.content_folders:
        folders = tuple("" if folder == "." else folder for folder in settings.content_folders)
    elif os.path.isdir(root / NOTES_FOLDER):
        folders = (NOTES_FOLDER,)
    else:
        folders = ("",)
    found = _git_ignored(root) if ignored and "" in folders else frozenset()
    return Content(folders, exclude, found)


def _matches(rel: str, pattern: str) -> bool:
    # A pattern names a path ("drafts/*.md"), a folder and all below it ("archive"), or a
    # file name anywhere ("CHANGELOG.md").
    if fnmatch.fnmatchcase(rel, pattern) or rel == pattern or rel.startswith(pattern + "/"):
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], pattern)


def _git_ignored(root: Path) -> frozenset[str]:
    """What git ignores in the work tree at ``root`` (untracked only), NUL-separated so that
    any file name comes back as it is; empty when ``root`` is not a git work tree."""
    if not os.path.exists(root / ".git"):
        return frozenset()
    try:
        done = subprocess.run(
            [
                "git",
                "-c",
                "core.quotePath=false",
                "ls-files",
                "-z",
                "--others",
                "--ignored",
                "--exclude-standard",
                "--directory",
            ],
            cwd=root,
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    if done.returncode != 0:
        return frozenset()
    names = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    return frozenset(name for name in names if name)
