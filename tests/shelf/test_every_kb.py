"""Follow-ups, health and sync over every configured KB: each line marked with its KB, and
one KB failing never stopping the others."""

from __future__ import annotations

import json

from tests.helpers import git, no_traceback, write
from tests.shelf.conftest import TEAM_GUIDE, TEAM_NOTE, Shelf


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


def _conflict_in_team(shelf: Shelf) -> None:
    """A teammate and this user both change the same line of a team note; kb sync keeps
    the conflict for review."""
    mate = shelf.team.parent / "mate"
    git(shelf.team.parent, "clone", "-q", str(shelf.team_server), str(mate))
    note = "notes/outlook-password.md"
    (mate / note).write_text(TEAM_NOTE.replace("recreate the profile", "repair Office"))
    git(mate, "commit", "-qam", "Repair instead")
    git(mate, "push", "-q")
    (shelf.team / note).write_text(TEAM_NOTE.replace("recreate the profile", "reboot twice"))
    result = shelf.cli("sync")
    no_traceback(result)
    assert result.exit_code == 1


def test_resolve_lists_and_settles_a_conflict_kept_in_a_team_kb(shelf: Shelf) -> None:
    _conflict_in_team(shelf)
    listed = shelf.cli("resolve")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.startswith("team: notes/outlook-password.md  ←→  ")
    settled = shelf.cli("resolve", "outlook-password", "--theirs")
    assert settled.exit_code == 0, settled.output
    assert settled.stdout.startswith("team: ")
    assert "repair Office" in (shelf.team / "notes/outlook-password.md").read_text()
    assert shelf.cli("resolve").stdout == "No conflicts waiting.\n"


def test_resolve_takes_the_kb_name_before_the_note(shelf: Shelf) -> None:
    _conflict_in_team(shelf)
    wrong = shelf.cli("resolve", "ops:outlook-password", "--mine")
    assert wrong.exit_code == 1
    assert "no conflict waiting for 'outlook-password'" in wrong.stderr
    settled = shelf.cli("resolve", "team:notes/outlook-password.md", "--mine")
    assert settled.exit_code == 0, settled.output
    assert "reboot twice" in (shelf.team / "notes/outlook-password.md").read_text()


def test_guides_of_every_kb_are_listed_and_read_from_the_cli(shelf: Shelf) -> None:
    write(shelf.team, "notes/team-onboarding.md", TEAM_GUIDE)
    listed = shelf.cli("guide")
    assert listed.exit_code == 0, listed.output
    assert "[team] Team onboarding" in listed.stdout
    assert "team:notes/team-onboarding.md" in listed.stdout
    rows = json.loads(shelf.cli("guide", "--json").stdout)
    assert [(row["kb"], row["title"]) for row in rows] == [("team", "Team onboarding")]
    for name in ("team onboarding", "team:team-onboarding"):
        read = shelf.cli("guide", name)
        assert read.exit_code == 0, read.output
        assert "GUIDE  Team onboarding" in read.stdout
        assert "recreate the profile" in read.stdout  # the step, read from the team KB
    write(shelf.ops, "notes/ops-onboarding.md", TEAM_GUIDE.replace("Team", "Ops team"))
    both = shelf.cli("guide", "onboarding")
    assert both.exit_code == 2
    assert "matches guides in several KBs (team, ops)" in both.stderr
    missing = shelf.cli("guide", "printer handbook")
    assert missing.exit_code == 1
    assert "no guide matches 'printer handbook' in any KB" in missing.stderr


def test_kb_ticket_shows_the_notes_every_kb_ties_to_the_ticket(shelf: Shelf) -> None:
    linked = shelf.cli("link", "team:outlook-password", "INC0055555")
    assert linked.exit_code == 0, linked.output
    shown = shelf.cli("ticket", "INC0055555")
    assert shown.exit_code == 0, shown.output
    assert "team:notes/outlook-password.md" in shown.stdout
    # The command suggested names the KB, so that it works as printed.
    suggested = shown.stdout.split("The version given: kb ")[1].split()
    assert suggested[:2] == ["show", "team:notes/outlook-password.md"]
    again = shelf.cli(*suggested)
    assert again.exit_code == 0, again.output
    data = json.loads(shelf.cli("ticket", "INC0055555", "--json").stdout)
    assert [(row["kb"], row["path"]) for row in data["notes"]] == [
        ("team", "notes/outlook-password.md")
    ]
    unknown = shelf.cli("ticket", "INC0099999")
    assert unknown.exit_code == 1
    assert "no ticket INC0099999 in any KB (me, team, ops)" in unknown.stderr


def test_check_and_index_cover_every_kb(shelf: Shelf) -> None:
    write(shelf.ops, "notes/broken.md", "# Broken\n\nSee [[no-such-note]].\n")
    checked = shelf.cli("check")
    assert checked.exit_code == 1, checked.output
    lines = checked.stdout.splitlines()
    assert any(line.startswith("ops: notes/broken.md") for line in lines), lines
    summaries = [line.split(":")[0] for line in lines if line.endswith(" files.")]
    assert summaries == ["me", "team", "ops"]
    rows = json.loads(shelf.cli("check", "--json").stdout)
    assert ("ops", "notes/broken.md") in {(row["kb"], row["path"]) for row in rows}
    assert "ops:" not in shelf.cli("--kb", "team", "check").stdout
    indexed = shelf.cli("index")
    assert indexed.exit_code == 0, indexed.output
    assert [line.split(":")[0] for line in indexed.stdout.splitlines()] == ["me", "team", "ops"]


def test_kb_without_a_terminal_gives_an_overview_of_every_kb(shelf: Shelf) -> None:
    result = shelf.cli()  # CliRunner: no terminal, so the overview instead of the app
    assert result.exit_code == 0, result.output
    heads = [line for line in result.stdout.splitlines() if line.startswith("KB: ")]
    assert heads == [
        f"KB: {shelf.personal} (me, the default)",
        f"KB: {shelf.team} (team)",
        f"KB: {shelf.ops} (ops)",
    ]
