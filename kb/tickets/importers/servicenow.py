"""ServiceNow incident (and other task) exports: CSV with field names as headers and display
values in the cells, and JSON (``{"records": [...]}``, the Table API's ``{"result": [...]}``
or a plain list)."""

from __future__ import annotations

import re
from typing import Any

from kb.tickets.importers.common import (
    Columns,
    Parsed,
    json_items,
    parse_date,
    plain_text,
    read_csv,
    read_records,
    require_id,
)
from kb.tickets.importers.common import display as _display
from kb.tickets.importers.csvfile import CsvExport
from kb.tickets.records import Comment, TicketRecord

FORMAT = "servicenow"
#: Field names (and the column labels some exports use instead) for each record field.
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("number", "Number"),
    "title": ("short_description", "Short description"),
    "status": ("state", "incident_state", "State", "Incident state"),
    "opened": ("opened_at", "sys_created_on", "Opened", "Created"),
    "resolved": ("resolved_at", "closed_at", "Resolved", "Closed"),
    "caller": ("caller_id", "opened_by", "requested_for", "Caller", "Opened by"),
    "assignee": ("assigned_to", "Assigned to"),
    "category": ("category", "Category"),
    "subcategory": ("subcategory", "Subcategory"),
    "description": ("description", "Description"),
    "resolution": ("close_notes", "Resolution notes", "Close notes"),
    "close_code": ("close_code", "Resolution code", "Close code"),
    "journal": (
        "comments_and_work_notes",
        "Comments and Work notes",
        "comments",
        "Additional comments",
        "work_notes",
        "Work notes",
    ),
}
#: A journal entry's header line, as ServiceNow writes display values of comments/work notes.
_JOURNAL_HEADER = re.compile(
    r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?"
    r"|\d{1,2}[/-]\d{1,2}[/-]\d{4} \d{2}:\d{2}(?::\d{2})?)"
    r" - (.+?)(?: \((Additional comments|Work notes|Comments)\))?\s*$",
    re.M,
)


def looks_like(columns: Columns) -> bool:
    """True for a ServiceNow CSV header."""
    return columns.has("number", "short_description") or columns.has("Number", "Short description")


def looks_like_json(item: dict[str, Any]) -> bool:
    """True for a ServiceNow record object."""
    return "number" in item and ("short_description" in item or "sys_id" in item)


def parse_csv(export: CsvExport, parsed: Parsed) -> None:
    """Read a ServiceNow CSV export."""

    def make(columns: Columns, cells: list[str]) -> TicketRecord:
        return _record(lambda key: columns.value(cells, *FIELDS[key]))

    read_csv(export, make, parsed)


def parse_json(document: Any, parsed: Parsed) -> None:
    """Read a ServiceNow JSON export."""
    items, unit = json_items(document, "records", "result")
    parsed.unit = unit or "record"

    def make(item: dict[str, Any]) -> TicketRecord:
        def get(key: str) -> str:
            for name in FIELDS[key]:
                if name in item:
                    value = _display(item[name])
                    if value:
                        return value
            return ""

        return _record(get)

    read_records(items, make, parsed)


def _record(get: Any) -> TicketRecord:
    category = " / ".join(part for part in (get("category"), get("subcategory")) if part)
    resolution = plain_text(get("resolution"))
    code = get("close_code")
    if code:
        resolution = f"{resolution}\n\nResolution code: {code}".strip()
    return TicketRecord(
        id=require_id(get("id")),
        title=plain_text(get("title")),
        status=get("status"),
        opened=parse_date(get("opened")),
        resolved=parse_date(get("resolved")),
        caller=get("caller"),
        assignee=get("assignee"),
        category=category,
        description=plain_text(get("description")),
        resolution=resolution,
        comments=journal(get("journal")),
        source=FORMAT,
    )


def journal(text: str) -> list[Comment]:
    """Comments and work notes from a journal field's display value, oldest first."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return []
    headers = list(_JOURNAL_HEADER.finditer(text))
    if not headers:
        return [Comment("", "", plain_text(text))]
    entries: list[Comment] = []
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        body = plain_text(text[header.end() : end])
        author = header.group(2).strip()
        if header.group(3) == "Work notes":
            author = f"{author} (work note)"
        entries.append(Comment(parse_date(header.group(1)), author, body))
    # ServiceNow lists the newest entry first; a ticket reads best from the start.
    return entries[::-1]
