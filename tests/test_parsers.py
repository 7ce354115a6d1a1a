"""Ticket ids, query parsing, text analysis and Markdown structure."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kb.notes import ticket_ids as tickets
from kb.notes.markdown import parse_body
from kb.notes.note import parse_note
from kb.search import analysis, query

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


# --- query language -----------------------------------------------------------------------


def test_query_words_phrases_exclusions_filters_and_prefix() -> None:
    parsed = query.parse(
        'outlook "blue screen" -archived tag:vpn -status:wip system:"windows 11" pass'
    )
    assert [(c.text, c.phrase, c.negated) for c in parsed.clauses] == [
        ("outlook", False, False),
        ("blue screen", True, False),
        ("archived", False, True),
        ("pass", False, False),
    ]
    assert [(f.name, f.value, f.negated) for f in parsed.filters] == [
        ("tag", "vpn", False),
        ("status", "wip", True),
        ("system", "windows 11", False),
    ]
    assert parsed.prefix == "pass"


def test_query_trailing_space_ends_the_prefix() -> None:
    assert query.parse("printer ").prefix is None
    assert query.parse('"print spooler"').prefix is None


def test_query_keeps_paths_and_codes_whole() -> None:
    parsed = query.parse(r"C:\Windows\System32 error:0x80070005 http://intranet/x")
    assert [c.text for c in parsed.clauses] == [
        r"C:\Windows\System32",
        "error:0x80070005",
        "http://intranet/x",
    ]
    assert parsed.filters == []


def test_query_boolean_words_are_lenient() -> None:
    parsed = query.parse("printer AND NOT offline OR (spooler)")
    assert [(c.text, c.negated) for c in parsed.clauses] == [
        ("printer", False),
        ("offline", True),
        ("spooler", False),
    ]


def test_empty_filter_is_ignored_and_long_query_is_cut() -> None:
    assert query.parse("tag:").is_empty
    assert len(query.parse("x" * 50_000).text) == query.MAX_QUERY_CHARS


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_query_parse_never_raises(text: str) -> None:
    parsed = query.parse(text)
    assert len(parsed.clauses) + len(parsed.filters) <= query.MAX_CLAUSES


# --- analysis -----------------------------------------------------------------------------


def test_prose_is_stemmed_and_codes_are_exact() -> None:
    terms = analysis.terms(r"Printing fails: 0x80070005 on KB5034441 at C:\Windows\System32.")
    assert "print" in terms and "fail" in terms
    assert {"0x80070005", "80070005", "kb5034441", "5034441"} <= set(terms)
    assert r"c:\windows\system32" in terms


def test_host_names_and_hyphenated_words() -> None:
    terms = analysis.terms("srv-print01.corp.local wi-fi e-mail")
    assert {"srv-print01.corp.local", "srvprint01corplocal", "srv", "print01", "corp"} <= set(terms)
    assert {"wi-fi", "wifi", "e-mail", "email"} <= set(terms)


def test_query_words_match_written_forms() -> None:
    words = analysis.query_words("0x80070005 wifi Printing the")
    assert words[0].alternatives == ("0x80070005", "80070005")
    assert words[1].alternatives == ("wifi",)
    assert words[2].alternatives == ("print",) and words[2].surface == "printing"
    assert words[3].stop


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_analysis_never_raises(text: str) -> None:
    for token in analysis.analyze(text):
        assert 0 <= token.start <= token.end <= len(text)
    analysis.query_words(text)


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


def test_edit_distance_counts_a_swap_as_one() -> None:
    assert analysis.edit_distance("pirnter", "printer") == 1
    assert analysis.edit_distance("pirnter", "pointer") == 2
    assert analysis.edit_distance("kitten", "sitting") == 3
    assert analysis.edit_distance("a", "abcdefgh", limit=2) == 3


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000), st.lists(st.text(min_size=1, max_size=8), max_size=5))
def test_snippets_never_raise_and_highlight_inside(text: str, words: list[str]) -> None:
    from kb.search.snippets import make_snippet, needle_pattern

    terms_ = [term for word in words for term in analysis.terms(word)]
    snippet, highlights = make_snippet(text, needle_pattern(terms_))
    for start, end in highlights:
        assert 0 <= start < end <= len(snippet)


def test_snippet_centres_on_the_densest_passage() -> None:
    from kb.search.snippets import make_snippet, needle_pattern

    text = "spooler " + "filler words here " * 40 + "the print spooler service restarts"
    snippet, highlights = make_snippet(text, needle_pattern(["print", "spooler", "servic"]))
    assert "print spooler service" in snippet
    assert [snippet[a:b] for a, b in highlights][-3:] == ["print", "spooler", "service"]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_term_lists_agree_with_analyze(text: str) -> None:
    stemmed, surface = analysis.term_lists(text)
    assert stemmed == analysis.terms(text)
    assert surface == analysis.terms(text, stemmed=False)
