"""Zendesk: the JSON ticket export (``{"tickets": [...]}``, as the API and the JSON export
give it, or one ticket per line), and the admin CSV export, which has no descriptions.

Zendesk numbers its tickets ``1234``; kb names them ``ZD-1234`` so that the id is recognised
in notes by the default patterns and cannot be mistaken for another desk's number.
"""

from __future__ import annotations

from typing import Any

from kb.tickets.importers.common import (
    Columns,
    Parsed,
    display,
    json_items,
    parse_date,
    plain_text,
    read_csv,
    read_records,
    require_id,
)
from kb.tickets.importers.csvfile import CsvExport
from kb.tickets.importers.jsonfile import JsonItems
from kb.tickets.records import Comment, TicketRecord

FORMAT = "zendesk"
#: Written as ``source:`` on records from the admin CSV (titles and fields, no text).
CSV_FORMAT = "zendesk-csv"
PREFIX = "ZD-"
CSV_WARNING = (
    "Zendesk's CSV export has no ticket descriptions or comments: imported subjects, status, "
    "people and dates only (a record imported from the JSON export is never replaced by it). "
    "Export JSON (Admin Center > Account > Tools > Reports) for the full text."
)


def looks_like(columns: Columns) -> bool:
    """True for Zendesk's admin CSV header."""
    return columns.has("Id", "Subject", "Requester") or columns.has("Id", "Subject", "Requester id")


def looks_like_json(item: dict[str, Any]) -> bool:
    """True for a Zendesk ticket object."""
    return "subject" in item and ("requester_id" in item or "via" in item or "raw_subject" in item)


def parse_json(document: Any, parsed: Parsed) -> None:
    """Read a Zendesk JSON export (sideloaded ``users`` give names to requester ids)."""
    items, unit = json_items(document, "tickets", "results")
    parsed.unit = unit or "record"
    users: dict[Any, str] = {}
    if isinstance(document, dict) and isinstance(document.get("users"), JsonItems):
        for _position, user in document["users"]:
            if isinstance(user, dict) and "id" in user:
                users[user["id"]] = display(user.get("name")) or display(user.get("email"))

    def person(item: dict[str, Any], key: str) -> str:
        value = item.get(key)
        if isinstance(value, dict):
            return display(value)
        identifier = item.get(f"{key}_id")
        if identifier is None:
            return display(value)
        return users.get(identifier) or f"user {identifier}"

    def make(item: dict[str, Any]) -> TicketRecord:
        description = plain_text(item.get("description"))
        comments: list[Comment] = []
        for entry in item.get("comments") or []:
            if not isinstance(entry, dict):
                continue
            body = plain_text(
                entry.get("plain_body") or entry.get("body") or entry.get("html_body")
            )
            if not body or body == description:
                continue  # the first comment is the description itself
            author = users.get(entry.get("author_id")) or display(entry.get("author"))
            if not author and entry.get("author_id") is not None:
                author = f"user {entry['author_id']}"
            if entry.get("public") is False:
                author = f"{author} (internal note)".strip()
            comments.append(Comment(parse_date(entry.get("created_at")), author, body))
        status = display(item.get("status"))
        resolved = display(item.get("solved_at"))
        return TicketRecord(
            id=require_id(display(item.get("id")), PREFIX),
            title=plain_text(item.get("subject") or item.get("raw_subject")),
            status=status,
            opened=parse_date(item.get("created_at")),
            resolved=parse_date(resolved),
            caller=person(item, "requester"),
            assignee=person(item, "assignee"),
            category=display(item.get("type")),
            description=description,
            comments=comments,
            tags=[tag for tag in (display(t) for t in item.get("tags") or []) if tag],
            source=FORMAT,
        )

    read_records(items, make, parsed)


def parse_csv(export: CsvExport, parsed: Parsed) -> None:
    """Read Zendesk's admin CSV: fields only, marked partial, with a warning saying so."""
    parsed.warnings.append(CSV_WARNING)

    def make(columns: Columns, cells: list[str]) -> TicketRecord:
        def get(*names: str) -> str:
            return columns.value(cells, *names)

        return TicketRecord(
            id=require_id(get("Id"), PREFIX),
            title=plain_text(get("Subject")),
            status=get("Status"),
            opened=parse_date(get("Created at", "Created")),
            resolved=parse_date(get("Solved at", "Solved")),
            caller=get("Requester", "Requester id"),
            assignee=get("Assignee", "Assignee id"),
            category=get("Ticket type", "Type", "Group"),
            tags=get("Tags").split(),
            source=CSV_FORMAT,
            partial=True,
        )

    read_csv(export, make, parsed)
