"""What the capabilities ask of a KB: a small protocol, so that none of them imports the facade.

:class:`kb.knowledgebase.KnowledgeBase` has every operation here; a capability (tickets,
questions, guides, health, sync) takes any object that does, and so depends on this layer
only. :class:`Saved` is what a save returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kb.git.committing import CommitResult
    from kb.notes.files import SourceFile
    from kb.notes.note import Note
    from kb.notes.problems import Problem
    from kb.notes.secrets import SecretRules
    from kb.notes.settings import Settings
    from kb.notes.ticket_ids import TicketMatcher
    from kb.search.index import IndexReport, Progress
    from kb.search.results import Results


@dataclass
class Saved:
    """A note written by kb: where, and what happened in git."""

    path: str
    commit: CommitResult | None = None
    #: Why the note is not searchable yet, if it is not.
    index_warning: str | None = None
    #: The commit message, and every path of the save (to commit again when allowed).
    message: str = ""
    paths: list[str] = field(default_factory=list)
    #: Things the technician should know about the save (a team template not used, ...).
    warnings: list[str] = field(default_factory=list)
    #: The text written, when kb wrote one note's text (it may hold others' changes too).
    text: str | None = None


class KB(Protocol):
    """The operations of a KB that tickets, questions, guides, health and sync use."""

    root: Path
    settings: Settings
    matcher: TicketMatcher
    #: Commit text that looks like a secret anyway (the user said it is fine).
    allow_secrets: bool

    @property
    def secret_rules(self) -> SecretRules:
        """How secrets are recognised in this KB."""
        ...

    def sources(self) -> tuple[list[SourceFile], list[Problem]]:
        """The KB's Markdown files and the problems met finding them."""
        ...

    def load(self, source: SourceFile) -> tuple[Note | None, list[Problem]]:
        """Read one file as a note (None when it cannot be read as text)."""
        ...

    def notes(self) -> tuple[list[Note], list[Problem]]:
        """Every readable note and ticket record, and every problem found on the way."""
        ...

    def find(self, reference: str) -> SourceFile:
        """The file a NOTE argument names (see :mod:`kb.notes.naming`)."""
        ...

    def note(self, reference: str) -> Note:
        """The note a NOTE argument names."""
        ...

    def note_not_ticket(self, reference: str) -> Note:
        """Like :meth:`note`, but title words that also match ticket records mean the note."""
        ...

    def read_text(self, rel: str) -> str:
        """The current text of a KB file."""
        ...

    def new_note(
        self,
        title: str,
        *,
        note_type: str | None = None,
        tickets: list[str] | None = None,
        tags: list[str] | None = None,
        body: str | None = None,
        commit: bool = True,
    ) -> Saved:
        """Write, commit and index a new note."""
        ...

    def change_text(
        self, rel: str, change: Callable[[str], tuple[str, str] | None], *, commit: bool = True
    ) -> Saved | None:
        """Change a note in place under its lock, then commit and reindex it."""
        ...

    def record_edit(self, rel: str, message: str, *, commit: bool = True) -> Saved:
        """After a note was changed in place: commit it and reindex it."""
        ...

    def record_changes(self, rels: list[str], message: str, *, commit: bool = True) -> Saved:
        """After kb wrote several files: one commit, one reindex."""
        ...

    def search(
        self, query: str, limit: int = 10, *, refresh: bool = True, budget: float | None = None
    ) -> Results:
        """Hits for ``query``, best first."""
        ...

    def has_index(self) -> bool:
        """True when a usable search index exists."""
        ...

    def reindex(
        self,
        *,
        rebuild: bool = False,
        progress: Progress | None = None,
        only: list[str] | None = None,
    ) -> IndexReport:
        """Bring the index in step with the files (only the paths ``only``, when given)."""
        ...

    def refresh(self) -> IndexReport | None:
        """Take in what changed on disk since the index last caught up (None: nothing)."""
        ...

    def compact_index(self) -> int:
        """Drop replaced notes' old versions from the index's statistics; how many went."""
        ...

    def finish_interrupted_import(self) -> list[str]:
        """Commit the ticket records an interrupted import wrote and did not commit; their
        paths (none when no import was interrupted)."""
        ...
