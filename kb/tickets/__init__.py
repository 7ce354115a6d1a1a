"""Tickets: notes linked to the tickets they solved, ticket records (``tickets/<ID>.md``), the
ticket view, and service-desk exports read into records (:mod:`kb.tickets.importers`).
"""

from kb.tickets.linking import LinkOutcome, TicketNote, TicketView, link, ticket_view, unlink
from kb.tickets.records import TicketRecord

__all__ = [
    "LinkOutcome",
    "TicketNote",
    "TicketRecord",
    "TicketView",
    "link",
    "ticket_view",
    "unlink",
]
