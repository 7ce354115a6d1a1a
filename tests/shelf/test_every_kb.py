"""Follow-ups, health and sync over every configured KB: each line marked with its KB, and
one KB failing never stopping the others."""

from __future__ import annotations

import json

from tests.helpers import git, no_traceback
from tests.shelf.conftest import Shelf


def test_followups_list_open_questions_of_every_kb(shelf: Shelf) -> None:
    shelf.cli("ask", "Why does the badge reader beep?", "--asked-by", "Tom x4412")
    shelf.cli("ask", "Which toner fits the 4th floor printer?", "--to", "ops")
    listed = shelf.cli("followups")
    assert listed.exit_code == 0, listed.output
    assert "2 open questions in 3 KBs:" in listed.stdout
    assert "[me] Why does the badge reader beep?" in listed.stdout
    assert "[ops] Which toner fits the 4th floor printer?" in listed.stdout
    rows = json.loads(shelf.cli("followups", "--json").stdout)
    assert sorted(row["kb"] for row in rows) == ["me", "ops"]
    one = shelf.cli("--kb", "ops", "followups")
    assert "toner" in one.stdout and "badge" not in one.stdout


def test_stats_for_every_kb_or_one(shelf: Shelf) -> None:
    every = json.loads(shelf.cli("stats", "--json").stdout)
    assert list(every) == ["me", "team", "ops"]
    text = shelf.cli("stats").stdout
    assert "== me (" in text and "== team (" in text and "== ops (" in text
    one = shelf.cli("--kb", "team", "stats", "--json")
    assert one.exit_code == 0
    assert "me" not in json.loads(one.stdout)


def test_one_kb_failing_to_sync_does_not_stop_the_others(shelf: Shelf) -> None:
    git(shelf.team, "remote", "set-url", "origin", str(shelf.team.parent / "nowhere.git"))
    shelf.cli("new", "--title", "Toner codes", "--to", "ops")
    result = shelf.cli("sync")
    no_traceback(result)
    assert result.exit_code == 1
    assert "kb: team: sync failed:" in result.stderr
    assert any(line.startswith("ops: ") and "Sent" in line for line in result.stdout.splitlines())
    assert len([line for line in result.stdout.splitlines() if line.startswith("me: ")]) == 1
