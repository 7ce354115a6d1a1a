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

#: Characters of a note the preview renders: enough for several screens, small enough that
#: rendering never holds up typing (a 1 MB note is read in full in the note view).
PREVIEW_CHARS = 12_000
_SHORTENED = "\n\n---\n\n*The preview shows the start of this note: open it to read it all.*\n"


def preview_text(body: str, limit: int = PREVIEW_CHARS) -> str:
    """The start of a note's Markdown for the preview: cut at a line end, with a code block
    left open by the cut closed, and a line saying there is more."""
    if len(body) <= limit:
        return body
    cut = body.rfind("\n", 0, limit)
    head = body[: cut if cut > 0 else limit]
    fences = sum(1 for line in head.splitlines() if line.lstrip().startswith(("```", "~~~")))
    if fences % 2:
        head += "\n```"
    return head + _SHORTENED


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
        self.query_one(Markdown).update(to_markdown_links(preview_text(note.body_text)))
        self.scroll_home(animate=False)

    def clear(self) -> None:
        """Show nothing (no hit is highlighted)."""
        self.path = None
        self.query_one(NoteHeader).update("")
        self.query_one(Markdown).update("")
