"""JSON exports read in bounded memory.

Desks export JSON as one list of tickets (``[...]``), as an object holding the list
(``{"records": [...]}``, ``{"result": [...]}``, ``{"tickets": [...], "users": [...]}``), or
one ticket per line. Such a file can be a gigabyte, so it is never decoded whole: a first
pass checks the whole file (nothing is imported from a file that is not valid JSON, or
truncated) and notes the shape, each list's first object (to tell the desk) and the small
lists (Zendesk's ``users``); the tickets are then decoded one at a time as they are imported.

A ticket over :data:`MAX_ITEM` characters is one bad record; JSON nested deeper than Python
can decode is refused with one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from kb.notes.errors import KBError

#: The most characters one ticket object may hold.
MAX_ITEM = 16 * 1024 * 1024
#: A top-level list whose text is smaller than this is kept after the first pass.
_KEEP = 4 * 1024 * 1024
_CHUNK = 1024 * 1024
_DECODER = json.JSONDecoder()
_NOT_SPACE = re.compile(r"[^ \t\r\n]")
_STRUCTURE = re.compile(r'["\[\]{}]')
_IN_STRING = re.compile(r'["\\]')
#: Why a ticket object that is too big is a bad record.
TOO_BIG = f"over {MAX_ITEM // (1024 * 1024)} MB; skipped"


class TooBig:
    """Stands for an item of a list that was too big to decode."""


_TOO_BIG = TooBig()


class _Oversized(Exception):
    """The value being read is longer than MAX_ITEM."""

    def __init__(self, passed: bool) -> None:
        super().__init__()
        #: True when the value was read to its end (and is passed), False when it was not.
        self.passed = passed


class _Text:
    """A JSON text read a piece at a time, one value after another."""

    def __init__(self, handle: TextIO, name: str) -> None:
        self.handle = handle
        self.name = name
        self.buffer = ""
        self.pos = 0
        self.eof = False
        #: Line number of ``buffer[0]`` (for messages).
        self.line = 1
        #: How many characters were dropped from the front of the buffer.
        self.dropped = 0

    @property
    def offset(self) -> int:
        """Characters read so far (to measure a value)."""
        return self.dropped + self.pos

    def _more(self, at_least: int = _CHUNK) -> bool:
        if self.eof:
            return False
        piece = self.handle.read(max(_CHUNK, at_least))
        if not piece:
            self.eof = True
            return False
        if self.pos:
            self.line += self.buffer.count("\n", 0, self.pos)
            self.dropped += self.pos
            self.buffer = self.buffer[self.pos :]
            self.pos = 0
        self.buffer += piece
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end), left unread."""
        while True:
            match = _NOT_SPACE.search(self.buffer, self.pos)
            if match is not None:
                self.pos = match.start()
                return self.buffer[self.pos]
            self.pos = len(self.buffer)
            if not self._more():
                return ""

    def expect(self, allowed: str) -> str:
        """Read the next character, one of ``allowed``; KBError for anything else."""
        char = self.peek()
        if not char or char not in allowed:
            what = f"{char!r}" if char else "the end of the file"
            wanted = " or ".join(repr(c) for c in allowed)
            raise self.invalid(f"expected {wanted}, found {what}", self.pos)
        self.pos += 1
        return char

    def invalid(self, message: str, pos: int) -> KBError:
        """The error for text that is not valid JSON at ``pos`` of the buffer."""
        line = self.line + self.buffer.count("\n", 0, pos)
        return KBError(f"{self.name} is not valid JSON (line {line}: {message})")

    def value(self) -> Any:
        """Decode the next value. _Oversized when it is longer than MAX_ITEM (the caller may
        then skip it), KBError when the text is not JSON or nests too deep."""
        self.peek()
        while True:
            start = self.pos
            try:
                value, end = _DECODER.raw_decode(self.buffer, start)
            except json.JSONDecodeError as exc:
                if self._incomplete(exc):
                    if len(self.buffer) - start > MAX_ITEM:
                        raise _Oversized(passed=False) from None
                    if self._more(len(self.buffer) - start):
                        continue
                raise self.invalid(exc.msg, exc.pos) from None
            except RecursionError:
                raise KBError(
                    f"{self.name} nests lists or objects too deep to be a ticket export "
                    f"(line {self.line + self.buffer.count(chr(10), 0, start)})"
                ) from None
            if end == len(self.buffer) and self._more():
                continue  # a number may go on in the next piece
            if end - start > MAX_ITEM:
                self.pos = end
                raise _Oversized(passed=True)
            self.pos = end
            return value

    def _incomplete(self, exc: json.JSONDecodeError) -> bool:
        # The text may be fine and only cut off at the end of what was read so far.
        if self.eof:
            return False
        return exc.msg.startswith("Unterminated string") or exc.pos >= len(self.buffer) - 32

    def skip(self) -> None:
        """Pass over a value too big to decode, following its strings and brackets."""
        if self.peek() not in '{["':
            self.value()  # a number or a word is never that big
            return
        depth = 0
        in_string = False
        while True:
            pattern = _IN_STRING if in_string else _STRUCTURE
            match = pattern.search(self.buffer, self.pos)
            if match is None:
                self.pos = len(self.buffer)
                if not self._more():
                    raise self.invalid("the file ends inside a value", self.pos)
                continue
            char = match.group()
            self.pos = match.end()
            if in_string:
                if char == "\\":
                    if self.pos >= len(self.buffer) and not self._more():
                        raise self.invalid("the file ends inside a string", self.pos)
                    self.pos += 1
                    continue
                in_string = False
                if depth == 0:
                    return
            elif char == '"':
                in_string = True
            elif char in "[{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return

    def items(self) -> Iterator[Any]:
        """The items of the list that starts here (TooBig for each one too big)."""
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            try:
                value = self.value()
            except _Oversized as exc:
                if not exc.passed:
                    self.skip()
                value = _TOO_BIG
            yield value
            if self.expect(",]") == "]":
                return

    def end(self) -> None:
        """KBError unless only white space is left."""
        if self.peek():
            raise self.invalid("extra data after the end", self.pos)


