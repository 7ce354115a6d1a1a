"""Which desk an export came from, told from its shape, and reading it with the right importer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kb.notes.errors import KBError
from kb.tickets.importers import generic, glpi, jira, servicenow, zendesk
from kb.tickets.importers.common import (
    Columns,
    Parsed,
    csv_rows,
    load_json,
    read_export,
    sniff_delimiter,
)

#: What ``--format`` accepts.
FORMATS = ("servicenow", "jira", "zendesk", "glpi", "csv", "json")
#: How each format is named to people.
FORMAT_NAMES = {
    "servicenow": "ServiceNow",
    "jira": "Jira",
    "zendesk": "Zendesk",
    "zendesk-csv": "Zendesk admin CSV",
    "glpi": "GLPI",
    "csv": "generic CSV ([import.mapping])",
    "json": "generic JSON ([import.mapping])",
}


def read_tickets(
    path: Path,
    format: str | None = None,
    mapping: dict[str, str] | None = None,
    id_prefix: str = "",
) -> Parsed:
    """Read an export: the format given, or the one its content shows. KBError (exit 2) when
    the file cannot be read or its format cannot be told."""
    path = Path(path)
    mapping = mapping or {}
    if format is not None and format not in FORMATS:
        raise KBError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    export = read_export(path, allow_cp1252=True)
    text = export.text
    if not text.strip():
        raise KBError(f"{path.name} is empty")
    if text.lstrip()[:1] in ("{", "["):
        if export.warning:
            raise KBError(f"{path.name} is not UTF-8; JSON exports must be UTF-8")
        parsed = _read_json(path.name, load_json(text, path.name), format, mapping, id_prefix)
    else:
        parsed = _read_csv(path.name, text, format, mapping, id_prefix)
    if export.warning:
        parsed.warnings.insert(0, export.warning)
    return parsed


def _read_json(
    name: str, document: Any, format: str | None, mapping: dict[str, str], prefix: str
) -> Parsed:
    if format in ("jira", "glpi", "csv"):
        raise KBError(f"{name} is JSON; a {FORMAT_NAMES[format]} import reads CSV")
    if format is None:
        format = _json_format(name, document, mapping)
    parsed = Parsed(format)
    if format == "servicenow":
        servicenow.parse_json(document, parsed)
    elif format == "zendesk":
        zendesk.parse_json(document, parsed)
    else:
        parsed.format = "json"
        generic.parse_json(document, parsed, mapping, prefix)
    return parsed


def _json_format(name: str, document: Any, mapping: dict[str, str]) -> str:
    first = _first_object(document)
    if first is not None and servicenow.looks_like_json(first):
        return "servicenow"
    if first is not None and zendesk.looks_like_json(first):
        return "zendesk"
    if mapping.get("id"):
        return "json"
    keys = ", ".join(list(first)[:12]) if first else "no ticket objects found"
    raise KBError(
        f"cannot tell which desk {name} comes from (keys: {keys}); "
        "use --format, or map its keys in kb.toml [import.mapping]"
    )


def _first_object(document: Any) -> dict[str, Any] | None:
    items: Any = document
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list)]
        for key in ("records", "result", "tickets", "results"):
            if isinstance(document.get(key), list):
                lists.insert(0, document[key])
        items = lists[0] if lists else [document]
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict):
                return item
    return None


def _read_csv(
    name: str, text: str, format: str | None, mapping: dict[str, str], prefix: str
) -> Parsed:
    if format == "json":
        raise KBError(f"{name} is not JSON (it reads as CSV); try --format csv")
    delimiter = sniff_delimiter(text)
    header = Columns(next(csv_rows(text, delimiter), (1, []))[1])
    if format is None:
        format = _csv_format(name, header, delimiter, mapping)
    parsed = Parsed(format)
    if format == "servicenow":
        servicenow.parse_csv(text, delimiter, parsed)
    elif format == "jira":
        jira.parse_csv(text, delimiter, parsed)
    elif format == "zendesk":
        parsed.format = zendesk.CSV_FORMAT
        zendesk.parse_csv(text, delimiter, parsed)
    elif format == "glpi":
        glpi.parse_csv(text, delimiter, parsed)
    else:
        generic.parse_csv(text, delimiter, parsed, mapping, prefix)
    return parsed


def _csv_format(name: str, header: Columns, delimiter: str, mapping: dict[str, str]) -> str:
    if jira.looks_like(header):
        return "jira"
    if servicenow.looks_like(header):
        return "servicenow"
    if zendesk.looks_like(header):
        return "zendesk"
    if glpi.looks_like(header, delimiter):
        return "glpi"
    if mapping.get("id") and header.find(mapping["id"]):
        return "csv"
    shown = ", ".join(header.headers[:10]) + (" …" if len(header.headers) > 10 else "")
    raise KBError(
        f"cannot tell which desk {name} comes from (columns: {shown}); "
        "use --format, or map its columns in kb.toml [import.mapping]"
    )
