"""The line under a note's header listing its tickets: linked (with the revision given),
listed in front matter, or mentioned in the text."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from kb.tickets.linking import TicketNote

_STYLES = {"resolution": "bold green", "listed": "green", "reference": "cyan", "mentioned": "dim"}


def tickets_text(tickets: list[TicketNote]) -> Text:
    """``Tickets: INC0012345 (resolution 3f2c9a1) · HELP-482 (listed)``."""
    from kb.git.revisions import short

    text = Text("Tickets: ", style="bold")
    for index, entry in enumerate(tickets):
        if index:
            text.append(" · ", style="dim")
        text.append(entry.path, style=_STYLES.get(entry.kind, ""))
        detail = f"{entry.kind} {short(entry.rev)}" if entry.rev else entry.kind
        text.append(f" ({detail})", style="dim")
    return text


class TicketLine(Static):
    """A note's tickets, one line (hidden when the note has none)."""

    DEFAULT_CSS = """
    TicketLine {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $boost;
    }
    TicketLine.-empty {
        display: none;
    }
    """

    def on_mount(self) -> None:
        """Hidden until the note's tickets are known."""
        self.add_class("-empty")

    def show_tickets(self, tickets: list[TicketNote]) -> None:
        """Show these tickets (or hide the line when there are none)."""
        self.set_class(not tickets, "-empty")
        self.update(tickets_text(tickets) if tickets else "")