class JsonItems:
    """A list of a JSON export, read item by item: ``(number, item)`` with its position in
    the list (or its line, one object per line), and TooBig for an item too big to read."""

    #: What the numbers count: "record" (position in a list) or "line".
    unit = "record"

    def __init__(self, path: Path, encoding: str, name: str) -> None:
        self.path = path
        self.encoding = encoding
        self.name = name
        #: The first object of the list (tells which desk it comes from).
        self.first: dict[str, Any] | None = None
        self.count = 0
        #: The items themselves, when the list is small enough to keep.
        self.kept: list[Any] | None = []

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        if self.kept is not None:
            yield from enumerate(self.kept, start=1)
            return
        with _open(self.path, self.encoding) as handle:
            yield from enumerate(self._stream(_Text(handle, self.name)), start=1)

    def _stream(self, text: _Text) -> Iterator[Any]:
        yield from text.items()

    def _note(self, item: Any, size: int, kept_size: int) -> int:
        self.count += 1
        if self.first is None and isinstance(item, dict):
            self.first = item
        if self.kept is not None:
            kept_size += size
            if kept_size > _KEEP:
                self.kept = None
            else:
                self.kept.append(item)
        return kept_size


class _KeyedItems(JsonItems):
    """The list under one key of the object a JSON export is."""

    def __init__(self, path: Path, encoding: str, name: str, key: str) -> None:
        super().__init__(path, encoding, name)
        self.key = key

    def _stream(self, text: _Text) -> Iterator[Any]:
        text.expect("{")
        while text.peek() != "}":
            key = text.value()
            text.expect(":")
            if key == self.key and text.peek() == "[":
                yield from text.items()
                return
            _pass_over(text)
            if text.expect(",}") == "}":
                return


