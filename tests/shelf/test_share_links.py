"""kb share rewrites links so they still resolve: ``[[NAME:note]]`` names a note of another
KB of the config's [kbs], and kb check, following a link and the link picker all read it."""

from __future__ import annotations

from pathlib import Path

from kb import KnowledgeBase
from kb.notes.links import link_titles
from tests.helpers import git, git_log, no_traceback, write
from tests.shelf.conftest import Shelf

STAYS = """\
---
title: Printer spooler reset
type: fix
---
## Resolution
Before anything, try [the Outlook fix](outlook-quick-fix.md)
and [[Outlook password prompt loop, my quick fix|that one]].
Keep `[[outlook-quick-fix]]` in code as it is.
"""


def _commit(root: Path) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", "More notes")


def test_share_rewrites_links_both_ways_and_check_passes(shelf: Shelf) -> None:
    write(shelf.personal, "notes/printer-spooler.md", STAYS)
    _commit(shelf.personal)
    personal_before = len(git_log(shelf.personal))

    shared = shelf.cli("share", "outlook-quick-fix", "--to", "team")
    no_traceback(shared)
    assert shared.exit_code == 0, shared.output
    assert (
        "Link kept: [[vpn-split-tunnel]] now reads "
        "[[me:notes/vpn-split-tunnel.md|vpn-split-tunnel]]" in shared.stdout
    )
    assert "Link kept: notes/printer-spooler.md: its link now leads to team:" in shared.stdout
    assert "leads to no note" not in shared.stderr
    # One commit in the personal KB holds the removal and the rewritten links.
    assert len(git_log(shelf.personal)) == personal_before + 1

    moved = (shelf.team / "notes/outlook-quick-fix.md").read_text()
    assert "then see [[me:notes/vpn-split-tunnel.md|vpn-split-tunnel]]." in moved
    assert moved.startswith("---\ntitle: Outlook password prompt loop, my quick fix\n")
    stays = (shelf.personal / "notes/printer-spooler.md").read_text()
    assert stays == STAYS.replace(
        "[the Outlook fix](outlook-quick-fix.md)",
        "[[team:notes/outlook-quick-fix.md|the Outlook fix]]",
    ).replace(
        "[[Outlook password prompt loop, my quick fix|that one]]",
        "[[team:notes/outlook-quick-fix.md|that one]]",
    )
    assert "`[[outlook-quick-fix]]`" in stays  # code is never rewritten
    assert git(shelf.personal, "status", "--porcelain").strip() == ""

    for name in ("team", "me"):
        checked = shelf.cli("--kb", name, "check")
        no_traceback(checked)
        assert "broken link" not in checked.output, checked.output

    with KnowledgeBase.open(shelf.team) as team:
        note = team.note("notes/outlook-quick-fix.md")
        assert [team.follow_link_into(note.path, link) for link in note.body.links] == [
            ("me", "notes/vpn-split-tunnel.md")
        ]
        assert link_titles(team, note.path, note.body.links) == {
            "me:notes/vpn-split-tunnel.md": "VPN split tunnel"
        }
    with KnowledgeBase.open(shelf.personal) as mine:
        note = mine.note("notes/printer-spooler.md")
        assert {mine.follow_link_into(note.path, link) for link in note.body.links} == {
            ("team", "notes/outlook-quick-fix.md")
        }


def test_a_link_into_a_kb_or_note_that_is_not_there_is_broken(shelf: Shelf) -> None:
    write(
        shelf.team,
        "notes/pointers.md",
        "---\ntitle: Pointers\n---\nSee [[me:no such note]], [[ops:shared-mailbox]] and "
        "[[elsewhere:Error: 0x1]].\n",
    )
    _commit(shelf.team)
    checked = shelf.cli("--kb", "team", "check")
    no_traceback(checked)
    assert "broken link [[me:no such note]] (in KB 'me')" in checked.output
    assert "[[ops:shared-mailbox]]" not in checked.output
    # A prefix that names no configured KB is part of the note's name, as before.
    assert "broken link [[elsewhere:Error: 0x1]]" in checked.output


def test_without_kbs_a_colon_link_reads_as_before(tmp_path: Path) -> None:
    root = tmp_path / "solo"
    KnowledgeBase.init(root).close()
    write(root, "notes/team-printer.md", "---\ntitle: team:printer\n---\nText.\n")
    write(root, "notes/index.md", "---\ntitle: Index\n---\nSee [[team:printer]].\n")
    _commit(root)
    with KnowledgeBase.open(root) as kb:
        note = kb.note("notes/index.md")
        assert kb.follow_link_into(note.path, note.body.links[0]) == (
            None,
            "notes/team-printer.md",
        )


def test_a_guide_step_into_another_kb_is_a_step_of_that_kb(shelf: Shelf) -> None:
    """A step of the personal guide leads to a team note; the personal KB holds a file at
    the same path that is no note (binary): the step is the team's, readable, not broken."""
    from kb.guides.guide import load_guides

    write(
        shelf.personal,
        "notes/my-path.md",
        "---\ntitle: My path\ntype: guide\n---\n1. [[team:notes/outlook-password.md]]\n",
    )
    (shelf.personal / "notes/outlook-password.md").write_bytes(b"\x00binary\x00" * 10)
    _commit(shelf.personal)
    listed = shelf.cli("guide")
    no_traceback(listed)
    assert listed.exit_code == 0, listed.output
    assert "My path" in listed.output
    with KnowledgeBase.open(shelf.personal) as kb:
        guide = next(g for g in load_guides(kb)[0] if g.title == "My path")
    (step,) = guide.steps
    assert (step.kb, step.path, step.broken) == ("team", "notes/outlook-password.md", False)
