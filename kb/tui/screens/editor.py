"""The built-in editor: a note's whole file (front matter included) in a text area."""

from __future__ import annotations

import importlib.util
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, TextArea

from kb.tui.display import one_line
from kb.tui.messages import NoteSaved, NoteTextLoaded
from kb.tui.screens.base import KBScreen, report_saved


def markdown_language() -> str | None:
    """ "markdown" when syntax highlighting for it is installed, else None (plain text)."""
    if importlib.util.find_spec("tree_sitter_markdown") is None:
        return None
    return "markdown"


class EditorScreen(KBScreen):
    """Edit a note; ctrl+s saves (commit and reindex), escape leaves (asking if unsaved)."""

    CSS_PATH = "editor.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("escape", "close", "Close", id="close-editor"),
    ]

    def __init__(self, path: str) -> None:
        super().__init__()
        #: The note's path relative to the KB root.
        self.path = path
        #: The text as last read or saved; None until the file is read.
        self.saved_text: str | None = None
        #: True once this editor saved at least once (the note view then reloads).
        self.saved_once = False
        self._submitted: str | None = None

    def compose(self) -> ComposeResult:
        editor = TextArea(language=markdown_language(), id="editor", disabled=True)
        editor.border_title = self.path
        yield editor
        yield Footer()

    def on_mount(self) -> None:
        """Read the file in a thread."""
        self.sub_title = f"Editing {self.path}"
        self.load_text()

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load_text(self) -> None:
        """Read the note's full text."""
        text = self.shared.kb.read_text(self.path)
        self.post_message(NoteTextLoaded(self.path, text))

    def on_note_text_loaded(self, message: NoteTextLoaded) -> None:
        """Put the text in the editor and hand it the keyboard."""
        self.saved_text = message.text
        editor = self.query_one(TextArea)
        editor.load_text(message.text)
        editor.disabled = False
        editor.focus()

    @property
    def modified(self) -> bool:
        """True when the text differs from what is on disk."""
        return self.saved_text is not None and self.query_one(TextArea).text != self.saved_text

    def action_save(self) -> None:
        """Save: atomic write, commit and reindex, in a thread."""
        if self.saved_text is None:
            return
        if not self.modified:
            self.notify("No changes to save")
            return
        self._submitted = self.query_one(TextArea).text
        self.save_text(self._submitted, self.saved_text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def save_text(self, text: str, before: str | None = None) -> None:
        """Write the text through kb.save_text (the one place saves reach git and the index).

        Fixing a flagged note (real changes besides the flag) clears its flag in the same save.
        """
        from kb.flags import cleared_by_edit
        from kb.notes import parse_note

        if before is not None:
            text = cleared_by_edit(before, text) or text
        title = parse_note(self.path, text).title
        # kb.save_text is the one place a save goes: atomic write, then the git commit
        # (commit-on-save hooks in there), then the index update.
        with self.shared.writing() as kb:
            saved = kb.save_text(self.path, text, f"Edit: {one_line(title)}")
        self.post_message(NoteSaved(saved, text))

    def on_note_saved(self, message: NoteSaved) -> None:
        """The text on disk is now the saved text."""
        if message.text is not None:
            self.saved_text = message.text
            editor = self.query_one(TextArea)
            if message.text != self._submitted:
                self.notify("Flag cleared: the note was fixed", markup=False)
                if editor.text == self._submitted:
                    # The flag lines went on save: show the text as it is on disk.
                    row, column = editor.cursor_location
                    removed = self._submitted.count("\n") - message.text.count("\n")
                    editor.load_text(message.text)
                    editor.cursor_location = (max(0, row - removed), column)
        self.saved_once = True
        report_saved(self, message.saved)

    def action_close(self) -> None:
        """Leave the editor; unsaved changes are only dropped after asking."""
        if not self.modified:
            self.dismiss(self.saved_once)
            return
        from kb.tui.screens.confirm import ConfirmScreen

        def decided(discard: bool | None) -> None:
            if discard:
                self.dismiss(self.saved_once)

        self.app.push_screen(
            ConfirmScreen("Discard your changes to this note?", "Discard", "Keep editing"),
            decided,
        )
