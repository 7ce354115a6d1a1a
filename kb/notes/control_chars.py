"""Control characters in text: shown escaped on a terminal, replaced in text kb writes.

Notes, ticket exports, titles, names and logs come from teammates and service desks. A
terminal obeys control sequences in whatever it prints: ``ESC ] 52`` writes the clipboard,
``ESC ] 8`` makes a link, ``ESC [ 2J`` clears the screen. So every face shows them escaped
(:func:`visible`), never raw. And a NUL byte makes git and kb take a note for binary (not
searched, not checked for secrets), so text kb writes into a note or a ticket record goes
through :func:`storable` first.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

#: C0 controls, DEL and C1 controls (the 8-bit CSI U+009B is as good as ESC [ to a terminal).
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: The same, less the tab and the line break that multi-line text keeps (and a carriage
#: return that ends a line, as in a file with Windows line ends).
_CONTROLS_IN_LINES = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")
#: Control characters that make a file binary or that no editor shows; tab, line feed and
#: carriage return are ordinary text.
_NOT_STORABLE = re.compile(r"[\x00-\x08\x0e-\x1f]")
#: A vertical tab (a line break in Word's text) and a form feed (a page break) start a new line.
_LINE_BREAKS = re.compile(r"[\x0b\x0c]")
#: What a control character in written text becomes: the Unicode replacement character.
REPLACEMENT = "\ufffd"


def _escaped(match: re.Match[str]) -> str:
    # \u001b rather than \x1b: the same text is then valid inside a JSON string too.
    return f"\\u{ord(match.group()):04x}"


def visible(text: str, *, lines: bool = True) -> str:
    """``text`` with control characters shown as ``\\u001b`` (and the like) instead of acting
    on the terminal. With ``lines``, tabs and line breaks are kept; without, they are
    escaped too (a one-line field)."""
    pattern = _CONTROLS_IN_LINES if lines else _CONTROLS
    return pattern.sub(_escaped, text)


def storable(text: str) -> str:
    """``text`` as kb writes it into a note or ticket record: NUL and the other control
    characters that would make the file binary replaced by U+FFFD, vertical tabs and form
    feeds made line breaks; tabs and line ends kept."""
    return _LINE_BREAKS.sub("\n", _NOT_STORABLE.sub(REPLACEMENT, text))


class VisibleWriter(io.TextIOBase):
    """A text stream that shows control characters escaped (see :func:`visible`).

    A carriage return at the very start or end of one write passes: that is how a progress
    line redraws itself, and it cannot hide text in the middle of a line.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        #: While true, text passes unchanged: kb's own colours (every field in them escaped).
        self.raw = False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The encoding of the stream written to."""
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        """The error handling of the stream written to."""
        return getattr(self.stream, "errors", None)

    def write(self, text: str) -> int:
        """Write ``text`` with its control characters escaped."""
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.raw:
            return self.stream.write(text)
        body = text.strip("\r")
        start = text[: len(text) - len(text.lstrip("\r"))]
        end = text[len(start) + len(body) :] if body else ""
        self.stream.write(start + visible(body) + end)
        return len(text)

    def writable(self) -> bool:
        """Always: this is an output stream."""
        return True

    def flush(self) -> None:
        """Flush the stream written to."""
        self.stream.flush()

    def isatty(self) -> bool:
        """Whether the stream written to is a terminal (colours and progress depend on it)."""
        return self.stream.isatty()

    def fileno(self) -> int:
        """The file descriptor of the stream written to."""
        return self.stream.fileno()

    def close(self) -> None:
        """Close the stream written to."""
        self.stream.close()
        super().close()


@contextmanager
def raw(stream: object) -> Iterator[None]:
    """Let text through ``stream`` unchanged for a while, when it is a :class:`VisibleWriter`:
    for text kb coloured itself after escaping every field in it."""
    if not isinstance(stream, VisibleWriter):
        yield
        return
    before = stream.raw
    stream.raw = True
    try:
        yield
    finally:
        stream.raw = before
