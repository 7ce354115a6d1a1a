"""What every importer shares: reading the file, CSV rows with line numbers, headers, dates."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.notes.errors import KBError
from kb.tickets.importers.html import html_to_text, looks_like_html
from kb.tickets.records import TicketRecord

#: A CSV cell may be this big (long descriptions and comment logs exceed csv's 128 kB default).
MAX_CELL = 16 * 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class Row:
    """One ticket read from an export: its record, or why it could not be read."""

    line: int
    record: TicketRecord | None = None
    error: str | None = None


@dataclass
class Parsed:
    """Everything read from an export."""

    format: str
    rows: list[Row] = field(default_factory=list)
    #: Things the technician should know (encoding fallback, a partial export, ...).
    warnings: list[str] = field(default_factory=list)
    #: What ``Row.line`` counts: "line" of the file, or "record" (position in a JSON list).
    unit: str = "line"


class ExportText:
    """An export's text and how it was decoded."""

    def __init__(self, text: str, warning: str | None = None) -> None:
        self.text = text
        self.warning = warning


def read_export(path: Path, *, allow_cp1252: bool) -> ExportText:
    """Decode an export: UTF-8 with or without BOM; Windows-1252 for CSV, with a warning."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError as exc:
        raise KBError(f"{path} is a folder, not an export file") from exc
    except FileNotFoundError as exc:
        raise KBError(f"no file {path}") from exc
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    if b"\x00" in data[:4096]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return ExportText(data.decode("utf-16"))
        raise KBError(f"{path.name} is a binary file, not a CSV or JSON export")
    try:
        return ExportText(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        if not allow_cp1252:
            raise KBError(
                f"{path.name} is not UTF-8 text (byte {exc.start}); save the export as UTF-8"
            ) from exc
        return ExportText(
            data.decode("cp1252", errors="replace"),
            f"{path.name} is not UTF-8: read as Windows-1252 (check accented letters)",
        )


def csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each CSV record; records may span lines (quoted cells).

    A CSV error (a stray quote at the end of the file) ends the reading with a row whose
    cells are empty, so that the caller reports it as a bad row at that line.
    """
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield start, []
            return
        yield start, cells
        start = reader.line_num + 1


def sniff_delimiter(text: str) -> str:
    """``;`` when the header line holds more semicolons than commas (GLPI, European Excel)."""
    first = text.split("\n", 1)[0]
    counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))


