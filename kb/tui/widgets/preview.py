"""The rendered preview of the highlighted search hit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from kb.tui.links import to_markdown_links
from kb.tui.widgets.note_header import NoteHeader

if TYPE_CHECKING:
    from kb.notes.note import Note


class NotePreview(VerticalScroll, can_focus=False):
    """A note's header line and its body rendered as Markdown (links are followed in the
    note view, not here)."""

    DEFAULT_CSS = """
    NotePreview {
        background: $surface;
        & > Markdown {
            padding: 0 1;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: The path of the note shown, None when empty.
        self.path: str | None = None

    def compose(self) -> ComposeResult:
        yield NoteHeader()
        yield Markdown(open_links=False)

    def show_note(self, note: Note) -> None:
        """Render this note."""
        self.path = note.path
        self.query_one(NoteHeader).show_note(note)
        self.query_one(Markdown).update(to_markdown_links(note.body_text))
        self.scroll_home(animate=False)

    def clear(self) -> None:
        """Show nothing (no hit is highlighted)."""
        self.path = None
        self.query_one(NoteHeader).update("")
        self.query_one(Markdown).update("")
