"""A yes/no question over the current screen (discard unsaved changes?)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from kb.tui.actions import bindings, key_of
from kb.tui.screens.dialog import DIALOG_SCREEN


class ConfirmScreen(ModalScreen[bool]):
    """Ask a question; dismissed with True for yes, False for no (escape is no)."""

    DEFAULT_CLASSES = DIALOG_SCREEN
    CSS_PATH = "confirm.tcss"
    SCOPE: ClassVar[str] = "confirm"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        yes, no = key_of(self.app, "confirm-yes"), key_of(self.app, "confirm-no")
        with Vertical(id="dialog", classes="dialog"):
            yield Label(self.question, id="question", markup=False)
            with Horizontal(id="buttons"):
                yield Button(f"{self.yes} ({yes})", variant="error", id="yes")
                yield Button(f"{self.no} ({no})", variant="primary", id="no")

    def on_mount(self) -> None:
        """The safe answer has focus: enter keeps the user's work."""
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with the button pressed."""
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        """Answer by key."""
        self.dismiss(yes)
