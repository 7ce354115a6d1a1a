"""The editor's folded front matter: the block as the user wrote it, kept aside byte for byte,
and one line that says what is in it.

The boundary is the one :func:`kb.notes.frontmatter.parse` finds; nothing here reads YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kb.notes import frontmatter
from kb.tui.display import one_line, plural

#: The longest title the summary line quotes before it is cut.
_TITLE_CHARS = 60


@dataclass(frozen=True)
class Folded:
    """A note split at the end of its front matter."""

    #: The front matter exactly as in the file: fences, comments, quoting and line ends.
    front: str
    #: The rest of the file: what the editor shows.
    body: str
    #: How many lines the front matter takes (the body's first row in the whole text).
    rows: int
    #: One plain line saying what the front matter holds.
    summary: str

    def whole(self, body: str) -> str:
        """The file with ``body`` after the front matter as written."""
        if body and not self.front.endswith(("\n", "\r")):
            # The closing fence was the file's last line: the body starts on the next one.
            return self.front + ("\r\n" if "\r\n" in self.front else "\n") + body
        return self.front + body


def fold(text: str, parsed: frontmatter.FrontMatter | None = None) -> Folded | str:
    """``text`` with its front matter folded away, or one line saying why it cannot be
    (``parsed``: what :func:`kb.notes.frontmatter.parse` gave for ``text``, if known)."""
    if parsed is None:
        parsed = frontmatter.parse(text)
    if not parsed.present:
        return "the note has no front matter"
    if parsed.error:
        return parsed.error
    # parse() gives the body as the text's tail, line ends included: what precedes it is the
    # block exactly as written.
    front = text[: len(text) - len(parsed.body)]
    if front + parsed.body != text:  # pragma: no cover - parse() keeps the body as the tail
        return "the front matter's end could not be found"
    return Folded(front, parsed.body, parsed.body_line - 1, summary(parsed.data))


def summary(data: dict[str, Any]) -> str:
    """``title · type · status · 2 tickets``, or the field names when it has none of those."""
    parts: list[str] = []
    title = one_line(_text(data.get("title")))
    if title:
        parts.append(title if len(title) <= _TITLE_CHARS else title[: _TITLE_CHARS - 1] + "…")
    parts += [one_line(_text(data.get(key))) for key in ("type", "status") if data.get(key)]
    tickets = _count(data.get("tickets")) + _count(data.get("ticket"))
    if tickets:
        parts.append(plural(tickets, "ticket"))
    parts = [part for part in parts if part]
    if parts:
        return " · ".join(parts)
    if data:
        return "fields: " + ", ".join(one_line(key) for key in data)
    return "empty"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _count(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, list | tuple | set):
        return len([item for item in value if item not in (None, "")])
    return 1