class _Lines(JsonItems):
    """One JSON object per line (NDJSON); an item's number is its line."""

    unit = "line"

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        if self.kept is not None:
            yield from self.kept
            return
        with _open(self.path, self.encoding) as handle:
            for number, item, _size in _lines(handle, self.name):
                yield number, item


def _open(path: Path, encoding: str) -> TextIO:
    return open(path, encoding=encoding, newline="")


def _pass_over(text: _Text) -> None:
    # A value that is not the list wanted: lists are passed item by item (a big one need
    # not fit in memory), anything else is decoded and dropped.
    if text.peek() == "[":
        for _item in text.items():
            pass
        return
    try:
        text.value()
    except _Oversized as exc:
        if not exc.passed:
            text.skip()


def _lines(handle: TextIO, name: str) -> Iterator[tuple[int, Any, int]]:
    """(line, object, length of the line) for each line that is not blank."""
    number = 0
    while True:
        line = handle.readline(MAX_ITEM + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_ITEM and line[-1] not in "\r\n":
            while line and line[-1] not in "\r\n":  # the rest of this line
                line = handle.readline(_CHUNK)
            yield number, _TOO_BIG, MAX_ITEM
            continue
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), len(line)
        except RecursionError:
            raise KBError(
                f"{name} nests lists or objects too deep to be a ticket export (line {number})"
            ) from None
        except ValueError as exc:
            message = getattr(exc, "msg", str(exc))
            raise KBError(f"{name} is not valid JSON (line {number}: {message})") from None


def read_json(path: Path, encoding: str, name: str) -> Any:
    """The shape of a JSON export, checked whole: a JsonItems for a list or for one object
    per line, or a dict whose lists are JsonItems (and whose other values are decoded)."""
    with _open(path, encoding) as handle:
        text = _Text(handle, name)
        if text.peek() == "[":
            items = JsonItems(path, encoding, name)
            _first_pass(text, items)
            text.end()
            return items
        document = _object(text, path, encoding, name)
        if text.peek() != "{":
            text.end()
            return document
    return _read_lines(path, encoding, name)


def _first_pass(text: _Text, items: JsonItems) -> None:
    kept_size = 0
    stream = text.items()
    while True:
        start = text.offset
        try:
            item = next(stream)
        except StopIteration:
            return
        kept_size = items._note(item, text.offset - start, kept_size)


def _object(text: _Text, path: Path, encoding: str, name: str) -> dict[str, Any]:
    document: dict[str, Any] = {}
    text.expect("{")
    if text.peek() == "}":
        text.pos += 1
        return document
    while True:
        key = text.value()
        if not isinstance(key, str):
            raise text.invalid("an object key must be a string", text.pos)
        text.expect(":")
        if text.peek() == "[":
            items = _KeyedItems(path, encoding, name, key)
            _first_pass(text, items)
            document[key] = items
        else:
            try:
                document[key] = text.value()
            except _Oversized:
                raise KBError(
                    f"{name}: the value of {key[:40]!r} is over {MAX_ITEM // (1024 * 1024)} MB"
                ) from None
        if text.expect(",}") == "}":
            return document


def _read_lines(path: Path, encoding: str, name: str) -> JsonItems:
    items = _Lines(path, encoding, name)
    kept_size = 0
    with _open(path, encoding) as handle:
        for number, item, size in _lines(handle, name):
            if items.count == 0 and not isinstance(item, dict | TooBig):
                raise KBError(f"{name} is not valid JSON (line {number}: not an object)")
            items.count += 1
            if items.first is None and isinstance(item, dict):
                items.first = item
            if items.kept is not None:
                kept_size += size
                if kept_size > _KEEP:
                    items.kept = None
                else:
                    items.kept.append((number, item))
    return items
