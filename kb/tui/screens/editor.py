"""The built-in editor: a note's body in a text area, its front matter folded into one line
above it (a key shows the whole file); a note without readable front matter shows whole."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static, TextArea

from kb.tui.actions import bindings, key_of
from kb.tui.display import one_line
from kb.tui.messages import NoteSaved, NoteTextLoaded
from kb.tui.screens.base import KBScreen, report_saved
from kb.tui.screens.editor_fold import Folded, fold
from kb.tui.widgets.footer import KBFooter


def markdown_language() -> str | None:
    """ "markdown" when syntax highlighting for it is installed, else None (plain text)."""
    if importlib.util.find_spec("tree_sitter_markdown") is None:
        return None
    return "markdown"


class EditorScreen(KBScreen):
    """Edit a note; ctrl+s saves (commit and reindex), escape leaves (asking if unsaved),
    ctrl+f shows or folds the front matter."""

    CSS_PATH = "editor.tcss"
    SCOPE: ClassVar[str] = "editor"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, path: str) -> None:
        super().__init__()
        #: The note's path relative to the KB root.
        self.path = path
        #: The text as last read or saved; None until the file is read.
        self.saved_text: str | None = None
        #: True once this editor saved at least once (the note view then reloads).
        self.saved_once = False
        self._submitted: str | None = None
        #: The front matter kept aside while folded (the text area holds the body); None when
        #: the text area holds the whole file.
        self.folded: Folded | None = None

    def compose(self) -> ComposeResult:
        line = Static(id="front-matter", markup=False)
        line.display = False  # until the note is read
        yield line
        editor = TextArea(language=markdown_language(), id="editor", disabled=True)
        editor.border_title = self.path
        yield editor
        yield KBFooter()

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
        """Put the body in the editor (the front matter folded) and hand it the keyboard.

        The cursor starts in the body: a keystroke typed straight away goes into the note's
        text, never above the front matter where it would turn the block into text. Broken
        front matter is shown whole, so that it can be fixed.
        """
        self.saved_text = message.text
        editor = self.query_one(TextArea)
        self._show(message.text, folding=True, cursor=None)
        editor.disabled = False
        editor.focus()

    @property
    def text(self) -> str:
        """The whole file as a save would write it: the folded front matter as it was read,
        then the body in the editor (or the editor's text when nothing is folded)."""
        body = self.query_one(TextArea).text
        return self.folded.whole(body) if self.folded is not None else body

    @property
    def modified(self) -> bool:
        """True when the text differs from what is on disk."""
        return self.saved_text is not None and self.text != self.saved_text

    def after_typed_keys(self, action: Callable[[], object]) -> None:
        """Run ``action`` once the text area has taken the keys sent before it.

        ctrl+s and ctrl+f are priority keys: the app acts on them as they arrive, while keys
        typed just before (a paste, a burst over a slow link) may still wait in the text
        area's queue. Queued behind them, the action sees the text as typed.
        """
        self.query_one(TextArea).call_later(action)

    def action_toggle_front_matter(self) -> None:
        """Show the whole file, or fold the front matter again when it still parses."""
        self.after_typed_keys(self._toggle_front_matter)

    def _toggle_front_matter(self) -> None:
        if self.saved_text is None:
            return
        editor = self.query_one(TextArea)
        row, column = editor.cursor_location
        if self.folded is not None:
            self._show(self.text, folding=False, cursor=(row + self.folded.rows, column))
            return
        folded = fold(editor.text)
        if isinstance(folded, str):
            why = one_line(folded)
            self.notify(f"Front matter not folded: {why}", severity="warning", markup=False)
            return
        self._show(editor.text, folding=True, cursor=(row, column))

    def _show(self, text: str, *, folding: bool, cursor: tuple[int, int] | None) -> None:
        """Load ``text`` (a whole file) with its front matter folded when ``folding`` and it
        parses, else whole; ``cursor`` is a place in the whole file (None: the body's start)."""
        from kb.notes import frontmatter

        editor = self.query_one(TextArea)
        front = frontmatter.parse(text)
        folded = fold(text, front) if folding else None
        self.folded = folded if isinstance(folded, Folded) else None
        row, column = cursor or (0, 0)
        if self.folded is not None:
            editor.load_text(self.folded.body)
            # A place inside the folded block becomes the body's start.
            row, column = (row - self.folded.rows, column) if row >= self.folded.rows else (0, 0)
        else:
            editor.load_text(text)
            if cursor is None and front.present and not front.error:
                row = front.body_line - 1
        editor.cursor_location = (row, column)
        editor.scroll_cursor_visible(animate=False)
        # The line above the text: what the folded front matter holds, or that it is shown.
        key = key_of(self.app, "toggle-front-matter", [self.SCOPE])
        if self.folded is not None:
            words = f"Front matter ({key} shows it): {self.folded.summary}"
        elif front.present and front.error:
            words = f"Front matter shown in full: {one_line(front.error)}"
        elif front.present:
            words = f"Front matter shown in full ({key} folds it)"
        else:
            words = ""
        line = self.query_one("#front-matter", Static)
        line.update(Text(words))
        line.display = bool(words)

    def action_save(self) -> None:
        """Save: atomic write, commit and reindex, in a thread."""
        self.after_typed_keys(self._save)

    def _save(self) -> None:
        if self.saved_text is None:
            return
        if not self.modified:
            self.notify("No changes to save")
            return
        text = self.text
        from kb.notes.front_matter_guard import front_matter_damage

        damage = front_matter_damage(self.saved_text, text)
        if damage is None:
            self._submit(text)
            return
        from kb.tui.screens.confirm import ConfirmScreen

        def decided(save: bool | None) -> None:
            if save:
                self._submit(text)

        self.app.push_screen(
            ConfirmScreen(
                f"This save would break the note's front matter: {damage.summary}.\n"
                f"These lines would be lost:\n{damage.difference()}",
                "Save anyway",
                "Keep editing",
            ),
            decided,
        )

    def _submit(self, text: str) -> None:
        self._submitted = text
        self.save_text(text, self.saved_text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def save_text(self, text: str, before: str | None = None) -> None:
        """Write the text through kb.save_text (the one place saves reach git and the index).

        Fixing a flagged note (real changes besides the flag) clears its flag in the same save.
        """
        from kb.notes.flags import cleared_by_edit
        from kb.notes.note import parse_note

        cleared = cleared_by_edit(before, text) if before is not None else None
        text = cleared or text
        title = parse_note(self.path, text).title
        # kb.save_text is the one place a save goes: atomic write, then the git commit
        # (commit-on-save hooks in there), then the index update. With the text the editor
        # started from, it keeps what another kb saved meanwhile (an update logged).
        with self.shared.writing() as kb:
            saved = kb.save_text(self.path, text, f"Edit: {one_line(title)}", base=before)
        if cleared is not None:
            self.app.call_from_thread(self.notify, "Flag cleared: the note was fixed")
        self.post_message(NoteSaved(saved, saved.text if saved.text is not None else text))

    def on_note_saved(self, message: NoteSaved) -> None:
        """The text on disk is now the saved text."""
        if message.text is not None:
            shown = self.text
            if shown == self._submitted or self._submitted is None:
                self.saved_text = message.text
                if message.text != shown:
                    # The flag lines went, or another kb's changes came in: show the text as
                    # it is on disk, folded as it was.
                    row, column = self.query_one(TextArea).cursor_location
                    row += self.folded.rows if self.folded is not None else 0
                    row = _row_after(shown, message.text, row)
                    folding = self.folded is not None
                    self._show(message.text, folding=folding, cursor=(row, column))
            else:
                # Typed on while saving: the next save merges from the text this one sent,
                # so that what came in from disk stays.
                self.saved_text = self._submitted
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


def _row_after(old: str, new: str, row: int) -> int:
    """Where line ``row`` of ``old`` is in ``new``: moved by the lines added or removed above it."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    first = next(
        (i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b),
        min(len(old_lines), len(new_lines)),
    )
    if row <= first:
        return row
    return max(0, row + len(new_lines) - len(old_lines))
