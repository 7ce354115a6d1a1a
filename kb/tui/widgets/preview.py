"""The rendered preview of the highlighted search hit."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from kb.tui.links import to_markdown_links
from kb.tui.widgets.note_header import NoteHeader

if TYPE_CHECKING:
    from kb.notes.note import Note

#: Characters of a note the preview renders: enough for several screens, small enough that
#: rendering never holds up typing (a 1 MB note is read in full in the note view).
PREVIEW_CHARS = 5_000
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


def render_body(source: str, width: int) -> Text:
    """Markdown drawn as styled lines ``width`` columns wide: Rich does the drawing, so this
    runs in a worker thread and the screen only shows the lines."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(
        width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor"
    )
    drawn = Text(no_wrap=True, overflow="crop", end="")
    for number, line in enumerate(console.render_lines(Markdown(source), pad=False)):
        if number:
            drawn.append("\n")
        for segment in line:
            if not segment.control:
                drawn.append(segment.text, segment.style)
    return drawn


class NotePreview(VerticalScroll, can_focus=False):
    """A note's header line and the start of its body rendered as Markdown (the note view
    renders it all, with links to follow).

    The body is one widget drawing Rich's Markdown, not a widget per paragraph: the screen is
    laid out again as the technician types, and a tree of blocks here would make every
    keystroke pay for it.
    """

    DEFAULT_CSS = """
    NotePreview {
        background: $surface;
        & > #preview-text {
            padding: 1 1 0 1;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: The path of the note shown, None when empty.
        self.path: str | None = None
        #: The Markdown shown (the start of the note's body).
        self.source = ""

    def compose(self) -> ComposeResult:
        yield NoteHeader()
        yield Static(id="preview-text")

    @property
    def text_width(self) -> int:
        """Columns the body is drawn in (the preview less its padding and scroll bar)."""
        return max(20, self.size.width - 4)

    def show_note(
        self, note: Note, body: Text | Content | None = None, source: str | None = None
    ) -> None:
        """Show this note: ``body`` as :func:`render_body` drew it from ``source`` (in a
        worker thread), else drawn now."""
        self.path = note.path
        if source is None or body is None:
            source = preview_text(to_markdown_links(note.body_text))
        self.source = source
        if body is None:
            body = render_body(self.source, self.text_width)
        self.query_one(NoteHeader).show_note(note)
        self.query_one("#preview-text", Static).update(body)
        self.scroll_home(animate=False)

    def clear(self) -> None:
        """Show nothing (no hit is highlighted)."""
        self.path = None
        self.source = ""
        self.query_one(NoteHeader).update("")
        self.query_one("#preview-text", Static).update("")


class PreviewDrawn(Message):
    """A note read and its body drawn for the preview, in a worker thread."""

    def __init__(self, path: str, note: Note, body: Text | Content, source: str) -> None:
        super().__init__()
        self.path = path
        self.note = note
        self.body = body
        #: The Markdown the body was drawn from.
        self.source = source
