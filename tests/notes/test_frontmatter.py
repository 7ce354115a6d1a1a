"""Front matter: reading never hides a note; editing one field keeps every other byte."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.notes import frontmatter

NOTE = (
    "---\n"
    "# team note: keep this comment\n"
    "title: Outlook asks for the password again   # caller's words\n"
    "tags:\n"
    "  - outlook\n"
    "  - m365\n"
    "status: wip  # KCS state\n"
    "custom: {a: 1}\n"
    "---\n"
    "## Issue\n"
    "Body stays   exactly as written.\n"
)


def test_parse_reads_fields_and_body() -> None:
    parsed = frontmatter.parse(NOTE)
    assert parsed.error is None
    assert parsed.data["title"] == "Outlook asks for the password again"
    assert parsed.data["tags"] == ["outlook", "m365"]
    assert parsed.body == "## Issue\nBody stays   exactly as written.\n"
    assert parsed.body_line == 10


def test_no_front_matter_is_all_body() -> None:
    parsed = frontmatter.parse("# Title\ntext\n")
    assert not parsed.present and parsed.error is None
    assert parsed.body == "# Title\ntext\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: [unclosed\n---\nbody\n", "not valid YAML (line 3"),
        ('---\ntitle: "Server Busy" error\n---\nbody\n', "not valid YAML"),
        ("---\ntitle: no closing fence\nbody\n", "no closing '---'"),
        ("---\n- a\n- b\n---\nbody\n", "not a list of 'field: value' lines"),
        ("---\ncreated: 2026-02-31\n---\nbody\n", "cannot be read"),
    ],
)
def test_broken_front_matter_is_reported_and_body_kept(text: str, message: str) -> None:
    parsed = frontmatter.parse(text)
    assert parsed.error is not None and message in parsed.error
    assert parsed.data == {}
    assert "body" in parsed.body


def test_unclosed_block_keeps_the_whole_text_as_body() -> None:
    text = "---\ntitle: x\n## Issue\nwords\n"
    assert frontmatter.parse(text).body == text


def test_set_field_changes_only_that_field_and_keeps_its_comment() -> None:
    changed = frontmatter.set_field(NOTE, "status", "validated")
    assert changed == NOTE.replace("status: wip  # KCS state", "status: validated  # KCS state")


def test_set_field_on_block_list_replaces_only_its_lines() -> None:
    changed = frontmatter.set_field(NOTE, "tags", ["outlook", "mfa"])
    expected = NOTE.replace("tags:\n  - outlook\n  - m365\n", "tags: [outlook, mfa]\n")
    assert changed == expected


def test_set_field_adds_missing_field_at_end_of_block() -> None:
    changed = frontmatter.set_field(NOTE, "review_by", dt.date(2027, 5, 20))
    assert changed == NOTE.replace("custom: {a: 1}\n", "custom: {a: 1}\nreview_by: 2027-05-20\n")
    assert frontmatter.parse(changed).data["review_by"] == dt.date(2027, 5, 20)


def test_set_field_quotes_values_that_need_it() -> None:
    changed = frontmatter.set_field(NOTE, "title", "VPN: error 809 # not a comment")
    assert frontmatter.parse(changed).data["title"] == "VPN: error 809 # not a comment"
    assert changed.endswith("## Issue\nBody stays   exactly as written.\n")


def test_set_field_without_front_matter_adds_a_block() -> None:
    changed = frontmatter.set_field("# Heading\ntext\n", "type", "fix")
    assert changed == "---\ntype: fix\n---\n# Heading\ntext\n"


def test_set_field_keeps_crlf_line_endings() -> None:
    text = NOTE.replace("\n", "\r\n")
    changed = frontmatter.set_field(text, "status", "validated")
    assert changed == text.replace("status: wip", "status: validated")


def test_set_field_refuses_an_unclosed_block() -> None:
    with pytest.raises(ValueError, match="no closing"):
        frontmatter.set_field("---\ntitle: x\nbody\n", "status", "wip")


def test_add_to_list_appends_in_the_same_style() -> None:
    block = frontmatter.add_to_list(NOTE, "tags", "mfa")
    assert block == NOTE.replace("  - m365\n", "  - m365\n  - mfa\n")
    flow = frontmatter.add_to_list("---\ntickets: [INC1]  # solved\n---\n", "tickets", "INC2")
    assert flow == "---\ntickets: [INC1, INC2]  # solved\n---\n"
    assert frontmatter.add_to_list(NOTE, "tags", "outlook") == NOTE
    missing = frontmatter.add_to_list(NOTE, "tickets", "INC0012345")
    assert frontmatter.parse(missing).data["tickets"] == ["INC0012345"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_never_raises(text: str) -> None:
    parsed = frontmatter.parse(text)
    assert isinstance(parsed.data, dict)
    assert isinstance(parsed.body, str)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=200), st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
)
def test_parse_never_raises_after_a_fence(rest: str, key: str) -> None:
    frontmatter.parse(f"---\n{key}: {rest}\n---\n{rest}")
    frontmatter.parse(f"---\n{rest}")


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80),
    st.text(max_size=200),
)
def test_set_field_round_trips_and_keeps_the_body(value: str, body: str) -> None:
    text = "---\ntitle: Old\nstatus: wip # keep\n---\n" + body
    changed = frontmatter.set_field(text, "title", value)
    parsed = frontmatter.parse(changed)
    assert changed.endswith(body)
    assert "status: wip # keep\n" in changed
    assert parsed.error is None
    assert parsed.data["title"] == value
