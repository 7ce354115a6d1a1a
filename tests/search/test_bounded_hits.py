"""Each hit costs a bounded amount of work, and the answers stay those of whole texts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.search.engine import WordMatch
from kb.search.plan import match_terms
from kb.search.searching import COVERAGE_WINDOW
from kb.search.snippets import SNIPPET_WINDOW, Folded, Needles, coverage, make_snippet
from tests.helpers import write

FILLER = "The technician restarted the service and checked the event log again.\n\n" * 100


def test_completions_of_a_typed_word_find_what_the_word_finds() -> None:
    text = "Printers print; the printing queue of PRINT01 stalls. 0x80070005 again, reprint."
    alone = Needles(["print", "0x80070005"])
    completed = Needles(["print", "printer", "printers", "printing", "0x80070005"])
    assert list(completed.finditer(text)) == list(alone.finditer(text))
    assert sorted(completed._literals) == ["0x80070005", "print"]
    assert coverage([completed], "no such words") == 0.0
    assert coverage([completed], "A PRINTER") == 1.0


def test_a_snippet_comes_from_the_start_or_from_the_first_match_further_down() -> None:
    early = "Zebrafish driver at the top. " + FILLER + "zebrafish again at the end"
    snippet, spans = make_snippet(early, Needles(["zebrafish"]))
    assert snippet.startswith("Zebrafish driver")
    late = FILLER + "The zebrafish driver broke scanning."
    assert len(FILLER) > SNIPPET_WINDOW
    snippet, spans = make_snippet(late, Needles(["zebrafish"]))
    assert "zebrafish driver broke" in snippet
    assert [snippet[start:stop] for start, stop in spans] == ["zebrafish"]


@pytest.fixture
def long_notes(tmp_path: Path, engine: str) -> KnowledgeBase:
    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    write(root, "kb.toml", f'[search]\nengine = "{engine}"\n')
    # Both words, but the second one only far down a long note.
    write(root, "notes/long.md", "# Scanner service\n\nScanner stops.\n\n" + FILLER + "zebrafish")
    for number in range(12):
        write(root, f"notes/short-{number}.md", f"# Scanner note {number}\n\nScanner stops.\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "notes"], cwd=root, check=True, capture_output=True)
    kb = KnowledgeBase.open(root)
    kb.reindex()
    return kb


def test_a_word_far_down_a_long_note_still_counts_for_its_rank(long_notes: KnowledgeBase) -> None:
    assert len(FILLER) > COVERAGE_WINDOW
    hits = long_notes.search("scanner zebrafish", limit=3)
    assert hits[0].path == "notes/long.md"
    assert hits[0].coverage == 1.0
    # The passage shown comes from the start of the note, where "scanner" already is.
    assert hits[0].snippet.startswith("Scanner service")
    long_notes.close()


SCANNED = [
    "Printers print; the printing queue of PRINT01 stalls. 0x80070005 again, reprint.",
    "Policy and policies: the recovery key of BitLocker. Error 8004010F or 0x8004010f.",
    r"Open C:\Windows\System32\spool and c:\windows; see /var/log/cups/error_log twice.",
    "sss ss s-s s_s sync synced syncing resync: one drive, OneDrive, drive-by, s3 " * 20,
    "Straße STRASSE İstanbul: lower-casing that changes the length, then print.",
    "",
]
TERMS = [
    ["print", "0x80070005"],
    ["polici", "recoveri", "8004010f", "key"],
    [r"c:\windows", "/var/log/cups", "spool", "windows"],
    ["s", "sync", "one", "drive"],
    ["strass", "print", "istanbul"],
    ["80070005", "log", "error_log", "s-s"],
]


@pytest.mark.parametrize("terms", TERMS)
def test_looking_only_where_a_word_can_begin_finds_what_the_pattern_finds(
    terms: list[str],
) -> None:
    # Needles try their pattern only where one of their literals occurs (or scan with it when
    # those are too many): every match, and the yes/no of coverage, must be the pattern's own.
    needles = Needles(terms)
    assert needles._plain is not None
    for text in SCANNED:
        lowered = text.lower()
        target = lowered if len(lowered) == len(text) else text
        pattern = needles._plain if target is lowered else needles._folding()
        assert pattern is not None
        expected = [(m.start(), m.end(), m.group(0).lower()) for m in pattern.finditer(target)]
        assert list(needles.finditer(text)) == expected, text
        assert needles.search_folded(Folded(text)) == bool(expected), text


def test_a_synonym_in_several_words_counts_only_with_its_words_together() -> None:
    # "logon" is also "log in" and "sign in": a text holding "log" in one place and "in"
    # in another does not hold the word, and only the phrase is highlighted, not every "in".
    word = WordMatch(("logon", "login"), (("log", "in"), ("sign", "in")))
    assert match_terms(word) == ["logon", "login", "log in", "sign in"]
    needles = Needles(match_terms(word))
    assert coverage([needles], "Users cannot log in after the update.") == 1.0
    assert coverage([needles], "Signing in to Outlook fails.") == 1.0
    assert coverage([needles], "Read the event log; the printer in room 4 is online.") == 0.0
    text = "Log in again: the information in the log is online."
    assert [text[start:stop] for start, stop, _key in needles.finditer(text)] == ["Log in"]
    snippet, spans = make_snippet(text, needles)
    assert [snippet[start:stop] for start, stop in spans] == ["Log in"]
