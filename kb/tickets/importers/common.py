"""What every importer shares: opening the file, CSV records and JSON items as rows, headers,
dates."""

from __future__ import annotations

import codecs
import datetime as _dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from kb.notes.errors import KBError
from kb.tickets.importers.csvfile import CsvExport
from kb.tickets.importers.html import html_to_text, looks_like_html
from kb.tickets.importers.jsonfile import TOO_BIG, JsonItems, TooBig
from kb.tickets.records import TicketRecord

_UTF8_BOM = b"\xef\xbb\xbf"
_CHECK_CHUNK = 1024 * 1024


@dataclass
class Row:
    """One ticket read from an export: its record, or why it could not be read."""

    line: int
    record: TicketRecord | None = None
    error: str | None = None


@dataclass
class Parsed:
    """An export being read: its format, then its rows one at a time (``rows`` is read once).

    Use it in a ``with`` block: the file stays open until the rows are read.
    """

    format: str
    rows: Iterable[Row] = ()
    #: Things the technician should know (encoding fallback, a partial export, ...).
    warnings: list[str] = field(default_factory=list)
    #: What ``Row.line`` counts: "line" of the file, or "record" (position in a JSON list).
    unit: str = "line"
    #: How many rows there are, when that is known before reading them (JSON).
    total: int | None = None
    _files: list[TextIO] = field(default_factory=list, repr=False)

    def hold(self, handle: TextIO) -> None:
        """Keep ``handle`` open while the rows are read, and close it with the rest."""
        self._files.append(handle)

    def close(self) -> None:
        """Close the export file."""
        while self._files:
            self._files.pop().close()

    def __enter__(self) -> Parsed:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@dataclass
class ExportFile:
    """An export file and how its text is decoded."""

    path: Path
    encoding: str
    #: Said to the technician when the encoding is a guess.
    warning: str | None = None

    def open(self) -> TextIO:
        """The file's text, line ends as they are (CSV cells may hold them)."""
        errors = "replace" if self.encoding == "cp1252" else "strict"
        return open(self.path, encoding=self.encoding, errors=errors, newline="")


