"""A one-line answer over the current screen: log an update, log a call-back."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from kb.tui.actions import bindings, key_of
from kb.tui.screens.dialog import DIALOG_SCREEN


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text; enter gives it (the default, else None, when blank),
    escape gives None."""

    DEFAULT_CLASSES = DIALOG_SCREEN
    CSS_PATH = "prompt.tcss"
    SCOPE: ClassVar[str] = "prompt"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(
        self,
        title: str,
        *,
        label: str = "",
        value: str = "",
        placeholder: str = "",
        default: str = "",
        enter: str = "saves",
        back: str = "skips",
    ) -> None:
        super().__init__()
        self.title_text = title
        #: What enter and the back key do, as the hint line says it ("enter shares").
        self.enter, self.back = enter, back
        self.label = label
        self.value = value
        #: What enter gives when the field is left blank, shown as the placeholder (never as
        #: text the user would have to delete before typing their own).
        self.default = default
        self.placeholder = default or placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(self.title_text, id="prompt-title", classes="dialog-title", markup=False)
            field = Input(self.value, placeholder=self.placeholder, id="prompt-input")
            field.border_title = self.label or None
            yield field
            yield Label(
                f"enter {self.enter} · {key_of(self.app, 'back')} {self.back}",
                id="prompt-keys",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Type at once."""
        field = self.query_one(Input)
        field.focus()
        field.cursor_position = len(field.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Give the text typed (None when blank)."""
        event.stop()
        self.dismiss(" ".join(event.value.split()) or self.default or None)

    def action_cancel(self) -> None:
        """Close without text."""
        self.dismiss(None)
