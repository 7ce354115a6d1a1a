"""Ticket ids and Markdown structure: what kb reads out of a note's text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.notes import ticket_ids as tickets
from kb.notes.markdown import parse_body
from kb.notes.note import parse_note

# --- ticket ids ---------------------------------------------------------------------------


def test_default_ticket_patterns() -> None:
    matcher = tickets.TicketMatcher()
    text = (
        "Fixed INC0012345 and REQ0001234, RITM0010001, CHG0030002, PRB0040003; also HELP-482. "
        "Not tickets: UTF-8, SHA-256, CVE-2024-1234, WPA-2, TLS-1, #1234, inc, INC12."
    )
    assert matcher.find(text) == [
        "INC0012345",
        "REQ0001234",
        "RITM0010001",
        "CHG0030002",
        "PRB0040003",
        "HELP-482",
    ]


def test_hash_numbers_only_when_enabled() -> None:
    assert tickets.TicketMatcher().find("see #1234") == []
    assert tickets.TicketMatcher(hash_numbers=True).find("see #1234 and x#99") == ["#1234"]
    assert tickets.TicketMatcher().is_ticket_id("#1234")


def test_team_patterns_replace_defaults() -> None:
    matcher = tickets.TicketMatcher(patterns=(r"\bCASE-\d{6}\b",))
    assert matcher.find("CASE-123456 INC0012345") == ["CASE-123456"]
    assert matcher.is_ticket_id("case-123456")


def test_bad_team_pattern_is_ignored() -> None:
    matcher = tickets.TicketMatcher(patterns=("([unclosed", r"\bX-\d+\b"))
    assert matcher.find("X-12") == ["X-12"]


def test_ticket_ids_from_front_matter_values() -> None:
    assert tickets.from_field(["inc0012345", "INC0012345", 42, {"a": 1}]) == ["INC0012345", "42"]
    assert tickets.from_field("INC1, INC2") == ["INC1", "INC2"]
    assert tickets.from_field(None) == []


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_ticket_extraction_never_raises(text: str) -> None:
    assert isinstance(tickets.TicketMatcher(hash_numbers=True).find(text), list)
    tickets.from_field(text)


# --- Markdown structure -------------------------------------------------------------------


def test_sections_links_and_code() -> None:
    body = parse_body(
        "# Title here\n\n## Symptoms\nIt breaks.\n\n## Resolution\nSee [[other-note|the other]]"
        " and [guide](../guides/start.md#part), not [site](https://x.org) or `[[code]]`.\n\n"
        "```powershell\nRestart-Service Spooler\n```\n\n## Cause\nWhy.\n"
    )
    assert body.first_heading == "Title here"
    assert body.sections["issue"] == "It breaks."
    assert body.sections["resolution"].startswith("See [[other-note|the other]]")
    assert body.sections["cause"] == "Why."
    assert [(link.kind, link.target) for link in body.links] == [
        ("wiki", "other-note"),
        ("relative", "../guides/start.md"),
    ]
    assert body.code_blocks[0].language == "powershell"
    assert "Restart-Service Spooler" in body.text
    assert "https://x.org" not in body.text


def test_title_falls_back_to_heading_then_file_name() -> None:
    assert parse_note("notes/a.md", "---\ntitle: Front\n---\n# Heading\n").title == "Front"
    assert parse_note("notes/a.md", "# Heading\ntext").title == "Heading"
    assert parse_note("notes/vpn-drops-hourly.md", "text only").title == "vpn drops hourly"


def test_note_fields_are_normalised() -> None:
    note = parse_note(
        "notes/x.md",
        "---\ntype: Fix\nstatus: Validated\ntags: outlook, mfa\ntickets: [inc0012345]\n"
        "created: 2026-11-20\n---\nAlso seen in INC0099999 and HELP-7.\n",
    )
    assert (note.type, note.status, note.tags) == ("fix", "validated", ["outlook", "mfa"])
    assert note.tickets == ["INC0012345"]
    assert note.mentioned_tickets == ["INC0099999", "HELP-7"]
    assert note.created is not None and note.created.isoformat() == "2026-11-20"


def test_broken_front_matter_note_is_still_read() -> None:
    note = parse_note("notes/x.md", "---\ntitle: [oops\n---\n# Printer jam\nPaper stuck.\n")
    assert note.title == "Printer jam"
    assert note.problems and "not valid YAML" in note.problems[0].message


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parse_note_never_raises(text: str) -> None:
    note = parse_note("notes/any.md", text)
    assert note.title


def test_a_body_read_again_is_the_same_reading_and_the_memo_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Screens that read every note (health, follow-ups, guides) read unchanged notes again
    and again: the second reading of a text costs a lookup, and the memo holds a bounded
    amount of text, dropping the least recently read first."""
    from kb.notes import markdown

    text = "## Issue\nPrinter offline.\n\n## Resolution\nRestart the [[spooler]].\n"
    first = parse_body(text)
    assert parse_body(text) is first
    assert parse_body(text + "\nMore.") is not first
    assert parse_body(text + "\nMore.").text.endswith("More.")
    monkeypatch.setattr(markdown, "READ_MEMO_CHARS", len(text) * 3)
    others = [parse_body(f"{text}\n{number}") for number in range(4)]
    assert others[-1] is parse_body(f"{text}\n3")  # the latest are kept
    assert parse_body(text) is not first  # the oldest was dropped, and is read anew
    assert parse_body(text).sections == first.sections
    assert sum(len(kept) for kept in markdown._READ) <= len(text) * 3 + 10
    huge = "word " * (markdown.READ_MEMO_LONGEST // 5 + 10)
    assert parse_body(huge) is not parse_body(huge)  # too long to keep
