"""Any other desk: a CSV or JSON export read through the column mapping in ``kb.toml``::

    [import.mapping]
    id = "Case Number"          # required
    title = "Subject"
    description = "Details"
    status = "State"
    opened = "Opened"
    resolved = "Closed"
    caller = "Customer"
    assignee = "Owner"
    category = "Queue"
    resolution = "Fix"
    tags = "Keywords"           # split on commas and spaces
    comments = "Notes"

    [import]
    id_prefix = "CASE-"         # put before ids that are bare numbers

For JSON, a mapping value is a key of each ticket object, or a dotted path (``requester.name``).
"""

from __future__ import annotations

import re
from typing import Any

from kb.notes.errors import KBError
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

_RECORD_KEYS = ("records", "tickets", "result", "results", "items", "data", "issues", "cases")


def require_mapping(mapping: dict[str, str], kind: str) -> None:
    """KBError unless ``[import.mapping]`` names at least the id column."""
    if not mapping.get("id"):
        raise KBError(
            f"a generic {kind} import needs [import.mapping] in kb.toml with at least "
            'id = "<column>" (and title, description, ...)'
        )


def parse_csv(export: CsvExport, parsed: Parsed, mapping: dict[str, str], prefix: str) -> None:
    """Read a CSV export through the mapping."""
    require_mapping(mapping, "CSV")
    header = Columns(export.header)
    missing = [
        column
        for column in mapping.values()
        if not header.find(column) and not header.find(f'"{column}"')
    ]
    if mapping["id"] in missing:
        raise KBError(f"[import.mapping] id = {mapping['id']!r}: the export has no such column")
    for column in missing:
        parsed.warnings.append(f"[import.mapping]: the export has no column {column!r}")

    def make(columns: Columns, cells: list[str]) -> TicketRecord:
        return _record(
            lambda key: columns.value(cells, mapping[key]) if key in mapping else "", prefix, "csv"
        )

    read_csv(export, make, parsed)


def parse_json(document: Any, parsed: Parsed, mapping: dict[str, str], prefix: str) -> None:
    """Read a JSON export (a list, or the first list under a usual key) through the mapping."""
    require_mapping(mapping, "JSON")
    keys = _RECORD_KEYS
    if isinstance(document, dict):
        keys = (
            *_RECORD_KEYS,
            *[key for key, value in document.items() if isinstance(value, JsonItems)],
        )
    items, unit = json_items(document, *keys)
    parsed.unit = unit or "record"

    def make(item: dict[str, Any]) -> TicketRecord:
        def get(key: str) -> Any:
            if key not in mapping:
                return ""
            value: Any = item
            path = mapping[key]
            if path in item:
                return item[path]
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            return value

        return _record(get, prefix, "json")

    read_records(items, make, parsed)


def _record(get: Any, prefix: str, source: str) -> TicketRecord:
    tags = get("tags")
    tag_list = (
        [display(tag) for tag in tags]
        if isinstance(tags, list)
        else [tag for tag in re.split(r"[,;\s]+", display(tags)) if tag]
    )
    comments = get("comments")
    comment_list = (
        [Comment("", "", plain_text(display(entry))) for entry in comments if display(entry)]
        if isinstance(comments, list)
        else ([Comment("", "", plain_text(display(comments)))] if display(comments) else [])
    )
    return TicketRecord(
        id=require_id(display(get("id")), prefix),
        title=plain_text(display(get("title"))),
        status=display(get("status")),
        opened=parse_date(display(get("opened"))),
        resolved=parse_date(display(get("resolved"))),
        caller=display(get("caller")),
        assignee=display(get("assignee")),
        category=display(get("category")),
        description=plain_text(display(get("description"))),
        resolution=plain_text(display(get("resolution"))),
        comments=comment_list,
        tags=tag_list,
        source=source,
    )
