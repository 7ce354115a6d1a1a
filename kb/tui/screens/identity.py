"""Ask who the user is when git does not know: a name and an e-mail, which the app stores in
the KB's own git config (never the global one) so that every save can be committed."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from kb.tui.actions import bindings, key_of
from kb.tui.screens.dialog import DIALOG_SCREEN


class IdentityScreen(ModalScreen[tuple[str, str] | None]):
    """Name and e-mail for the KB's commits; enter on the e-mail gives both, escape None."""

    DEFAULT_CLASSES = DIALOG_SCREEN
    CSS_PATH = "identity.tcss"
    SCOPE: ClassVar[str] = "prompt"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(
                "git does not know who you are: your name goes on every note you save.",
                id="identity-title",
                classes="dialog-title",
                markup=False,
            )
            name = Input(placeholder="Ana Example", id="identity-name")
            name.border_title = "Your name"
            yield name
            email = Input(placeholder="ana@example.org", id="identity-email")
            email.border_title = "Your e-mail"
            yield email
            yield Label("", id="identity-problem", markup=False)
            yield Label(
                f"stored in this KB's git config · enter saves · {key_of(self.app, 'back')} skips",
                id="identity-keys",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Type the name at once."""
        self.query_one("#identity-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter on the name goes to the e-mail; on the e-mail it gives both when valid."""
        event.stop()
        name = " ".join(self.query_one("#identity-name", Input).value.split())
        email = self.query_one("#identity-email", Input).value.strip()
        if event.input.id == "identity-name" and not email:
            self.query_one("#identity-email", Input).focus()
            return
        problem = _problem(name, email)
        if problem:
            self.query_one("#identity-problem", Label).update(problem)
            self.query_one("#identity-email" if name else "#identity-name", Input).focus()
            return
        self.dismiss((name, email))

    def action_cancel(self) -> None:
        """Close without storing anything."""
        self.dismiss(None)


def _problem(name: str, email: str) -> str:
    if not name:
        return "Give your name."
    if "@" not in email or any(char.isspace() for char in email):
        return "Give an e-mail address (name@example.org)."
    if any(char in "<>" for char in name + email) or any(ord(c) < 32 for c in name + email):
        return "Leave out < > and control characters."
    return ""