def examine_export(path: Path, *, allow_cp1252: bool) -> ExportFile:
    """How to decode an export: UTF-8 with or without BOM, UTF-16 with a BOM, else
    Windows-1252 when ``allow_cp1252`` (CSV), with a warning. The whole file is checked, a
    piece at a time, before a single row is read."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except IsADirectoryError as exc:
        raise KBError(f"{path} is a folder, not an export file") from exc
    except FileNotFoundError as exc:
        raise KBError(f"no file {path}") from exc
    with handle:
        if path.is_dir():
            raise KBError(f"{path} is a folder, not an export file")
        head = handle.read(4096)
        if b"\x00" in head:
            if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
                return ExportFile(path, "utf-16")
            raise KBError(f"{path.name} is a binary file, not a CSV or JSON export")
        decoder = codecs.getincrementaldecoder("utf-8")()
        read = start = 0  # bytes read; where the text given to the decoder starts
        piece = head
        try:
            while piece:
                start = read - len(decoder.getstate()[0])
                read += len(piece)
                decoder.decode(piece)
                piece = handle.read(_CHECK_CHUNK)
            start = read - len(decoder.getstate()[0])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if not allow_cp1252:
                raise KBError(
                    f"{path.name} is not UTF-8 text (byte {start + exc.start}); "
                    "save the export as UTF-8"
                ) from exc
            return ExportFile(
                path,
                "cp1252",
                f"{path.name} is not UTF-8: read as Windows-1252 (check accented letters)",
            )
    return ExportFile(path, "utf-8-sig" if head.startswith(_UTF8_BOM) else "utf-8")


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
    export: CsvExport,
    make: Callable[[Columns, list[str]], TicketRecord],
    parsed: Parsed,
) -> None:
    """Read the export's records as ``parsed.rows`` with ``make``; short, long, oversized or
    unreadable records are bad rows at their line, and the rest is imported."""
    if not export.header:
        raise KBError("the export is empty")
    parsed.rows = _csv_rows(export, Columns(export.header), make)


def _csv_rows(
    export: CsvExport, columns: Columns, make: Callable[[Columns, list[str]], TicketRecord]
) -> Iterator[Row]:
    width = len(columns.headers)
    for line, cells, error in export.records():
        if cells is None:
            yield Row(line, error=error)
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            yield Row(line, error=f"{len(cells)} cells where the header has {width}")
            continue
        yield _made(line, functools.partial(make, columns, cells))


def _made(line: int, make: Callable[[], TicketRecord]) -> Row:
    try:
        record = make()
    except RowError as exc:
        return Row(line, error=str(exc))
    except RecursionError:
        return Row(line, error="nested too deep to read")
    return Row(line, record)


def read_records(
    items: Iterable[tuple[int, Any]],
    make: Callable[[dict[str, Any]], TicketRecord],
    parsed: Parsed,
) -> None:
    """Read JSON objects as ``parsed.rows``; anything but an object is a bad row."""
    if isinstance(items, JsonItems):
        parsed.total = items.count
    parsed.rows = _json_rows(items, make)


def _json_rows(
    items: Iterable[tuple[int, Any]], make: Callable[[dict[str, Any]], TicketRecord]
) -> Iterator[Row]:
    for line, item in items:
        if isinstance(item, TooBig):
            yield Row(line, error=TOO_BIG)
        elif not isinstance(item, dict):
            yield Row(line, error="not a ticket object")
        else:
            yield _made(line, functools.partial(make, item))


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
    """A date or date-time from an export as ``YYYY-MM-DD HH:MM`` (``HH:MM:SS`` when the export
    gives seconds, ``YYYY-MM-DD`` without a time). Understood: ISO 8601, Jira's
    ``03/Nov/26 9:14 AM``, ``11/03/2026 09:14``
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
        year, month, day, hour, minute, second, zone = match.groups()
        return _format(int(year), int(month), int(day), hour, minute, None, zone, second) or text
    match = _NAMED.match(text)
    if match:
        day, month_name, year, hour, minute, second, meridiem = match.groups()
        folded = unicodedata.normalize("NFKD", month_name).encode("ascii", "ignore").decode()
        month = _MONTHS.get(folded.lower().rstrip("."))
        if month is not None:
            return (
                _format(_year(year), month, int(day), hour, minute, meridiem, None, second) or text
            )
    match = _NUMERIC.match(text)
    if match:
        first, other, year, hour, minute, second, meridiem = match.groups()
        a, b = int(first), int(other)
        day, month = (a, b) if day_first or a > 12 else (b, a)
        if month > 12:
            day, month = month, day
        return _format(_year(year), month, day, hour, minute, meridiem, None, second) or text
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
    second: str | None = None,
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
    if second is not None:
        # Seconds written in the export are kept, as every other part of the time is.
        if not 0 <= int(second) < 60:
            return None
        stamp += f":{int(second):02d}"
    if zone:
        zone = zone.upper()
        if zone in ("Z", "UTC", "+00:00", "+0000", "-00:00"):
            return f"{stamp} UTC"
        if ":" not in zone:
            zone = f"{zone[:3]}:{zone[3:]}"
        return f"{stamp} {zone}"
    return stamp


# --- JSON ----------------------------------------------------------------------------------


def json_items(document: Any, *keys: str) -> tuple[Iterable[tuple[int, Any]], str | None]:
    """The ticket objects of a JSON export (under one of ``keys``, or a plain list), each with
    its line (one object per line) or its position in the list, and what those count."""
    items: JsonItems | None = None
    if isinstance(document, dict):
        for key in keys:
            if isinstance(document.get(key), JsonItems):
                items = document[key]
                break
    elif isinstance(document, JsonItems):
        items = document
    if items is None:
        return [], None
    return items, items.unit


def display(value: Any, _depth: int = 0) -> str:
    """A JSON field's display text: ServiceNow's ``{"display_value": ...}`` or a reference's
    name, a list joined, else the value as text."""
    if _depth > 20:
        return ""  # a field nested this deep holds nothing a person would read
    if isinstance(value, dict):
        for key in ("display_value", "name", "displayName", "value", "email"):
            if value.get(key) not in (None, ""):
                return display(value[key], _depth + 1)
        return ""
    if isinstance(value, list):
        return ", ".join(text for text in (display(item, _depth + 1) for item in value) if text)
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()
