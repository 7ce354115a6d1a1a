"""Which desk an export came from, told from its shape, and reading it with the right importer."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from kb.notes.errors import KBError
from kb.tickets.importers import generic, glpi, jira, servicenow, zendesk
from kb.tickets.importers.common import Columns, Parsed, examine_export
from kb.tickets.importers.csvfile import MAX_RECORD, CsvExport, sniff_delimiter
from kb.tickets.importers.jsonfile import JsonItems, read_json

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
    """Open an export: the format given, or the one its content shows; its rows are read as
    they are used (use the result in a ``with`` block). KBError (exit 2) when the file cannot
    be read or its format cannot be told."""
    path = Path(path)
    mapping = mapping or {}
    if format is not None and format not in FORMATS:
        raise KBError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    export = examine_export(path, allow_cp1252=True)
    with export.open() as handle:
        first = _first_character(handle)
    if not first:
        raise KBError(f"{path.name} is empty")
    if first in ("{", "["):
        if export.warning:
            raise KBError(f"{path.name} is not UTF-8; JSON exports must be UTF-8")
        document = read_json(path, export.encoding, path.name)
        parsed = _read_json(path.name, document, format, mapping, id_prefix)
    else:
        handle = export.open()
        try:
            first_line = handle.readline(MAX_RECORD + 1)
            csv_export = CsvExport(handle, first_line, sniff_delimiter(first_line))
            parsed = _read_csv(path.name, csv_export, format, mapping, id_prefix)
        except BaseException:
            handle.close()
            raise
        parsed.hold(handle)
    if export.warning:
        parsed.warnings.insert(0, export.warning)
    return parsed


def _first_character(handle: TextIO) -> str:
    """The first character that is not white space ("" for a blank file)."""
    while True:
        piece = handle.read(64 * 1024)
        if not piece:
            return ""
        stripped = piece.lstrip()
        if stripped:
            return stripped[0]


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
    if isinstance(document, JsonItems):
        return document.first
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, JsonItems)]
        for key in ("records", "result", "tickets", "results"):
            if isinstance(document.get(key), JsonItems):
                lists.insert(0, document[key])
        return lists[0].first if lists else document
    return None


def _read_csv(
    name: str, export: CsvExport, format: str | None, mapping: dict[str, str], prefix: str
) -> Parsed:
    if format == "json":
        raise KBError(f"{name} is not JSON (it reads as CSV); try --format csv")
    header = Columns(export.header)
    if format is None:
        format = _csv_format(name, header, export.delimiter, mapping)
    parsed = Parsed(format)
    if format == "servicenow":
        servicenow.parse_csv(export, parsed)
    elif format == "jira":
        jira.parse_csv(export, parsed)
    elif format == "zendesk":
        parsed.format = zendesk.CSV_FORMAT
        zendesk.parse_csv(export, parsed)
    elif format == "glpi":
        glpi.parse_csv(export, parsed)
    else:
        generic.parse_csv(export, parsed, mapping, prefix)
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
