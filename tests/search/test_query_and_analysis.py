"""Query parsing, text analysis, edit distance and snippets: what search makes of the words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kb.search import analysis, query

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


# --- near words and snippets --------------------------------------------------------------


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


def test_a_snippet_shows_wiki_links_as_a_reader_reads_them() -> None:
    from kb.search.snippets import make_snippet, needle_pattern

    text = (
        "Clear the credentials, then see [[me:notes/vpn-split-tunnel.md|the VPN note]], "
        "[[printer-offline]] and [[team:notes/spooler.md#Steps]]."
    )
    snippet, highlights = make_snippet(text, needle_pattern(["vpn", "spooler"]))
    assert snippet == ("Clear the credentials, then see the VPN note, printer-offline and spooler.")
    assert [snippet[a:b] for a, b in highlights] == ["VPN", "spooler"]
    shell = "Run: if [[ -f /etc/hosts ]]; then echo found; fi"
    assert make_snippet(shell, None)[0] == shell  # a shell test is no link


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_term_lists_agree_with_analyze(text: str) -> None:
    stemmed, surface = analysis.term_lists(text)
    assert stemmed == analysis.terms(text)
    assert surface == analysis.terms(text, stemmed=False)
