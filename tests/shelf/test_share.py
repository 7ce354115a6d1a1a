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
    # The note with a ticket link has a second one: its links, naming the share's commit.
    assert len(git_log(shelf.personal)) == personal_before + 2
    assert len(git_log(shelf.team)) == team_before + 3
    assert git_log(shelf.team)[1] == "Share: ticket links of VPN split tunnel (INC0077002)"
    assert git_log(shelf.team)[2].startswith("Share: VPN split tunnel (from me:notes/")
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
    # The link made in the personal KB names the team's commit holding the version given
    # (the personal commit is not in the team's history); the front matter's ticket stays.
    given = git(shelf.personal, "show", f"{rev}:notes/vpn-split-tunnel.md")
    team_rev = next(t["rev"] for t in tickets if t["ticket"] == "INC0077002")
    assert team_rev is not None and team_rev != rev
    assert git(ben, "show", f"{team_rev}:notes/vpn-split-tunnel.md") == given
    assert sorted(t["ticket"] for t in tickets) == ["INC0077001", "INC0077002"]
    shown = ben_cli("ticket", "INC0077002")
    assert "VPN split tunnel" in shown.stdout
    suggested = shown.stdout.split("The version given: kb ")[1].split()
    assert ben_cli(*suggested).exit_code == 0


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
    assert "kb:allow-secret" in refused.stderr  # how to pass a line that is no secret
    assert secret.exists()
    assert not (shelf.ops / "notes/outlook-quick-fix.md").exists()


def test_a_version_given_that_changed_since_stays_in_the_personal_history(shelf: Shelf) -> None:
    assert shelf.cli("link", "vpn-split-tunnel", "INC0077003").exit_code == 0
    rev = json.loads(shelf.cli("link", "vpn-split-tunnel", "--json").stdout)[0]["rev"]
    note = shelf.personal / "notes/vpn-split-tunnel.md"
    note.write_text(note.read_text() + "\nAlso reboot the laptop.\n")
    assert shelf.cli("--kb", "me", "save").exit_code == 0
    shared = shelf.cli("share", "vpn-split-tunnel", "--to", "team")
    assert shared.exit_code == 0, shared.output
    assert f"INC0077003: the version given ({rev[:7]}) was changed since" in shared.stderr
    team_links = json.loads(shelf.cli("link", "team:vpn-split-tunnel", "--json").stdout)
    assert [(t["ticket"], t["rev"]) for t in team_links if t["ticket"] == "INC0077003"] == [
        ("INC0077003", None)
    ]
    # The version given can still be read where it lives.
    old = shelf.cli("show", "me:notes/vpn-split-tunnel.md", "--at", rev[:7])
    assert old.exit_code == 0, old.output
    assert "Also reboot" not in old.stdout
