"""Messages the ticket screens' workers post back to the event loop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from kb.tickets.linking import TicketNote, TicketView


class TicketLoaded(Message):
    """A ticket and its linked notes, or why it could not be shown."""

    def __init__(
        self,
        ticket: str,
        view: TicketView | None,
        error: str | None = None,
        kbs: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.ticket = ticket
        self.view = view
        self.error = error
        #: The short name of each linked note's KB (empty when the app works on one KB).
        self.kbs = kbs or []


class NoteTicketsLoaded(Message):
    """The tickets a note is tied to (links, front matter, mentions)."""

    def __init__(self, path: str, tickets: list[TicketNote]) -> None:
        super().__init__()
        self.path = path
        self.tickets = tickets
