"""Jira and Jira Service Management CSV exports: repeated headers (``Comment``, ``Labels``)
kept as lists, comment cells ``date;author;body``, dates like ``03/Nov/26 9:14 AM``, and
Jira's wiki markup turned into plain text (code blocks become Markdown code blocks)."""

from __future__ import annotations

import re

from kb.tickets.importers.common import (
    Columns,
    Parsed,
    parse_date,
    plain_text,
    read_csv,
    require_id,
)
from kb.tickets.importers.csvfile import CsvExport
from kb.tickets.records import Comment, TicketRecord

FORMAT = "jira"
FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("Issue key", "Key"),
    "title": ("Summary",),
    "status": ("Status",),
    "opened": ("Created",),
    "resolved": ("Resolved", "Resolution date"),
    "caller": ("Reporter", "Custom field (Customer)", "Creator"),
    "assignee": ("Assignee",),
    "category": (
        "Custom field (Request Type)",
        "Custom field (Customer Request Type)",
        "Component/s",
        "Components",
        "Issue Type",
    ),
    "description": ("Description",),
    "resolution": ("Resolution",),
    "resolution_notes": ("Custom field (Resolution notes)", "Custom field (Resolution)"),
}
_CODE = re.compile(r"\{(code|noformat)(?::([^}]*))?\}(.*?)\{\1\}", re.S)
_HEADING = re.compile(r"^h[1-6]\.\s*", re.M)
_LINK = re.compile(r"\[([^|\]\n]+)\|([^\]\n]+)\]")
_BARE_LINK = re.compile(r"\[((?:https?|mailto):[^\]\s]+)\]")
_COLOR = re.compile(r"\{color(?::[^}]*)?\}")
_QUOTE = re.compile(r"\{quote\}")
_PANEL = re.compile(r"\{panel(?::[^}]*)?\}")
_STRONG = re.compile(r"(?<![\w*])\*(\S(?:[^*\n]*\S)?)\*(?![\w*])")
_MONO = re.compile(r"\{\{(.+?)\}\}")
_BULLET = re.compile(r"^([*#]+)\s+", re.M)
_TABLE_HEAD = re.compile(r"\|\|")
_MENTION = re.compile(r"\[~(?:accountid:)?([^\]]+)\]")
_IMAGE = re.compile(r"!([^!\s|]+\.(?:png|jpe?g|gif|bmp|svg))(?:\|[^!]*)?!", re.I)


def looks_like(columns: Columns) -> bool:
    """True for a Jira CSV header."""
    return columns.has("Issue key", "Summary")


def parse_csv(export: CsvExport, parsed: Parsed) -> None:
    """Read a Jira CSV export."""

    def make(columns: Columns, cells: list[str]) -> TicketRecord:
        def get(key: str) -> str:
            return columns.value(cells, *FIELDS[key])

        resolution = "\n\n".join(
            text for text in (get("resolution"), markup_to_text(get("resolution_notes"))) if text
        )
        return TicketRecord(
            id=require_id(get("id")),
            title=plain_text(get("title")),
            status=get("status"),
            opened=parse_date(get("opened")),
            resolved=parse_date(get("resolved")),
            caller=get("caller"),
            assignee=get("assignee"),
            category=get("category"),
            description=markup_to_text(get("description")),
            resolution=resolution,
            comments=[comment(cell) for cell in columns.values(cells, "Comment")],
            tags=[
                label for cell in columns.values(cells, "Labels") for label in cell.split() if label
            ],
            source=FORMAT,
        )

    read_csv(export, make, parsed)


def comment(cell: str) -> Comment:
    """A ``Comment`` cell: ``03/Nov/26 9:14 AM;author;body`` (the body may hold ``;``)."""
    parts = cell.split(";", 2)
    if len(parts) == 3:
        when = parse_date(parts[0])
        if when and when[:1].isdigit() and when != parts[0].strip():
            return Comment(when, parts[1].strip(), markup_to_text(parts[2]))
    return Comment("", "", markup_to_text(cell))


def markup_to_text(text: str) -> str:
    """Jira wiki markup as plain text; ``{code}`` and ``{noformat}`` become Markdown fences."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[str] = []

    def keep(match: re.Match[str]) -> str:
        language = (match.group(2) or "").split("|")[0].strip()
        language = "" if "=" in language else language
        blocks.append(f"\n```{language}\n{match.group(3).strip(chr(10))}\n```\n")
        return f"\x00{len(blocks) - 1}\x00"

    text = _CODE.sub(keep, text)
    text = _HEADING.sub("", text)
    text = _IMAGE.sub(r"[image: \1]", text)
    text = _LINK.sub(
        lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text
    )
    text = _BARE_LINK.sub(r"\1", text)
    text = _MENTION.sub(r"@\1", text)
    text = _COLOR.sub("", text)
    text = _QUOTE.sub("", text)
    text = _PANEL.sub("", text)
    text = _MONO.sub(r"`\1`", text)
    text = _STRONG.sub(r"\1", text)
    text = _BULLET.sub(
        lambda m: "  " * (len(m.group(1)) - 1) + ("- " if m.group(1)[-1] == "*" else "1. "), text
    )
    text = _TABLE_HEAD.sub("|", text)
    text = plain_text(text) if "<" in text else text.strip()
    text = re.sub(r"\x00(\d+)\x00", lambda m: blocks[int(m.group(1))], text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
