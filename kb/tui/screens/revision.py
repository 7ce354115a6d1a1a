"""A note as it was at one revision: the version given to a caller, read-only."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.widgets import Static
from textual.worker import get_current_worker

from kb.tui.display import one_line
from kb.tui.messages import NoteLoaded
from kb.tui.screens.note import NoteScreen


class NoteRevisionScreen(NoteScreen):
    """The note view over an old version: copying works, editing opens the current version."""

    CSS_PATH: ClassVar[list[str]] = ["note.tcss", "revision.tcss"]  # type: ignore[assignment]

    def __init__(self, path: str, revision: str, ticket: str = "") -> None:
        super().__init__(path)
        self.revision = revision
        self.ticket = ticket

    def compose(self) -> ComposeResult:
        from kb.git.revisions import short

        given = f" given for {self.ticket}" if self.ticket else ""
        yield Static(
            f"Version {short(self.revision)}{given} (read-only; e edits the current version)",
            id="revision-banner",
        )
        yield from super().compose()

    @work(thread=True, exclusive=True, exit_on_error=False, group="note")
    def load_note(self) -> None:
        """Read the note from git at the revision."""
        from kb import git
        from kb.notes.note import parse_note

        worker = get_current_worker()
        kb = self.shared.kb
        text = git.show(kb.root, self.path, self.revision)
        note = parse_note(self.path, text, kb.matcher)
        if not worker.is_cancelled:
            self.post_message(NoteLoaded(self.path, note))

    def on_note_loaded(self, message: NoteLoaded) -> None:
        """Render the old version; the title says which one it is."""
        from kb.git.revisions import short

        super().on_note_loaded(message)
        message.prevent_default()  # the note view's own handler has run (just above)
        self.sub_title = f"{one_line(message.note.title)} @ {short(self.revision)}"
