"""The lines above a rendered note: its title, then its front matter in one compact line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from kb.tui.display import note_header

if TYPE_CHECKING:
    from kb.notes.note import Note


class NoteHeader(Static):
    """Title and "type · status · tags · tickets" of a note, never its raw YAML."""

    DEFAULT_CSS = """
    NoteHeader {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    """

    def show_note(self, note: Note, *, conflict: bool = False, kb: str = "") -> None:
        """Show this note's title and front matter line (and that a conflict waits), marked
        with its KB's short name ``kb`` when several KBs are open."""
        self.update(note_header(note, conflict=conflict, kb=kb))
