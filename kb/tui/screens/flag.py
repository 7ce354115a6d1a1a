"""Ask why a note needs rework, to flag it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from kb.health.flags import MAX_REASON
from kb.tui.actions import bindings, key_of
from kb.tui.screens.dialog import DIALOG_SCREEN


class FlagDialog(ModalScreen[str | None]):
    """A one-line reason; enter flags the note, escape cancels."""

    DEFAULT_CLASSES = DIALOG_SCREEN
    CSS_PATH = "flag.tcss"
    SCOPE: ClassVar[str] = "flag"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, title: str) -> None:
        super().__init__()
        self.note_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(
                f"Flag “{self.note_title}” for rework",
                id="flag-title",
                classes="dialog-title",
                markup=False,
            )
            yield Input(
                placeholder="Why? e.g. step 3 is wrong on Windows 11",
                max_length=MAX_REASON,
                id="reason",
            )
            yield Label(
                f"enter flags it · {key_of(self.app, 'back')} cancels",
                id="flag-hint",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Type the reason at once."""
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Flag with this reason (an empty one is refused)."""
        event.stop()
        reason = " ".join(event.value.split())
        if not reason:
            self.notify("Say why the note needs rework", severity="warning")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        """Close without flagging."""
        self.dismiss(None)