def header_key(name: str) -> str:
    """A header compared loosely: no accents, no case, single spaces ("Date d'ouverture")."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(folded.casefold().replace("_", " ").split())


class Columns:
    """A CSV header: which cells hold a field, under any of the names an export may use."""

    def __init__(self, headers: list[str]) -> None:
        self.headers = [header.strip() for header in headers]
        self.positions: dict[str, list[int]] = {}
        for index, header in enumerate(self.headers):
            self.positions.setdefault(header_key(header), []).append(index)

    def find(self, *names: str) -> list[int]:
        """Cell positions of the first of ``names`` the header has (repeated headers: all)."""
        for name in names:
            found = self.positions.get(header_key(name))
            if found:
                return found
        return []

    def has(self, *names: str) -> bool:
        """True when the header has every one of ``names``."""
        return all(header_key(name) in self.positions for name in names)

    def value(self, cells: list[str], *names: str) -> str:
        """The first non-empty cell under the first of ``names`` the header has."""
        for position in self.find(*names):
            if position < len(cells) and cells[position].strip():
                return cells[position].strip()
        return ""

    def values(self, cells: list[str], *names: str) -> list[str]:
        """Every non-empty cell under a repeated header (Jira's ``Comment``, ``Labels``)."""
        return [
            cells[position].strip()
            for position in self.find(*names)
            if position < len(cells) and cells[position].strip()
        ]


def read_csv(
    text: str,
    delimiter: str,
    make: Callable[[Columns, list[str]], TicketRecord],
    parsed: Parsed,
) -> None:
    """Read every CSV record into ``parsed.rows`` with ``make``; short, long or unreadable
    rows are bad rows at their line, and the rest is imported."""
    rows = csv_rows(text, delimiter)
    try:
        _line, header = next(rows)
    except StopIteration as exc:
        raise KBError("the export is empty") from exc
    columns = Columns(header)
    width = len(columns.headers)
    for line, cells in rows:
        if not cells or not any(cell.strip() for cell in cells):
            if not cells:
                parsed.rows.append(Row(line, error="unreadable (unbalanced quotes)"))
            continue
        if len(cells) != width:
            parsed.rows.append(Row(line, error=f"{len(cells)} cells where the header has {width}"))
            continue
        parsed.rows.append(_made(line, lambda cells=cells: make(columns, cells)))


def _made(line: int, make: Callable[[], TicketRecord]) -> Row:
    try:
        record = make()
    except RowError as exc:
        return Row(line, error=str(exc))
    return Row(line, record)


def read_records(
    items: Iterable[tuple[int, Any]],
    make: Callable[[dict[str, Any]], TicketRecord],
    parsed: Parsed,
) -> None:
    """Read JSON objects into ``parsed.rows``; anything but an object is a bad row."""
    for line, item in items:
        if not isinstance(item, dict):
            parsed.rows.append(Row(line, error="not a ticket object"))
            continue
        parsed.rows.append(_made(line, lambda item=item: make(item)))


class RowError(ValueError):
    """One row cannot be imported; the message says why, in a few words."""


def require_id(value: str, prefix: str = "") -> str:
    """A ticket id from a cell: trimmed, digit groups joined ("1 234" in GLPI), prefixed when
    it is a bare number. RowError when there is none or it cannot name a file."""
    from kb.tickets.records import safe_id

    value = value.strip()
    if re.fullmatch(r"[\d\s\u00a0\u202f.,']+", value) and re.search(r"\d", value):
        value = re.sub(r"\D", "", value)
        if prefix:
            value = f"{prefix}{value}"
    if not value:
        raise RowError("no ticket id")
    if not safe_id(value):
        raise RowError(f"ticket id {value[:40]!r} cannot be a file name")
    return value.upper() if not value.startswith("#") else value


def plain_text(value: Any) -> str:
    """A cell as plain text: HTML turned into text, line ends normalised, trimmed."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    if looks_like_html(text):
        text = html_to_text(text)
    elif "&" in text:
        import html

        text = html.unescape(text)  # "Black &amp; blank screen" without any tag
    return text.strip()


# --- dates ---------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "janv", "janvier", "january"),
            ("feb", "fev", "fevr", "fevrier", "february"),
            ("mar", "mars", "march"),
            ("apr", "avr", "avril", "april"),
            ("may", "mai"),
            ("jun", "juin", "june"),
            ("jul", "juil", "juillet", "july"),
            ("aug", "aou", "aout", "august"),
            ("sep", "sept", "septembre", "september"),
            ("oct", "octobre", "october"),
            ("nov", "novembre", "november"),
            ("dec", "decembre", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|UTC|[+-]\d{2}:?\d{2})?$",
    re.I,
)
_NUMERIC = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?$",
    re.I,
)
_NAMED = re.compile(
    r"^(\d{1,2})[/ -]([A-Za-zéû]{3,9})\.?[/ -](\d{2,4})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?$",
    re.I,
)


def parse_date(value: Any, *, day_first: bool = False) -> str:
    """A date or date-time from an export as ``YYYY-MM-DD HH:MM`` (``YYYY-MM-DD`` without a
    time). Understood: ISO 8601, Jira's ``03/Nov/26 9:14 AM``, ``11/03/2026 09:14``
    (month first unless ``day_first`` or the first number is over 12), epoch seconds.
    The wall-clock time is kept as written (with its zone when it has one), never converted,
    so every machine writes the same record. Anything else is kept as it is."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    if not text:
        return ""
    if re.fullmatch(r"\d{9,10}(?:\.\d+)?", text):
        moment = _dt.datetime.fromtimestamp(float(text), tz=_dt.UTC)
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    match = _ISO.match(text)
    if match:
        year, month, day, hour, minute, _second, zone = match.groups()
        return _format(int(year), int(month), int(day), hour, minute, None, zone) or text
    match = _NAMED.match(text)
    if match:
        day, month_name, year, hour, minute, _second, meridiem = match.groups()
        folded = unicodedata.normalize("NFKD", month_name).encode("ascii", "ignore").decode()
        month = _MONTHS.get(folded.lower().rstrip("."))
        if month is not None:
            return _format(_year(year), month, int(day), hour, minute, meridiem, None) or text
    match = _NUMERIC.match(text)
    if match:
        first, second, year, hour, minute, _second, meridiem = match.groups()
        a, b = int(first), int(second)
        day, month = (a, b) if day_first or a > 12 else (b, a)
        if month > 12:
            day, month = month, day
        return _format(_year(year), month, day, hour, minute, meridiem, None) or text
    return text


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _format(
    year: int,
    month: int,
    day: int,
    hour: str | None,
    minute: str | None,
    meridiem: str | None,
    zone: str | None,
) -> str | None:
    try:
        date = _dt.date(year, month, day)
    except ValueError:
        return None
    if hour is None or minute is None:
        return date.isoformat()
    h = int(hour)
    if meridiem:
        h = h % 12 + (12 if meridiem.upper() == "PM" else 0)
    if not (0 <= h < 24 and 0 <= int(minute) < 60):
        return None
    stamp = f"{date.isoformat()} {h:02d}:{int(minute):02d}"
    if zone:
        zone = zone.upper()
        if zone in ("Z", "UTC", "+00:00", "+0000", "-00:00"):
            return f"{stamp} UTC"
        if ":" not in zone:
            zone = f"{zone[:3]}:{zone[3:]}"
        return f"{stamp} {zone}"
    return stamp


# --- JSON ----------------------------------------------------------------------------------


def load_json(text: str, name: str) -> Any:
    """The JSON document, or a list of objects for newline-delimited JSON (one per line)."""
    try:
        return json.loads(text)
    except ValueError as first:
        items: list[Any] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError:
                raise KBError(
                    f"{name} is not valid JSON (line {first.lineno}: {first.msg})"  # type: ignore[attr-defined]
                ) from first
            if number == 1 and not isinstance(items[0], dict):
                raise KBError(f"{name} is not valid JSON ({first})") from first
        return _Lines(items)


class _Lines(list[Any]):
    """Objects read one per line (NDJSON); item n is on line n (blank lines aside)."""


def json_items(document: Any, *keys: str) -> tuple[list[tuple[int, Any]], str | None]:
    """The ticket objects of a JSON export (under one of ``keys``, or a plain list), each
    with the line it starts on when that can be told (NDJSON), else its position."""
    items: Any = None
    if isinstance(document, dict):
        for key in keys:
            if isinstance(document.get(key), list):
                items = document[key]
                break
        else:
            return [], None
    elif isinstance(document, list):
        items = document
    else:
        return [], None
    return list(enumerate(items, start=1)), "line" if isinstance(document, _Lines) else "record"


def display(value: Any) -> str:
    """A JSON field's display text: ServiceNow's ``{"display_value": ...}`` or a reference's
    name, a list joined, else the value as text."""
    if isinstance(value, dict):
        for key in ("display_value", "name", "displayName", "value", "email"):
            if value.get(key) not in (None, ""):
                return display(value[key])
        return ""
    if isinstance(value, list):
        return ", ".join(text for text in (display(item) for item in value) if text)
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()
