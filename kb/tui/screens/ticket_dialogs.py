"""Dialogs for tickets: look a ticket up by id, and link a note to a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from kb.tui.actions import bindings
from kb.tui.screens.base import KBModalScreen

if TYPE_CHECKING:
    from kb.tickets.linking import LinkOutcome


def _id_box(recent: str) -> Input:
    """The ticket id box: the recent ticket is a placeholder that enter takes when the box is
    left blank, never text to delete before typing another id."""
    hint = f"{recent}  (enter takes it, or type another id)" if recent else "INC0012345, HELP-482 …"
    return Input(placeholder=hint, id="ticket-id")


def _recent_ticket(root: object) -> str:
    from pathlib import Path

    from kb.notes.local_state import recent_ticket

    return recent_ticket(Path(str(root))) or ""


@dataclass(frozen=True)
class LinkRequest:
    """What the link dialog was asked to record: the note, the ticket and the kind of link."""

    path: str
    ticket: str
    kind: str


class TicketPrompt(KBModalScreen):
    """Ask for a ticket id (the recent ticket offered); dismissed with the id, or None."""

    CSS_PATH = "ticket_dialogs.tcss"
    SCOPE: ClassVar[str] = "ticket-prompt"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)
    #: The ticket linked or looked up last (offered as the placeholder).
    recent = ""

    def compose(self) -> ComposeResult:
        recent = self.recent = _recent_ticket(self.shared.kb.root)
        with Vertical(id="dialog", classes="dialog"):
            yield Label("Look up a ticket", classes="dialog-title")
            yield _id_box(recent)
            yield Static("", id="ticket-error", classes="dialog-error")
            yield Label(f"enter shows it · {self.key('back')} cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        """Cursor in the id box at once (keys typed meanwhile follow it)."""
        self.set_focus(self.query_one("#ticket-id", Input))

    @on(Input.Submitted, "#ticket-id")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip() or self.recent
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
    is saved by the app's worker. Dismissed with a LinkRequest, or None when cancelled."""

    CSS_PATH = "ticket_dialogs.tcss"
    SCOPE: ClassVar[str] = "link-ticket"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, path: str, title: str = "") -> None:
        super().__init__()
        self.path = path
        self.note_title = title or path
        self._saving = False
        #: The ticket linked or looked up last (offered as the placeholder).
        self.recent = ""

    def compose(self) -> ComposeResult:
        recent = self.recent = _recent_ticket(self.shared.kb.root)
        kind_key = self.key("link-kind")
        with Vertical(id="dialog", classes="dialog"):
            yield Label(f"Link “{self.note_title}” to a ticket", classes="dialog-title")
            yield _id_box(recent)
            with RadioSet(id="link-kind"):
                yield RadioButton("It solved the ticket (resolution)", value=True, id="resolution")
                yield RadioButton("It informed the ticket (reference)", id="reference")
            yield Static("", id="ticket-error", classes="dialog-error")
            yield Label(
                f"enter links · {kind_key} resolution/reference · {self.key('back')} cancels",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Cursor in the id box at once (keys typed meanwhile follow it)."""
        self.set_focus(self.query_one("#ticket-id", Input))

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
        value = event.value.strip() or self.recent
        if not self.shared.kb.matcher.is_ticket_id(value):
            self.query_one("#ticket-error", Static).update(
                f"“{value}” does not look like a ticket id" if value else "Type a ticket id"
            )
            return
        # The commit and reindex run in the app's worker: the dialog closes at once and
        # the note under it is usable while git works.
        self.dismiss(LinkRequest(self.path, value, self.kind))

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
