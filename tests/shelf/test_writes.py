"""Writes where they belong: new notes and questions to the default KB unless --to names
another; a note is edited, linked and logged in its own KB."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests.helpers import git_log, no_traceback
from tests.shelf.conftest import Shelf


def test_new_note_goes_to_the_default_kb(shelf: Shelf) -> None:
    result = shelf.cli("new", "--title", "Teams camera black")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert (shelf.personal / "notes/teams-camera-black.md").is_file()
    assert git_log(shelf.personal)[0].endswith("Teams camera black")
    assert not (shelf.team / "notes/teams-camera-black.md").exists()


def test_new_note_and_question_go_where_to_says(shelf: Shelf) -> None:
    result = shelf.cli("new", "--title", "Teams camera black", "--to", "team")
    assert result.exit_code == 0, result.output
    assert (shelf.team / "notes/teams-camera-black.md").is_file()
    assert git_log(shelf.team)[0].endswith("Teams camera black")
    asked = shelf.cli("ask", "Why does the badge reader beep twice?", "--to", "ops")
    assert asked.exit_code == 0, asked.output
    assert any("badge" in path.name for path in (shelf.ops / "notes").rglob("*.md"))
    followups = shelf.cli("--kb", "ops", "followups")
    assert "badge reader" in followups.stdout


def test_to_an_unknown_kb_is_one_clear_line(shelf: Shelf) -> None:
    result = shelf.cli("new", "--title", "X", "--to", "nowhere")
    no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "kb: no KB named 'nowhere' in the config's [kbs] (known: me, team, ops)"
    )


def test_a_note_is_edited_and_linked_in_its_own_kb(shelf: Shelf, tmp_path: Path) -> None:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text() + '\\nAlso check the OST size.\\n')\n"
    )
    team_commits = len(git_log(shelf.team))
    personal_commits = len(git_log(shelf.personal))
    result = shelf.cli("edit", "outlook-password", env={"EDITOR": f"{sys.executable} {script}"})
    assert result.exit_code == 0, result.output
    assert "OST size" in (shelf.team / "notes/outlook-password.md").read_text()
    assert git_log(shelf.team)[0].startswith("Edit: Outlook keeps asking")
    linked = shelf.cli("link", "outlook-password", "INC0042001")
    assert linked.exit_code == 0, linked.output
    assert "INC0042001" in (shelf.team / "tickets/links.jsonl").read_text()
    assert not (shelf.personal / "tickets/links.jsonl").exists()
    assert len(git_log(shelf.team)) == team_commits + 2
    assert len(git_log(shelf.personal)) == personal_commits
    shown = shelf.cli("show", "shared-mailbox")
    assert "shared mailbox password" in shown.stdout


def test_a_name_in_several_kbs_asks_for_the_kb(shelf: Shelf) -> None:
    shelf.cli("new", "--title", "Outlook password", "--to", "ops")
    shelf.cli("new", "--title", "Outlook password", "--to", "me")
    result = shelf.cli("show", "notes/outlook-password.md")
    no_traceback(result)
    assert result.exit_code == 2
    assert "several KBs (me, team, ops)" in result.stderr
    picked = shelf.cli("show", "team:notes/outlook-password.md")
    assert picked.exit_code == 0, picked.output
    assert "recreate the profile" in picked.stdout


def test_a_default_kb_line_inside_the_kbs_table_is_taken_as_meant(shelf: Shelf) -> None:
    # TOML reads every line after "[kbs]" as part of that table: "default_kb" written there
    # is the setting the user meant, not a KB of that name. A relative folder is taken from
    # the home folder, wherever kb is started.
    team = os.path.relpath(shelf.team, Path.home())
    shelf.config.write_text(
        f'[kbs]\nme = "{shelf.personal}"\nteam = "{team}"\ndefault_kb = "team"\n',
        encoding="utf-8",
    )
    result = shelf.cli("new", "--title", "Teams camera black")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert (shelf.team / "notes/teams-camera-black.md").is_file()
    warned = [line for line in result.stderr.splitlines() if "default_kb" in line]
    assert len(warned) == 1 and "taken as the default KB" in warned[0]
    found = shelf.cli("search", "outlook", "--json")
    assert {hit["kb"] for hit in json.loads(found.stdout)} == {"me", "team"}


def test_one_folder_under_two_names_is_one_kb(shelf: Shelf) -> None:
    shelf.config.write_text(
        f'default_kb = "me"\n[kbs]\nme = "{shelf.personal}"\nteam = "{shelf.team}"\n'
        f'team_again = "{shelf.team}/"\n',
        encoding="utf-8",
    )
    found = shelf.cli("search", "outlook", "password", "--json")
    assert found.exit_code == 0, found.output
    hits = json.loads(found.stdout)
    assert len({hit["path"] for hit in hits if hit["kb"] == "team"}) == 1
    assert "team_again" not in {hit["kb"] for hit in hits}
    assert "kb: warning: config: [kbs] team_again: the same folder as team; skipped" in (
        found.stderr
    )
    assert shelf.cli("show", "outlook-password").exit_code == 0  # not "in several KBs"


def test_an_unknown_kb_name_says_which_names_there_are(shelf: Shelf) -> None:
    result = shelf.cli("--kb", "nosuch", "search", "outlook")
    no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "kb: no KB named 'nosuch' in the config's [kbs] (known: me, team, ops) and no KB folder at "
    )
