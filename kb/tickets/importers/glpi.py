"""GLPI ticket lists exported as CSV: ``;`` between cells, headers as the screen labels them
(in English or French), HTML content (sometimes escaped twice), status names or numbers.

GLPI numbers its tickets ``1234`` (written ``1 234`` in French exports); kb names them
``GLPI-1234``.
"""

from __future__ import annotations

from kb.tickets.importers.common import (
    Columns,
    Parsed,
    parse_date,
    plain_text,
    read_csv,
    require_id,
)
from kb.tickets.importers.csvfile import CsvExport
from kb.tickets.records import TicketRecord

FORMAT = "glpi"
PREFIX = "GLPI-"
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("ID",),
    "title": ("Title", "Titre", "Name", "Nom"),
    "status": ("Status", "Statut"),
    "opened": ("Opening date", "Date d'ouverture", "Date"),
    "resolved": ("Resolution date", "Date de résolution", "Closing date", "Date de clôture"),
    "caller": (
        "Requester - Requester",
        "Demandeur - Demandeur",
        "Requester",
        "Demandeur",
    ),
    "assignee": (
        "Assigned to - Technician",
        "Attribué à - Technicien",
        "Technician",
        "Technicien",
        "Assigned to",
        "Attribué à",
    ),
    "category": ("Category", "Catégorie"),
    "description": ("Description", "Content", "Contenu"),
    "resolution": ("Solution - Solution", "Solution"),
}
#: GLPI's status numbers, as some exports and the API give them.
STATUS_NAMES = {
    "1": "New",
    "2": "Processing (assigned)",
    "3": "Processing (planned)",
    "4": "Pending",
    "5": "Solved",
    "6": "Closed",
}


def looks_like(columns: Columns, delimiter: str) -> bool:
    """True for a GLPI CSV header (``;``-separated, ``ID`` and a title column)."""
    return (
        delimiter == ";"
        and columns.has("ID")
        and any(columns.has(name) for name in FIELDS["title"])
    )


def parse_csv(export: CsvExport, parsed: Parsed) -> None:
    """Read a GLPI CSV export (dates in GLPI's day-first order)."""

    def make(columns: Columns, cells: list[str]) -> TicketRecord:
        def get(key: str) -> str:
            return columns.value(cells, *FIELDS[key])

        status = get("status")
        return TicketRecord(
            id=require_id(get("id"), PREFIX),
            title=plain_text(get("title")),
            status=STATUS_NAMES.get(status, status),
            opened=parse_date(get("opened"), day_first=True),
            resolved=parse_date(get("resolved"), day_first=True),
            caller=get("caller"),
            assignee=get("assignee"),
            category=get("category").replace(" > ", " / "),
            description=plain_text(get("description")),
            resolution=plain_text(get("resolution")),
            source=FORMAT,
        )

    read_csv(export, make, parsed)
