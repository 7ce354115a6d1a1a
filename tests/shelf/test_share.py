"""kb share: a personal note moves into a team KB, one commit in each repository, and reaches
a teammate's clone through kb sync with its links and ticket links intact."""

from __future__ import annotations

import json
from pathlib import Path

from kb import KnowledgeBase
from kb.guides.progress import ReadingProgress
from tests.helpers import Cli, git, git_log, no_traceback
from tests.shelf.conftest import Shelf


def test_a_shared_note_reaches_the_team_with_links_and_tickets(
    shelf: Shelf, tmp_path: Path
) -> None:
    linked = shelf.cli("link", "vpn-split-tunnel", "INC0077002")
    assert linked.exit_code == 0, linked.output
    rev = json.loads(shelf.cli("link", "vpn-split-tunnel", "--json").stdout)[0]["rev"]
    ReadingProgress(shelf.personal).mark_read(["notes/vpn-split-tunnel.md"])
    personal_before = len(git_log(shelf.personal))
    team_before = len(git_log(shelf.team))

    first = shelf.cli("share", "vpn-split-tunnel", "--to", "team")
    no_traceback(first)
    assert first.exit_code == 0, first.output
    assert "Shared notes/vpn-split-tunnel.md from me to team, with 1 ticket link(s)." in (
        first.stdout
    )
    second = shelf.cli("share", "outlook-quick-fix", "--to", "team")
    assert second.exit_code == 0, second.output
    assert "leads to no note" not in second.stderr  # its link goes to a note the team has

    # One commit in each repository per share; the team's says where the note came from.
    assert len(git_log(shelf.personal)) == personal_before + 2
    assert len(git_log(shelf.team)) == team_before + 2
    assert git_log(shelf.team)[1].startswith("Share: VPN split tunnel (from me:notes/")
    assert not (shelf.personal / "notes/vpn-split-tunnel.md").exists()
    assert ReadingProgress(shelf.team).is_read("notes/vpn-split-tunnel.md")
    mine = json.loads(shelf.cli("--kb", "me", "search", "split", "tunnel", "--json").stdout)
    assert mine == []

    synced = shelf.cli("sync")
    no_traceback(synced)
    assert synced.exit_code == 0, synced.output
    assert "me: no remote 'origin', not synced" in synced.stdout
    assert any(line.startswith("team: Sent") for line in synced.stdout.splitlines())
    assert any(line.startswith("ops: Already in sync") for line in synced.stdout.splitlines())

    ben = tmp_path / "ben"
    git(tmp_path, "clone", "-q", str(shelf.team_server), str(ben))
    ben_cli = Cli(ben)
    assert ben_cli("sync").exit_code == 0
    found = json.loads(ben_cli("search", "credential", "manager", "--json").stdout)
    assert [hit["path"] for hit in found] == ["notes/outlook-quick-fix.md"]
    with KnowledgeBase.open(ben) as team_kb:
        note = team_kb.note("notes/outlook-quick-fix.md")
        assert [team_kb.follow_link(note.path, link) for link in note.body.links] == [
            "notes/vpn-split-tunnel.md"
        ]
    tickets = json.loads(ben_cli("link", "vpn-split-tunnel", "--json").stdout)
    # The link made in the personal KB keeps its revision; the front matter's ticket stays.
    assert sorted((t["ticket"], t["rev"]) for t in tickets) == [
        ("INC0077001", None),
        ("INC0077002", rev),
    ]
    assert "VPN split tunnel" in ben_cli("ticket", "INC0077002").stdout


def test_share_is_refused_when_the_team_has_that_name_or_it_holds_a_secret(
    shelf: Shelf,
) -> None:
    shelf.cli("new", "--title", "VPN split tunnel", "--to", "team")
    clash = shelf.cli("share", "me:vpn-split-tunnel", "--to", "team")
    no_traceback(clash)
    assert clash.exit_code == 2
    assert clash.stderr.strip() == (
        "kb: not shared: 'team' already has a note named 'vpn-split-tunnel' "
        "(notes/vpn-split-tunnel.md); rename one of them first"
    )
    secret = shelf.personal / "notes/outlook-quick-fix.md"
    secret.write_text(secret.read_text() + "\npassword = Hunter2-Winter!\n")
    refused = shelf.cli("share", "outlook-quick-fix", "--to", "ops")
    assert refused.exit_code == 2
    assert "not shared: line" in refused.stderr and "looks like" in refused.stderr
    assert secret.exists()
    assert not (shelf.ops / "notes/outlook-quick-fix.md").exists()
