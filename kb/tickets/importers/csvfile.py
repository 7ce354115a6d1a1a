"""CSV exports read one record at a time, in bounded memory.

Python's ``csv`` reader does the parsing; this module feeds it the file's lines and keeps
count of them, so that every record is reported with the line it starts on. A record larger
than :data:`MAX_RECORD` (a cell of 50 MB, a quote never closed) is never held whole: it is
one bad row, its end is found by following the quotes as ``csv`` would, and the records
after it are read as usual.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import TextIO

#: The most characters one record may hold (a long comment log is a few hundred kB).
MAX_RECORD = 16 * 1024 * 1024
#: How much of an oversized record is read at a time while looking for its end.
_SKIP_CHUNK = 1024 * 1024
#: Why a record that is too big is a bad row.
TOO_BIG = f"over {MAX_RECORD // (1024 * 1024)} MB (a cell too big to import); skipped"


class _Oversized(Exception):
    """Raised through the csv reader when the current record passes MAX_RECORD."""


class _Lines:
    """The lines of a text stream, for ``csv.reader``: counted, and the record being read kept
    (it is at most MAX_RECORD characters) so that its end can be found when it is too big."""

    def __init__(self, stream: TextIO, first: str) -> None:
        self.stream = stream
        self._pushed: str | None = first or None
        #: Lines handed out whole so far.
        self.line = 0
        #: The line the current record starts on.
        self.start = 1
        self.record: list[str] = []
        self._size = 0

    def new_record(self) -> None:
        """The reader is about to read a record."""
        self.record.clear()
        self._size = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pushed is not None:
            line, self._pushed = self._pushed, None
        else:
            # One more than the limit: a longer line comes back cut, and is too big anyway.
            line = self.stream.readline(MAX_RECORD + 1)
        if not line:
            raise StopIteration
        if "\x00" in line:
            line = line.replace("\x00", "\ufffd")  # csv refuses NUL; a stray one spoils no row
        if not self.record:
            self.start = self.line + 1
        self.record.append(line)
        self._size += len(line)
        if line[-1] in "\r\n":
            self.line += 1
        if self._size > MAX_RECORD:
            raise _Oversized
        return line

    def skip_record(self, delimiter: str) -> None:
        """Read on to the end of the current (too big) record, a piece at a time."""
        scan = _RecordEnd(delimiter)
        pieces, self.record = self.record, []
        ended = False
        for piece in pieces:
            ended = scan.feed(piece)
        while not ended:
            piece = self.stream.readline(_SKIP_CHUNK)
            if not piece:
                return
            ended = scan.feed(piece)
            if piece[-1] in "\r\n":
                self.line += 1


_START, _FIELD, _QUOTED, _QUOTE_IN_QUOTED = range(4)


class _RecordEnd:
    """Follows the quoting of CSV text the way ``csv`` (``strict=False``) reads it, to tell
    where a record ends without keeping its cells."""

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        self.state = _START
        self._stop = re.compile(f"[{re.escape(delimiter)}\r\n]")

    def feed(self, text: str) -> bool:
        """Follow ``text`` (one line, or part of one); True when the record ends with it."""
        i, n = 0, len(text)
        while i < n:
            state = self.state
            if state == _QUOTED:
                j = text.find('"', i)
                if j < 0:
                    return False
                self.state, i = _QUOTE_IN_QUOTED, j + 1
                continue
            if state == _FIELD:
                match = self._stop.search(text, i)
                if match is None:
                    return False
                self.state = _START
                if match.group() != self.delimiter:
                    return True
                i = match.end()
                continue
            char = text[i]
            if state == _QUOTE_IN_QUOTED:
                if char == '"':
                    self.state, i = _QUOTED, i + 1  # a doubled quote inside the cell
                elif char == self.delimiter:
                    self.state, i = _START, i + 1
                elif char in "\r\n":
                    self.state = _START
                    return True
                else:
                    self.state, i = _FIELD, i + 1  # csv keeps text after a closing quote
            elif char == '"':
                self.state, i = _QUOTED, i + 1
            elif char == self.delimiter:
                i += 1
            elif char in "\r\n":
                return True
            else:
                self.state = _FIELD
        return False


class CsvExport:
    """A CSV export: its header, then its records one at a time."""

    def __init__(self, stream: TextIO, first_line: str, delimiter: str) -> None:
        csv.field_size_limit(MAX_RECORD + 1)  # the record limit above is the one that counts
        self.delimiter = delimiter
        self._lines = _Lines(stream, first_line)
        self._reader = self._new_reader()
        self.header: list[str] = []
        for _line, cells, _error in self._read():
            self.header = cells or []
            break

    def _new_reader(self) -> Iterator[list[str]]:
        return csv.reader(self._lines, delimiter=self.delimiter, strict=False)

    def records(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        """``(line, cells, None)`` for each record after the header, or ``(line, None, why)``
        for one that cannot be read. A blank line is a record with no cells."""
        return self._read()

    def _read(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        lines = self._lines
        while True:
            lines.new_record()
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except _Oversized:
                start = lines.start
                lines.skip_record(self.delimiter)
                self._reader = self._new_reader()
                yield start, None, TOO_BIG
                continue
            except csv.Error:
                self._reader = self._new_reader()
                yield lines.start, None, "unreadable (unbalanced quotes)"
                continue
            yield lines.start, cells, None


def sniff_delimiter(first_line: str) -> str:
    """``;`` when the header line holds more semicolons than commas (GLPI, European Excel)."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))
