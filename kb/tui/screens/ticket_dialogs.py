"""Dialogs for tickets: look a ticket up by id, and link a note to a ticket."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from kb.tui.actions import bindings
from kb.tui.screens.base import KBModalScreen
from kb.tui.ticket_messages import TicketLinked

if TYPE_CHECKING:
    from kb.tickets.linking import LinkOutcome


def _recent_ticket(root: object) -> str:
    from pathlib import Path

    from kb.notes.local_state import recent_ticket

    return recent_ticket(Path(str(root))) or ""


class TicketPrompt(KBModalScreen):
    """Ask for a ticket id (the recent ticket offered); dismissed with the id, or None."""

    CSS_PATH = "ticket_dialogs.tcss"
    SCOPE: ClassVar[str] = "ticket-prompt"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def compose(self) -> ComposeResult:
        recent = _recent_ticket(self.shared.kb.root)
        with Vertical(id="dialog", classes="dialog"):
            yield Label("Look up a ticket", classes="dialog-title")
            yield Input(value=recent, placeholder="INC0012345, HELP-482 …", id="ticket-id")
            yield Static("", id="ticket-error", classes="dialog-error")
            yield Label(f"enter shows it · {self.key('back')} cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        """Cursor in the id box, the recent ticket selected so typing replaces it."""
        box = self.query_one("#ticket-id", Input)
        box.focus()
        if box.value:
            box.select_all()

    @on(Input.Submitted, "#ticket-id")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not self.shared.kb.matcher.is_ticket_id(value):
            self.query_one("#ticket-error", Static).update(
                f"“{value}” does not look like a ticket id" if value else "Type a ticket id"
            )
            return
        from kb.notes.ticket_ids import normalize

        self.dismiss(normalize(value))

    def action_cancel(self) -> None:
        """Close without looking anything up."""
        self.dismiss(None)


class LinkTicketDialog(KBModalScreen):
    """Link a note to a ticket: id (recent ticket offered), resolution or reference; the link
    is saved in a worker. Dismissed with the LinkOutcome, or None when cancelled."""

    CSS_PATH = "ticket_dialogs.tcss"
    SCOPE: ClassVar[str] = "link-ticket"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, path: str, title: str = "") -> None:
        super().__init__()
        self.path = path
        self.note_title = title or path
        self._saving = False

    def compose(self) -> ComposeResult:
        recent = _recent_ticket(self.shared.kb.root)
        kind_key = self.key("link-kind")
        with Vertical(id="dialog", classes="dialog"):
            yield Label(f"Link “{self.note_title}” to a ticket", classes="dialog-title")
            yield Input(value=recent, placeholder="INC0012345, HELP-482 …", id="ticket-id")
            with RadioSet(id="link-kind"):
                yield RadioButton("It solved the ticket (resolution)", value=True, id="resolution")
                yield RadioButton("It informed the ticket (reference)", id="reference")
            yield Static("", id="ticket-error", classes="dialog-error")
            yield Label(
                f"enter links · {kind_key} resolution/reference · {self.key('back')} cancels",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Cursor in the id box, the recent ticket selected so typing replaces it."""
        box = self.query_one("#ticket-id", Input)
        box.focus()
        if box.value:
            box.select_all()

    @property
    def kind(self) -> str:
        """The chosen kind of link."""
        pressed = self.query_one(RadioSet).pressed_button
        return "reference" if pressed is not None and pressed.id == "reference" else "resolution"

    def action_toggle_kind(self) -> None:
        """Switch between resolution and reference."""
        target = "#resolution" if self.kind == "reference" else "#reference"
        self.query_one(target, RadioButton).value = True

    @on(Input.Submitted, "#ticket-id")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not self.shared.kb.matcher.is_ticket_id(value):
            self.query_one("#ticket-error", Static).update(
                f"“{value}” does not look like a ticket id" if value else "Type a ticket id"
            )
            return
        if self._saving:
            return
        self._saving = True
        self.query_one("#ticket-error", Static).update("Linking …")
        self.save_link(value, self.kind)

    @work(thread=True, exclusive=True, exit_on_error=False, group="link-ticket")
    def save_link(self, ticket: str, kind: str) -> None:
        """Record the link (commit, reindex) away from the event loop."""
        from kb.notes.local_state import remember_ticket

        try:
            with self.shared.writing() as kb:
                outcome = kb.link(self.path, ticket, kind)
                remember_ticket(kb.root, outcome.ticket)
        finally:
            self._saving = False
        self.post_message(TicketLinked(outcome))

    def on_ticket_linked(self, message: TicketLinked) -> None:
        """Done: close with what happened."""
        self.dismiss(message.outcome)

    def on_worker_state_changed(self, event: object) -> None:
        """A failed save stays open with the reason."""
        from textual.worker import Worker, WorkerState

        from kb.tui.screens.base import error_text

        super().on_worker_state_changed(event)  # type: ignore[arg-type]
        if isinstance(event, Worker.StateChanged) and event.state == WorkerState.ERROR:
            self.query_one("#ticket-error", Static).update(error_text(event.worker.error))

    def action_cancel(self) -> None:
        """Close without linking."""
        self.dismiss(None)


def link_report(outcome: LinkOutcome) -> str:
    """One line saying what a link did."""
    from kb.git.revisions import short

    revision = f", revision {short(outcome.rev)}" if outcome.rev else ""
    if not outcome.changed:
        return f"{outcome.ticket} was already linked to this note ({outcome.kind}{revision})"
    return f"Linked {outcome.ticket} → {outcome.title} ({outcome.kind}{revision})"
