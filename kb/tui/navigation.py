"""Requests a screen makes to go somewhere else in the app: open a note, edit it, search home.

A screen posts one of these and the app (kb.tui.navigator) decides how to show it, so that
no screen imports the app or another screen to move on. They bubble from the screen to the
app; a screen may handle one itself first and stop it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from kb.notes.protocol import Saved


class OpenNote(Message):
    """Show a note on top of the current screen; at a revision, read-only."""

    def __init__(self, path: str, revision: str = "", ticket: str = "") -> None:
        super().__init__()
        #: The note's path relative to the KB root.
        self.path = path
        #: A commit to show the note at ("" for the note as it is now).
        self.revision = revision
        #: The ticket the revision was given for, named in the banner.
        self.ticket = ticket


class EditNote(Message):
    """Open a note in the built-in editor."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class ShowHistory(Message):
    """A note's history, with the diff between any two versions."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class OpenGuide(Message):
    """Read a guide, continuing where the reader left off."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class LinkNoteToTicket(Message):
    """Ask for a ticket and link the note to it (the screen below refreshes on resume)."""

    def __init__(self, path: str, title: str = "") -> None:
        super().__init__()
        self.path = path
        self.title = title


class SearchHome(Message):
    """Back to home with this query typed in the search box, searched in full."""

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query = query


class AskQuestion(Message):
    """Capture a question to find out and get back about, prefilled with ``question``."""

    def __init__(self, question: str = "") -> None:
        super().__init__()
        self.question = question


class ResultsStale(Message):
    """Notes changed under home's results (a sync brought some in): search again."""


class CommitAnyway(Message):
    """Commit a save that looked like it held a secret, as the user confirmed."""

    def __init__(self, saved: Saved) -> None:
        super().__init__()
        self.saved = saved
