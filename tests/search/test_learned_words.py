"""Learning from use: a search that ended at a note teaches the note its words, shared in the
KB, visible and removable from the command line and the app."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.search import learned
from tests.helpers import OOF, Cli, learning_kb

PRINTER = "notes/printer.md"


@pytest.fixture
def root(tmp_path: Path, engine: str) -> Path:
    return learning_kb(tmp_path / "kb", engine)


def _status(root: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def test_a_search_that_ended_at_a_note_finds_it_next_time(root: Path) -> None:
    with KnowledgeBase.open(root) as kb:
        assert not kb.search("oof out of office", refresh=False)
        outcome = kb.learn("oof out of office automatic replies", OOF)
        # Only words the note lacks: "automatic" and "replies" are already in it.
        assert outcome.words == ["oof", "out", "office"]
        results = kb.search("oof", refresh=False)
        assert [hit.path for hit in results] == [OOF] and not results.weak
        assert kb.search("out of office", refresh=False)[0].path == OOF
        assert kb.learned_words() == {OOF: ["oof", "out", "office"]}
        # Learning the same words again changes nothing.
        assert kb.learn("oof", OOF).words == []
    # Kept in the KB for the team, committed with the next save or sync (not per search).
    line = json.loads((root / learned.WORDS_FILE).read_text().splitlines()[0])
    assert line["action"] == "learn" and line["note"] == OOF
    assert set(line) == {"action", "note", "words", "at"}  # nobody's name, no query
    assert "search-words.jsonl" in _status(root)
    assert f"{learned.WORDS_FILE} merge=union" in (root / ".gitattributes").read_text()


def test_only_plain_words_are_learned_never_ids_numbers_or_addresses() -> None:
    query = "ana.lopez@example.org 555-0199 INC0012345 0x80070005 srv-01 tag:vpn -mac the mailbox"
    assert learned.teachable_words(query) == ["mailbox"]
    assert learned.teachable_words("a b cd Printer PRINTER") == ["printer"]
    assert learned.teachable_words("alpha bravo charlie delta echoes foxtrot golf") == [
        "alpha",
        "bravo",
        "charlie",
        "delta",
        "echoes",
        "foxtrot",
    ]


def test_forgetting_removes_the_words_and_commits(root: Path) -> None:
    with KnowledgeBase.open(root) as kb:
        kb.learn("oof holiday", OOF)
        assert kb.forget_words(OOF, ["OOF"]).words == ["oof"]
        assert not kb.search("oof", refresh=False)
        assert kb.search("holiday", refresh=False)[0].path == OOF
        assert kb.forget_words(OOF).words == ["holiday"]
        assert not kb.search("holiday", refresh=False)
        assert kb.learned_words() == {}
    assert _status(root) == ""  # forgetting is a deliberate edit: committed at once


def test_unreadable_or_hostile_log_lines_are_skipped(root: Path) -> None:
    (root / learned.WORDS_FILE).write_text(
        "not json\n"
        '{"action": "learn", "note": "notes/printer.md", "words": ["toner", "\\u001b[31m", 5]}\n'
        "<<<<<<< HEAD\n"
        '{"action": "explode", "note": "x", "words": ["a"]}\n'
    )
    assert learned.read_words(root) == {PRINTER: ["toner"]}
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
        assert kb.search("toner", refresh=False)[0].path == PRINTER


def test_the_command_line_lists_teaches_and_forgets(root: Path) -> None:
    cli = Cli(root)
    assert cli("words").output.strip() == "No learned search words."
    result = cli("words", OOF, "--add", "oof out of office")
    assert result.exit_code == 0, result.output
    assert "learned oof, out, office" in result.output
    assert cli("search", "oof").exit_code == 0
    assert cli("words").output.strip() == f"{OOF}: oof, out, office"
    listed = json.loads(cli("words", "--json").output)
    assert listed == [{"path": OOF, "words": ["oof", "out", "office"]}]
    assert "forgot oof" in cli("words", OOF, "--forget", "--word", "oof").output
    assert cli("search", "oof").exit_code == 1
    assert cli("words", "--forget").exit_code == 2  # which note?
    assert cli("words", "no-such-note", "--forget").exit_code == 1
