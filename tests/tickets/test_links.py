"""Linking notes to tickets: the revision given, the ticket view, reuse in ranking, merging."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from kb import KnowledgeBase
from kb.notes.link_log import LINKS_FILE, read_events, read_links
from tests.helpers import Cli, git_log, no_traceback, write


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def test_link_records_the_revision_and_commits_the_log(cli: Cli, kb_root: Path) -> None:
    head = _git(kb_root, "rev-parse", "HEAD")
    result = cli("link", "printer-offline", "inc0099001")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "Linked INC0099001 → notes/printer-offline.md (resolution, revision" in result.output
    assert git_log(kb_root)[0] == "Link INC0099001 → Printer shows offline and jobs are stuck"
    (event,) = read_events(kb_root)
    assert event.rev == head and event.by == "Ana Tester" and event.kind == "resolution"
    assert event.at[:4].isdigit()
    assert _git(kb_root, "status", "--porcelain") == ""
    # The note's front matter is never touched by a link.
    assert "INC0099001" not in (kb_root / "notes/printer-offline.md").read_text()
    assert "merge=union" in (kb_root / ".gitattributes").read_text()


def test_link_commits_unsaved_changes_first_so_the_revision_is_exact(
    cli: Cli, kb_root: Path
) -> None:
    note = kb_root / "notes/printer-offline.md"
    note.write_text(note.read_text() + "\nAlso check the USB cable.\n")
    result = cli("link", "notes/printer-offline.md", "INC0099002")
    assert result.exit_code == 0, result.output
    assert git_log(kb_root)[:2] == [
        "Link INC0099002 → Printer shows offline and jobs are stuck",
        "Edit: Printer shows offline and jobs are stuck",
    ]
    (link,) = read_links(kb_root)
    shown = cli("show", "printer-offline", "--at", link.rev or "")
    assert "Also check the USB cable." in shown.output


def test_linking_twice_is_a_no_op_and_reference_rekinds(cli: Cli, kb_root: Path) -> None:
    cli("link", "printer-offline", "INC0099003")
    commits = len(git_log(kb_root))
    again = cli("link", "printer-offline", "INC0099003")
    assert again.exit_code == 0
    assert "already linked" in again.output and "nothing changed" in again.output
    assert len(git_log(kb_root)) == commits
    reference = cli("link", "printer-offline", "INC0099003", "--reference")
    assert "(reference" in reference.output
    (link,) = read_links(kb_root)
    assert link.kind == "reference"


def test_bad_ticket_id_exits_2_with_one_line(cli: Cli, kb_root: Path) -> None:
    result = cli("link", "printer-offline", "not-a-ticket")
    no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "does not look like a ticket id" in result.stderr
    assert not (kb_root / LINKS_FILE).exists()


def test_unlink(cli: Cli, kb_root: Path) -> None:
    cli("link", "printer-offline", "INC0099004")
    result = cli("unlink", "printer-offline", "INC0099004")
    assert result.exit_code == 0, result.output
    assert read_links(kb_root) == []
    assert git_log(kb_root)[0].startswith("Unlink INC0099004 from Printer")
    again = cli("unlink", "printer-offline", "INC0099004")
    assert again.exit_code == 1 and "not linked" in again.stderr
    listed = cli("unlink", "printer-offline", "INC0012345")
    assert listed.exit_code == 1 and "front matter" in listed.stderr


def test_link_ticket_show_round_trip(cli: Cli, kb_root: Path) -> None:
    cli("link", "printer-offline", "INC0099005")
    # The note changes after it was given to the caller.
    note = kb_root / "notes/printer-offline.md"
    note.write_text(note.read_text().replace("Restart the print spooler", "Reboot the server"))
    _git(kb_root, "commit", "-qam", "Rewrite resolution")
    view = cli("ticket", "inc0099005", "--json")
    assert view.exit_code == 0, view.output
    data = json.loads(view.output)
    assert data["id"] == "INC0099005" and data["record"] is None
    (entry,) = data["notes"]
    assert entry["path"] == "notes/printer-offline.md" and entry["kind"] == "resolution"
    assert entry["by"] == "Ana Tester" and entry["at"]
    given = cli("show", entry["path"], "--at", entry["short_rev"])
    assert given.exit_code == 0
    assert "Restart the print spooler" in given.output
    assert "Reboot the server" not in given.output
    text = cli("ticket", "INC0099005")
    assert "resolution" in text.output and entry["short_rev"] in text.output
    assert f"kb show notes/printer-offline.md --at {entry['short_rev']}" in text.output


def test_ticket_view_lists_front_matter_and_text_mentions(cli: Cli, kb_root: Path) -> None:
    write(
        kb_root,
        "notes/spooler-notes.md",
        "---\ntitle: Spooler background\n---\nSee INC0012345 for the first case.\n",
    )
    result = cli("ticket", "INC0012345", "--json")
    assert result.exit_code == 0, result.output
    kinds = {entry["path"]: entry["kind"] for entry in json.loads(result.output)["notes"]}
    assert kinds == {"notes/printer-offline.md": "listed", "notes/spooler-notes.md": "mentioned"}


def test_unknown_ticket_exits_1_with_one_line(cli: Cli) -> None:
    result = cli("ticket", "INC0000000")
    no_traceback(result)
    assert result.exit_code == 1
    assert (
        result.stderr
        == "kb: no ticket INC0000000 in this KB: no record, no linked note, no mention\n"
    )
    bad = cli("ticket", "hello")
    assert bad.exit_code == 2 and "does not look like a ticket id" in bad.stderr


def test_note_lists_its_tickets(cli: Cli) -> None:
    cli("link", "printer-offline", "INC0099006", "--reference")
    result = cli("link", "printer-offline")
    assert result.exit_code == 0, result.output
    assert "INC0099006" in result.output and "reference" in result.output
    assert "INC0012345" in result.output and "listed" in result.output
    none = cli("link", "vpn-no-intranet.md", "--json")
    assert json.loads(none.output)[0]["ticket"] == "HELP-482"


def test_resolution_links_count_as_reuse_in_search(kb: KnowledgeBase) -> None:
    kb.reindex()
    before = {hit.path: hit.ticket_count for hit in kb.search("vpn intranet")}
    assert before["notes/vpn-no-intranet.md"] == 1
    kb.link("vpn-no-intranet.md", "INC0099007")
    kb.link("vpn-no-intranet.md", "INC0099008")
    kb.link("vpn-no-intranet.md", "INC0099009", "reference")
    kb.link("vpn-no-intranet.md", "HELP-482")  # already in front matter: counted once
    after = {hit.path: hit for hit in kb.search("vpn intranet", refresh=False)}
    assert after["notes/vpn-no-intranet.md"].ticket_count == 3
    assert kb.search("ticket:INC0099009", refresh=False)[0].path == "notes/vpn-no-intranet.md"
    assert kb.search("INC0099008", refresh=False)[0].path == "notes/vpn-no-intranet.md"
    kb.unlink("vpn-no-intranet.md", "INC0099008")
    again = {hit.path: hit for hit in kb.search("vpn intranet", refresh=False)}
    assert again["notes/vpn-no-intranet.md"].ticket_count == 2


def test_links_from_a_pull_reach_the_index(kb_root: Path, tmp_path: Path) -> None:
    # Another technician's link arrives by git: the next incremental update counts it.
    with KnowledgeBase.open(kb_root) as kb:
        kb.reindex()
        other = tmp_path / "other"
        _git(tmp_path, "clone", "-q", str(kb_root), str(other))
        with KnowledgeBase.open(other) as theirs:
            theirs.link("printer-offline", "INC0099010")
        _git(kb_root, "pull", "-q", str(other), "main")
        hit = kb.search("spooler")[0]
        assert hit.path == "notes/printer-offline.md" and hit.ticket_count == 3


def test_two_clones_link_the_same_note_and_merge_without_conflict(
    kb_root: Path, tmp_path: Path
) -> None:
    remote = tmp_path / "remote.git"
    _git(tmp_path, "clone", "-q", "--bare", str(kb_root), str(remote))
    ana, ben = tmp_path / "ana", tmp_path / "ben"
    _git(tmp_path, "clone", "-q", str(remote), str(ana))
    _git(tmp_path, "clone", "-q", str(remote), str(ben))
    _git(ben, "config", "user.name", "Ben Okafor")
    with KnowledgeBase.open(ana) as kb:
        kb.link("printer-offline", "INC0099011")
    with KnowledgeBase.open(ben) as kb:
        kb.link("printer-offline", "INC0099012", "reference")
    _git(ana, "push", "-q", "origin", "main")
    _git(ben, "-c", "pull.rebase=false", "pull", "-q", "--no-edit", "origin", "main")
    assert "<<<<<<<" not in (ben / LINKS_FILE).read_text()
    _git(ben, "push", "-q", "origin", "main")
    _git(ana, "-c", "pull.rebase=false", "pull", "-q", "--no-edit", "origin", "main")
    for clone in (ana, ben):
        links = {(link.ticket, link.kind, link.by) for link in read_links(clone)}
        assert links == {
            ("INC0099011", "resolution", "Ana Tester"),
            ("INC0099012", "reference", "Ben Okafor"),
        }
        assert _git(clone, "status", "--porcelain") == ""


def test_linking_a_ticket_record_is_refused(cli: Cli, kb_root: Path) -> None:
    write(kb_root, "tickets/INC0012345.md", "---\nid: INC0012345\ntitle: Printer\n---\n")
    result = cli("link", "tickets/INC0012345.md", "INC0099013")
    assert result.exit_code == 2 and "ticket record" in result.stderr


def test_title_words_matching_a_ticket_record_too_pick_the_note(cli: Cli, kb_root: Path) -> None:
    write(kb_root, "tickets/INC0012345.md", "---\nid: INC0012345\ntitle: Printer offline\n---\n")
    result = cli("link", "printer offline", "INC0099014")
    assert result.exit_code == 0, result.output
    assert "notes/printer-offline.md" in result.output
