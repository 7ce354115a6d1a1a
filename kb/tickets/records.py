"""Ticket records: ``tickets/<ID>.md``, one per service-desk ticket, as kb writes them.

A record has front matter ``id, title, status, opened, resolved, caller, assignee, category``
(and ``tags`` and ``source`` when imported) and the ticket's words as Markdown sections:
``## Description``, ``## Resolution`` and, when the desk keeps them, ``## Comments``.
A record kb imported carries ``source: <format>``; a record without it was written by a
person, and imports never overwrite it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.notes import frontmatter
from kb.notes.control_chars import storable

#: Folder of the ticket records, relative to the KB root.
TICKETS_FOLDER = "tickets"
#: The ``source:`` values imports write: a record carrying one of these is kb's to update.
IMPORT_SOURCES = ("servicenow", "jira", "zendesk", "zendesk-csv", "glpi", "csv", "json")
#: Characters a ticket id may hold to become a file name (no separators, no dot first).
_SAFE_ID = re.compile(r"^[A-Za-z0-9#][A-Za-z0-9._#-]{0,63}$")
_HEADING_START = re.compile(r"^(\s{0,3})(#{1,6}\s)", re.M)
_FENCE_LINE = re.compile(r"^\s{0,3}(```|~~~)")


@dataclass(frozen=True)
class Comment:
    """One comment or work note of a ticket."""

    when: str
    author: str
    text: str


@dataclass
class TicketRecord:
    """A ticket as kb keeps it, whatever desk it came from."""

    id: str
    title: str = ""
    status: str = ""
    opened: str = ""
    resolved: str = ""
    caller: str = ""
    assignee: str = ""
    category: str = ""
    description: str = ""
    resolution: str = ""
    comments: list[Comment] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: The import format that wrote it (the import marker); empty for a typed record.
    source: str = ""
    #: True when the export holds only part of the ticket (no description): such a record
    #: never replaces one imported with the full text.
    partial: bool = False


def safe_id(ticket_id: str) -> bool:
    """True when ``ticket_id`` can name a file under ``tickets/`` (no paths, no odd characters)."""
    return bool(_SAFE_ID.match(ticket_id)) and ".." not in ticket_id


def record_path(ticket_id: str) -> str:
    """Where the record of a ticket lives, relative to the KB root (a Windows device name
    such as ``CON`` becomes ``_CON.md``; the record keeps the id as written)."""
    from kb.notes.files import portable_name

    return f"{TICKETS_FOLDER}/{portable_name(ticket_id)}.md"


def render(record: TicketRecord) -> str:
    """The record's file text. The same record always gives the same bytes (imports are
    idempotent because of this)."""
    lines = ["---"]
    for key in ("id", "title", "status", "opened", "resolved", "caller", "assignee", "category"):
        value = _one_line(getattr(record, key))
        if value or key in ("id", "title"):
            lines.append(f"{key}: {_scalar(value)}")
    tags = [_one_line(tag) for tag in record.tags if _one_line(tag)]
    if tags:
        items = ", ".join(_scalar(tag, flow=True) for tag in dict.fromkeys(tags))
        lines.append(f"tags: [{items}]")
    if record.source:
        lines.append(f"source: {record.source}")
    lines.append("---")
    sections = [("Description", record.description), ("Resolution", record.resolution)]
    for heading, text in sections:
        lines.append(f"## {heading}")
        lines.append("")
        body = _markdown_safe(text)
        if body:
            lines.append(body)
            lines.append("")
    if record.comments:
        lines.append("## Comments")
        lines.append("")
        for comment in record.comments:
            who = " · ".join(
                part for part in (_one_line(comment.when), _one_line(comment.author)) if part
            )
            lines.append(f"### {who or 'Comment'}")
            lines.append("")
            body = _markdown_safe(comment.text)
            if body:
                lines.append(body)
                lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def import_source(text: str) -> str | None:
    """The import marker (``source:``) of a record's text, or None when kb did not write it."""
    value = frontmatter.parse(text).data.get("source")
    return value if isinstance(value, str) and value in IMPORT_SOURCES else None


def existing_source(root: Path, rel: str) -> tuple[bytes | None, str | None]:
    """The current bytes of a record file (None when absent) and its import marker."""
    try:
        data = (Path(root) / rel).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None, None
    return data, import_source(data.decode("utf-8", errors="replace"))


_PLAIN = re.compile(r"^[^\W\d_][\w .,()/&'+@!?%-]*$")
_FLOW_PLAIN = re.compile(r"^[^\W\d_][\w .()/&'+@!?%-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _scalar(value: str, *, flow: bool = False) -> str:
    """A front matter value: plain when YAML reads it back as the same string, else a
    double-quoted scalar (JSON's escapes are YAML's). Much faster than a YAML dump per value,
    which matters on a 50,000-ticket import."""
    pattern = _FLOW_PLAIN if flow else _PLAIN
    if (
        pattern.match(value)
        and not value.endswith((" ", ".", ":"))
        and value.lower() not in _YAML_WORDS
        and value.isprintable()
    ):
        return value
    if value.isprintable() and not any(char in value for char in "\x85\u2028\u2029\ufeff"):
        return json.dumps(value, ensure_ascii=False)
    return frontmatter.dump_value(value)  # YAML's own escapes for control characters


def _one_line(value: object) -> str:
    return " ".join(storable(str(value or "")).split())


def _markdown_safe(text: str) -> str:
    """Ticket text as a Markdown section body: trimmed, and never starting a heading of its
    own (a line "# Steps" in a description must not split the record into sections)."""
    # A NUL or other control character from the export would make the record binary to
    # git and kb: unsearchable, and never checked for secrets.
    text = storable(text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not text.strip():
        return ""
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if _FENCE_LINE.match(line):
            fenced = not fenced
        elif not fenced:
            line = _HEADING_START.sub(r"\1\\\2", line)
        out.append(line.rstrip())
    if fenced:
        out.append("```")
    return "\n".join(out).strip("\n")


def sections(body: str) -> dict[str, str]:
    """A record's ``## `` sections by lower-case heading ("description", "resolution",
    "comments"), as written (code blocks kept whole)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    fenced = False
    for line in body.replace("\r\n", "\n").split("\n"):
        if _FENCE_LINE.match(line):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            current = found.setdefault(line[3:].strip().lower(), [])
            continue
        if current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip("\n") for name, lines in found.items()}
