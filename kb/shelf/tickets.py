"""A ticket as every configured KB knows it: the notes each KB ties to it, and its record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kb.notes.errors import KBError

if TYPE_CHECKING:
    from kb.knowledgebase import KnowledgeBase
    from kb.tickets.linking import TicketView


def ticket_everywhere(
    kbs: Sequence[tuple[str, KnowledgeBase]], value: str, *, refresh: bool = True
) -> tuple[TicketView, list[str]]:
    """The ticket ``value`` names, with the notes of every KB in ``kbs`` (name, KB) tied to
    it, and each note's KB name. The record comes from the first KB that has one. A KB that
    knows nothing of the ticket, or cannot answer, leaves out only its own notes; KBError
    (exit 1) when none knows it, (exit 2) for something that is not a ticket id."""
    from kb.tickets.linking import ticket_id, ticket_view

    view: TicketView | None = None
    names: list[str] = []
    for name, kb in kbs:
        try:
            found = ticket_view(kb, value, refresh=refresh)
        except KBError as exc:
            if exc.code == 2 or len(kbs) == 1:
                raise
            continue
        if view is None:
            view, names = found, [name] * len(found.notes)
            continue
        view.notes += found.notes
        names += [name] * len(found.notes)
        if view.record is None and found.record is not None:
            view.record, view.url = found.record, view.url or found.url
    if view is None:
        every = ", ".join(name for name, _kb in kbs)
        shown = ticket_id(kbs[0][1], value) if kbs else value.strip()
        raise KBError(
            f"no ticket {shown} in any KB ({every}): no record, no linked note, no mention", 1
        )
    return view, names
