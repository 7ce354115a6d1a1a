"""Team sync over real git repositories: a bare "server" and clones of it, no mocks."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes.link_log import LinkEvent, append, read_links
from kb.sync.conflict_files import conflicts
from tests.helpers import TEAM_NOTE as NOTE
from tests.helpers import (
    Cli,
    Clone,
    built_team_once,
    git,
    git_log,
    markers_anywhere,
    no_traceback,
    write,
)


def _three_clones(folder: Path) -> None:
    folder.mkdir(parents=True)
    server = folder / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server)], check=True)
    first = folder / "ana"
    KnowledgeBase.init(first).close()
    ana = Clone(first, "Ana Tester")
    ana.write("notes/printer.md", NOTE)
    git(first, "remote", "add", "origin", str(server))
    result = ana("sync")
    assert result.exit_code == 0, result.output
    for name in ("ben", "cy"):
        git(folder, "clone", "-q", str(server), str(folder / name))


@pytest.fixture
def team(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Clone, Clone, Clone]]:
    """Three technicians with clones of one KB that holds the printer note (``server.git``
    beside them is the team's server)."""
    folder = built_team_once(tmp_path_factory, "three-clones", _three_clones, tmp_path / "team")
    yield (
        Clone(folder / "ana", "Ana Tester"),
        Clone(folder / "ben", "Ben Lee"),
        Clone(folder / "cy", "Cy Park"),
    )


@pytest.fixture
def server(team: tuple[Clone, Clone, Clone]) -> Path:
    """The team's shared repository (a bare repo, as on a file share)."""
    return team[0].root.parent / "server.git"


def test_changes_to_different_notes_merge_without_asking(team: tuple[Clone, Clone, Clone]) -> None:
    ana, ben, cy = team
    ana("new", "--title", "VPN drops every hour")
    ben("new", "--title", "Teams camera is black")
    cy.write("notes/printer.md", cy.read("notes/printer.md") + "\n## Cause\nWorn roller.\n")
    for clone in (ana, ben, cy, ana, ben):
        result = clone("sync")
        assert result.exit_code == 0, result.output
    for clone in (ana, ben, cy):
        assert (clone.root / "notes/vpn-drops-every-hour.md").exists()
        assert (clone.root / "notes/teams-camera-is-black.md").exists()
    assert "Worn roller." in ana.read("notes/printer.md")
    assert ana.head() == ben.head()
    assert not markers_anywhere(ana.root, ben.root, cy.root)


def test_different_parts_of_one_note_merge_line_by_line(team: tuple[Clone, Clone, Clone]) -> None:
    ana, ben, _ = team
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace("second floor", "2nd floor"))
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace("torn sheet", "torn page"))
    assert ana("sync").exit_code == 0
    result = ben("sync")
    assert result.exit_code == 0, result.output
    text = ben.read("notes/printer.md")
    assert "2nd floor" in text and "torn page" in text
    assert not conflicts(ben.root)


def test_same_line_edited_on_both_sides_keeps_both_texts_and_pushes_nothing(
    team: tuple[Clone, Clone, Clone], server: Path
) -> None:
    ana, ben, _ = team
    ana.write(
        "notes/printer.md",
        ana.read("notes/printer.md").replace(
            "1. Open tray 2 and remove the torn sheet.", "1. Open tray 2, lift the green lever."
        ),
    )
    ben.write(
        "notes/printer.md",
        ben.read("notes/printer.md").replace(
            "1. Open tray 2 and remove the torn sheet.", "1. Pull tray 2 out fully first."
        ),
    )
    assert ana("sync").exit_code == 0
    server_head = git(server, "rev-parse", "main").strip()
    result = ben("sync")
    assert result.exit_code == 1, result.output
    assert "Conflict kept for review: notes/printer.md" in result.output
    assert "kb resolve" in result.stderr
    # Ben's words in place, Ana's beside them, nothing lost, no marker, nothing pushed.
    assert "1. Pull tray 2 out fully first." in ben.read("notes/printer.md")
    [conflict] = conflicts(ben.root)
    assert conflict.path == "notes/printer.md"
    assert conflict.theirs.startswith("notes/printer.conflict-ana-tester-")
    assert "1. Open tray 2, lift the green lever." in ben.read(conflict.theirs)
    assert git(server, "rev-parse", "main").strip() == server_head
    assert not markers_anywhere(ana.root, ben.root)
    assert git(ben.root, "status", "--porcelain").strip() == ""
    assert git(ben.root, "for-each-ref", "refs/kb/backup/").strip()
    # Ben keeps both: one note holding both texts, Ana's under her name, then the sync
    # shares it. No second note titled the same.
    result = ben("resolve", "notes/printer.md", "--both")
    assert result.exit_code == 0, result.output
    assert not conflicts(ben.root)
    kept = ben.read("notes/printer.md")
    assert "Pull tray 2 out" in kept
    assert "## Ana Tester's version\n" in kept
    assert kept.index("Pull tray 2 out") < kept.index("## Ana Tester's version")
    assert kept.index("## Ana Tester's version") < kept.index("lift the green lever")
    assert kept.count("---\n") == 2  # one front matter block, at the top
    assert [p.name for p in (ben.root / "notes").glob("*.md")] == ["printer.md"]
    assert ben("sync").exit_code == 0
    assert ana("sync").exit_code == 0
    assert "Pull tray 2 out" in ana.read("notes/printer.md")
    assert "lift the green lever" in ana.read("notes/printer.md")
    assert not markers_anywhere(ana.root, ben.root)


@pytest.mark.parametrize(("choice", "kept"), [("mine", "Pull tray 2"), ("theirs", "green lever")])
def test_resolve_mine_or_theirs(team: tuple[Clone, Clone, Clone], choice: str, kept: str) -> None:
    ana, ben, _ = team
    line = "1. Open tray 2 and remove the torn sheet."
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace(line, "1. green lever"))
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace(line, "1. Pull tray 2"))
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 1
    assert "printer.md" in str(ben("resolve").output)
    # A choice without a note settles nothing: it names the conflicts and exits 2.
    unnamed = ben("resolve", f"--{choice}")
    assert unnamed.exit_code == 2 and "name the note" in unnamed.stderr
    assert conflicts(ben.root)
    result = ben("resolve", "printer", f"--{choice}")
    assert result.exit_code == 0, result.output
    assert kept in ben.read("notes/printer.md")
    assert not conflicts(ben.root)
    assert git_log(ben.root)[0].startswith("Resolve conflict in notes/printer.md")
    assert ben("sync").exit_code == 0


def test_update_logs_and_link_logs_appended_on_both_sides_merge(
    team: tuple[Clone, Clone, Clone],
) -> None:
    ana, ben, _ = team
    ana.write(
        "notes/printer.md", ana.read("notes/printer.md") + "- 2026-11-21 10:00 Ana: parts ordered\n"
    )
    ben.write(
        "notes/printer.md", ben.read("notes/printer.md") + "- 2026-11-21 10:05 Ben: called back\n"
    )
    append(ana.root, LinkEvent("link", "INC0041005", "notes/printer.md", by="Ana Tester"))
    append(ben.root, LinkEvent("link", "INC0041777", "notes/printer.md", by="Ben Lee"))
    assert ana("sync").exit_code == 0
    result = ben("sync")
    assert result.exit_code == 0, result.output
    text = ben.read("notes/printer.md")
    assert "Ana: parts ordered" in text and "Ben: called back" in text
    assert {link.ticket for link in read_links(ben.root)} == {"INC0041005", "INC0041777"}
    assert not conflicts(ben.root)


def test_edit_against_delete_keeps_the_edit(team: tuple[Clone, Clone, Clone]) -> None:
    ana, ben, cy = team
    (ana.root / "notes/printer.md").unlink()
    ben.write("notes/printer.md", ben.read("notes/printer.md") + "Ben's extra step.\n")
    assert ana("sync").exit_code == 0
    result = ben("sync")
    assert result.exit_code == 0, result.output
    assert "Ben's extra step." in ben.read("notes/printer.md")
    assert "kept your edit of notes/printer.md" in result.output
    # The other way round: the edit arrives after the delete.
    cy.write("notes/printer.md", cy.read("notes/printer.md") + "Cy's note.\n")
    assert cy("sync").exit_code == 0
    ana_result = ana("sync")
    assert ana_result.exit_code == 0
    assert "Cy's note." in ana.read("notes/printer.md")


def test_rename_against_edit_keeps_the_edit_under_the_new_name(
    team: tuple[Clone, Clone, Clone],
) -> None:
    ana, ben, _ = team
    (ana.root / "notes/printing").mkdir()
    (ana.root / "notes/printer.md").rename(ana.root / "notes/printing/tray-2-jams.md")
    ben.write("notes/printer.md", ben.read("notes/printer.md") + "Ben's extra step.\n")
    assert ana("sync").exit_code == 0
    result = ben("sync")
    assert result.exit_code == 0, result.output
    assert "Ben's extra step." in ben.read("notes/printing/tray-2-jams.md")
    assert not (ben.root / "notes/printer.md").exists()
    # History follows the rename, and an old revision is shown under its old name.
    log = ben("log", "tray-2-jams", "--json")
    revisions = __import__("json").loads(log.output)
    assert revisions[-1]["path"] == "notes/printer.md"
    shown = ben("show", "notes/printing/tray-2-jams.md", "--at", revisions[-1]["sha"])
    assert shown.exit_code == 0 and "torn sheet" in shown.output


def test_offline_sync_fails_clearly_and_keeps_the_local_commit(
    team: tuple[Clone, Clone, Clone], tmp_path: Path
) -> None:
    ana, _, _ = team
    ana.write("notes/printer.md", ana.read("notes/printer.md") + "Offline edit.\n")
    git(ana.root, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    result = ana("sync")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "cannot reach the remote origin" in result.stderr
    assert "committed locally" in result.stderr
    assert git_log(ana.root)[0].startswith("Save changes made outside kb: notes/printer.md")
    assert "Offline edit." in ana.read("notes/printer.md")


def test_no_remote_configured(tmp_path: Path) -> None:
    root = tmp_path / "solo"
    KnowledgeBase.init(root).close()
    result = Cli(root)("sync")
    no_traceback(result)
    assert result.exit_code == 2
    assert "no remote 'origin'" in result.stderr and "git -C" in result.stderr


class _Refuse(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_authentication_refused(team: tuple[Clone, Clone, Clone]) -> None:
    ana, _, _ = team
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        git(
            ana.root, "remote", "set-url", "origin", f"http://127.0.0.1:{server.server_port}/kb.git"
        )
        result = ana("sync")
    finally:
        server.shutdown()
    assert result.exit_code == 2
    assert "refused your credentials" in result.stderr


def test_a_push_the_server_declines_is_reported(
    team: tuple[Clone, Clone, Clone], server: Path
) -> None:
    ana, _, _ = team
    hook = server / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    ana("new", "--title", "Badge reader rejects card")
    result = ana("sync")
    assert result.exit_code == 2
    assert "the remote refused the push" in result.stderr
    assert git_log(ana.root)[0] == "New fix: Badge reader rejects card"


def test_a_merge_left_unfinished_is_undone_and_done_again(
    team: tuple[Clone, Clone, Clone],
) -> None:
    ana, ben, _ = team
    line = "1. Open tray 2 and remove the torn sheet."
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace(line, "1. Ana's way"))
    assert ana("sync").exit_code == 0
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace(line, "1. Ben's way"))
    git(ben.root, "commit", "-qam", "Ben by hand")
    git(ben.root, "pull", "--no-rebase", "-q", check=False)  # stops with markers in the file
    assert (ben.root / ".git" / "MERGE_HEAD").exists()
    result = ben("sync")
    assert result.exit_code == 1, result.output
    assert "undid a merge that was left unfinished" in result.output
    assert "1. Ben's way" in ben.read("notes/printer.md")
    assert "1. Ana's way" in ben.read(conflicts(ben.root)[0].theirs)
    assert not markers_anywhere(ben.root)


def test_a_rebase_left_unfinished_is_undone(team: tuple[Clone, Clone, Clone]) -> None:
    ana, ben, _ = team
    line = "1. Open tray 2 and remove the torn sheet."
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace(line, "1. Ana's way"))
    assert ana("sync").exit_code == 0
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace(line, "1. Ben's way"))
    git(ben.root, "commit", "-qam", "Ben by hand")
    git(ben.root, "pull", "--rebase", "-q", check=False)
    assert (ben.root / ".git" / "rebase-merge").exists() or (
        ben.root / ".git" / "rebase-apply"
    ).exists()
    result = ben("sync")
    assert result.exit_code == 1, result.output
    assert "undid a rebase" in result.output
    assert "Ben by hand" in git_log(ben.root)
    assert not markers_anywhere(ben.root)


def test_detached_head_is_refused_with_instructions(team: tuple[Clone, Clone, Clone]) -> None:
    ana, _, _ = team
    git(ana.root, "checkout", "-q", "--detach", "HEAD")
    result = ana("sync")
    assert result.exit_code == 2
    assert "HEAD is detached" in result.stderr and "switch" in result.stderr


def test_an_index_lock_no_git_holds_is_removed(
    team: tuple[Clone, Clone, Clone],
) -> None:
    # (One a live git holds is respected: tests/test_git_reliability.py.)
    ana, _, _ = team
    lock = ana.root / ".git" / "index.lock"
    lock.write_text("")
    old = time.time() - 3600
    os.utime(lock, (old, old))
    ana.write("notes/printer.md", ana.read("notes/printer.md") + "After the crash.\n")
    result = ana("sync")
    assert result.exit_code == 0, result.output
    assert "removed a stale .git/index.lock" in result.output
    assert not lock.exists()


def test_a_kb_that_is_not_a_repository_is_searchable_but_does_not_sync(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "printer.md").write_text(NOTE)
    cli = Cli(root)
    result = cli("sync")
    no_traceback(result)
    assert result.exit_code == 2 and "kb init" in result.stderr
    assert cli("search", "tray", "jams").exit_code == 0
    assert cli("log", "printer").exit_code == 2


def test_sync_reindexes_what_came_in(team: tuple[Clone, Clone, Clone]) -> None:
    ana, ben, _ = team
    assert ana("search", "printer").exit_code == 0  # builds Ana's index
    ben("new", "--title", "Scanner emails never arrive")
    assert ben("sync").exit_code == 0
    assert ana("sync").exit_code == 0
    with KnowledgeBase.open(ana.root) as kb:
        hits = kb.search("scanner emails", refresh=False)
    assert hits and hits[0].path == "notes/scanner-emails-never-arrive.md"


def test_log_marks_the_revision_given_to_a_caller(team: tuple[Clone, Clone, Clone]) -> None:
    ana, _, _ = team
    rev = ana.head()
    append(ana.root, LinkEvent("link", "INC0041005", "notes/printer.md", rev=rev))
    result = ana("log", "printer")
    assert result.exit_code == 0
    assert f"{rev[:7]}" in result.output and "[given for INC0041005]" in result.output


def test_save_commits_edits_made_outside_kb(team: tuple[Clone, Clone, Clone]) -> None:
    ana, _, _ = team
    assert "Nothing to save" in ana("save").output
    ana.write("notes/printer.md", ana.read("notes/printer.md") + "Edited in vim.\n")
    ana.write("notes/new-by-hand.md", "# Copied in\nText.\n")
    result = ana("save")
    assert result.exit_code == 0 and "Committed 2 files." in result.output
    assert git(ana.root, "log", "-1", "--format=%an").strip() == "Ana Tester"
    assert git(ana.root, "status", "--porcelain").strip() == ""


def test_a_link_that_arrives_by_sync_counts_in_search(team: tuple[Clone, Clone, Clone]) -> None:
    ana, ben, _ = team
    assert ana("search", "tray", "jams").exit_code == 0  # builds Ana's index
    with KnowledgeBase.open(ana.root) as kb:
        assert kb.search("tray jams", refresh=False)[0].ticket_count == 0
    result = ben("link", "notes/printer.md", "INC0041005")
    assert result.exit_code == 0, result.output
    assert ben("sync").exit_code == 0
    assert ana("sync").exit_code == 0
    with KnowledgeBase.open(ana.root) as kb:
        assert kb.search("tray jams", refresh=False)[0].ticket_count == 1


# -- cases found by trying to break it ---------------------------------------------------------

LINE = "1. Open tray 2 and remove the torn sheet."


def test_a_merge_someone_is_fixing_by_hand_is_left_to_them(
    team: tuple[Clone, Clone, Clone],
) -> None:
    ana, ben, _ = team
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace(LINE, "1. Ana's way"))
    assert ana("sync").exit_code == 0
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace(LINE, "1. Ben's way"))
    git(ben.root, "commit", "-qam", "Ben by hand")
    git(ben.root, "pull", "--no-rebase", "-q", check=False)
    text = ben.read("notes/printer.md")
    fixed = "\n".join(
        line for line in text.splitlines() if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))
    ).replace("1. Ana's way", "1. HANDFIX both ways")
    ben.write("notes/printer.md", fixed + "\n")
    result = ben("sync")
    assert result.exit_code == 2
    assert "fixed by hand" in result.stderr and "git commit" in result.stderr
    assert "HANDFIX" in ben.read("notes/printer.md")


def test_a_secret_deleted_before_the_push_is_still_refused(
    team: tuple[Clone, Clone, Clone], server: Path
) -> None:
    ana, _, _ = team
    note = ana.read("notes/printer.md")
    ana.write("notes/printer.md", note + "Server=sql01;User Id=sa;Password=S3cr3t!x;\n")
    assert ana("--allow-secrets", "save").exit_code == 0
    ana.write("notes/printer.md", note)
    result = ana("sync")
    assert result.exit_code == 2
    assert "only in commit" in result.stderr and "rewritten" in result.stderr
    assert "S3cr3t" not in git(server, "log", "-p", "main")


def test_a_heading_underline_in_a_conflict_is_kept_whole(team: tuple[Clone, Clone, Clone]) -> None:
    ana, ben, _ = team
    ana.write(
        "notes/printer.md",
        ana.read("notes/printer.md").replace(LINE, "Ana heading\n=======\nAna tail KEEPME."),
    )
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace(LINE, "1. Ben rewrote it."))
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 1
    theirs = ben.read(conflicts(ben.root)[0].theirs)
    assert "Ana heading\n=======\nAna tail KEEPME.\n" in theirs
    assert "1. Ben rewrote it." in ben.read("notes/printer.md")


def test_blocks_added_at_the_same_place_are_both_kept_whole(
    team: tuple[Clone, Clone, Clone],
) -> None:
    ana, ben, _ = team
    ana.write(
        "notes/printer.md",
        ana.read("notes/printer.md") + "```\nnetsh winsock reset\n```\nThen reboot.\n",
    )
    ben.write(
        "notes/printer.md",
        ben.read("notes/printer.md") + "```\nipconfig /flushdns\n```\nThen reboot.\n",
    )
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 0
    text = ben.read("notes/printer.md")
    assert "```\nnetsh winsock reset\n```\nThen reboot.\n" in text
    assert "```\nipconfig /flushdns\n```\nThen reboot.\n" in text


def test_keep_both_copies_a_binary_file_byte_for_byte(team: tuple[Clone, Clone, Clone]) -> None:
    ana, ben, _ = team
    (ana.root / "notes/screen.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3)
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 0
    ana_bytes = b"\x89PNG\r\n\x1a\nANA" + bytes(range(200))
    (ana.root / "notes/screen.png").write_bytes(ana_bytes)
    (ben.root / "notes/screen.png").write_bytes(b"\x89PNG\r\n\x1a\nBEN" + bytes(range(100)))
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 1
    assert ben("resolve", "notes/screen.png", "--both").exit_code == 0
    assert (ben.root / "notes/screen-ana-tester.png").read_bytes() == ana_bytes


def test_a_kb_toml_conflict_is_listed_and_settled(team: tuple[Clone, Clone, Clone]) -> None:
    ana, ben, _ = team
    toml = ana.read("kb.toml")
    ana.write("kb.toml", toml.replace('engine = "auto"', 'engine = "whoosh"'))
    ben.write("kb.toml", toml.replace('engine = "auto"', 'engine = "tantivy"'))
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 1
    listed = ben("resolve").output
    assert "kb.toml" in listed and "kb.conflict-ana-tester-" in listed
    assert ben("resolve", "kb.toml", "--theirs").exit_code == 0
    assert 'engine = "whoosh"' in ben.read("kb.toml")
    assert ben("sync").exit_code == 0


def test_unsettled_conflicts_hold_back_the_push(
    team: tuple[Clone, Clone, Clone], server: Path
) -> None:
    ana, ben, _ = team
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace(LINE, "1. Ana"))
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace(LINE, "1. Ben"))
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 1
    head = git(server, "rev-parse", "main")
    again = ben("sync")
    assert again.exit_code == 1 and "Still waiting" in again.output
    assert git(server, "rev-parse", "main") == head
    assert not any(".conflict-" in p.name for p in (ana.root / "notes").iterdir())


def test_a_note_explaining_conflict_markers_in_a_code_block_commits(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    (root / "notes" / "git.md").write_text(
        "# Git conflicts\n```\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> feature\n```\n"
    )
    result = Cli(root)("save")
    assert result.exit_code == 0, result.output
    (root / "notes" / "bad.md").write_text(
        "# Bad\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> x\n"
    )
    result = Cli(root)("save")
    assert result.exit_code == 2 and "conflict marker" in result.stderr


def test_files_removed_or_moved_with_git_are_saved(team: tuple[Clone, Clone, Clone]) -> None:
    ana, _, _ = team
    ana("new", "--title", "Second note")
    git(ana.root, "rm", "-q", "notes/second-note.md")
    git(ana.root, "mv", "notes/printer.md", "notes/printer-tray.md")
    result = ana("save")
    assert result.exit_code == 0, result.stderr
    assert git(ana.root, "status", "--porcelain").strip() == ""
    assert ana("sync").exit_code == 0


def test_a_key_added_twice_by_a_clean_merge_becomes_a_kept_conflict(
    team: tuple[Clone, Clone, Clone],
) -> None:
    ana, ben, _ = team
    ana.write(
        "notes/printer.md",
        ana.read("notes/printer.md").replace(
            "status: not-validated\n", "status: not-validated\nresolved: 2026-11-22\n"
        ),
    )
    ben.write(
        "notes/printer.md",
        ben.read("notes/printer.md").replace("type: fix\n", "resolved: 2026-11-23\ntype: fix\n"),
    )
    assert ana("sync").exit_code == 0
    result = ben("sync")
    assert result.exit_code == 1, result.output
    assert ben.read("notes/printer.md").count("resolved:") == 1
    assert "2026-11-22" in ben.read(conflicts(ben.root)[0].theirs)


def test_a_kb_made_with_init_is_not_pushed_over_the_team_repository(
    team: tuple[Clone, Clone, Clone], tmp_path: Path, server: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its history has nothing in common with the team's: a push would fork the team's KB.
    # kb refuses and names the one command that joins it instead. (Made at another time: a
    # first commit made in the same second as the team's would be the very same commit.)
    root = tmp_path / "dana"
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2025-01-02T03:04:05+00:00")
    KnowledgeBase.init(root).close()
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    dana = Clone(root, "Dana Ruiz")
    dana("new", "--title", "Dana's first note")
    before = git(server, "for-each-ref")
    git(root, "remote", "add", "origin", str(server))
    result = dana("sync")
    assert result.exit_code == 2, result.output
    assert f"kb clone {server}" in result.stderr
    assert git(server, "for-each-ref") == before
    assert (root / "notes/dana-s-first-note.md").exists()


def test_show_at_understands_git_revision_words(team: tuple[Clone, Clone, Clone]) -> None:
    ana, _, _ = team
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace(LINE, "1. Newer"))
    assert ana("save").exit_code == 0
    result = ana("show", "notes/printer.md", "--at", "HEAD~1")
    assert result.exit_code == 0 and LINE in result.output
    result = ana("show", "notes/printer.md", "--at", "no-such-rev")
    assert result.exit_code == 2 and "no revision" in result.stderr


def test_front_matter_broken_before_the_merge_does_not_make_a_conflict(
    team: tuple[Clone, Clone, Clone],
) -> None:
    ana, ben, _ = team
    broken = ana.read("notes/printer.md").replace("type: fix\n", "type: fix\nnot yaml at all\n")
    ana.write("notes/printer.md", broken)
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 0
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace("second floor", "2nd floor"))
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace("torn sheet", "torn page"))
    assert ana("sync").exit_code == 0
    result = ben("sync")
    assert result.exit_code == 0, result.output
    assert "2nd floor" in ben.read("notes/printer.md") and "torn page" in ben.read(
        "notes/printer.md"
    )


def test_resolve_names_the_person_as_written(tmp_path: Path) -> None:
    import subprocess

    from kb.sync.conflict_files import Conflict, resolve

    root = tmp_path / "kb"
    with KnowledgeBase.init(root) as kb:
        write(root, "notes/a.md", "# A\nmine\n")
        write(root, "notes/a.conflict-ana-tester-20261122-1435.md", "# A\ntheirs\n")
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        subprocess.run(["git", "commit", "-qm", "x"], cwd=root, check=True)
        conflict = Conflict(
            "notes/a.md", "notes/a.conflict-ana-tester-20261122-1435.md", "Ana Tester"
        )
        assert "Ana Tester's version" in resolve(kb, conflict, "theirs")
    write(root, "notes/b.md", "# B\nmine\n")
    write(root, "notes/b.conflict-ana-tester-20261122-1435.md", "# B\ntheirs\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "y"], cwd=root, check=True)
    result = Cli(root)("resolve", "notes/b.md", "--theirs")
    assert result.output.startswith("Kept Ana Tester's version")


def test_a_conflict_copy_is_never_a_search_hit_of_its_own(
    team: tuple[Clone, Clone, Clone],
) -> None:
    ana, ben, _ = team
    old = "1. Open tray 2 and remove the torn sheet."
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace(old, "1. Ana's way."))
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace(old, "1. Ben's way."))
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 1
    [conflict] = conflicts(ben.root)
    with KnowledgeBase.open(ben.root) as kb:
        hits = kb.search("printer jam", refresh=True)
        assert [hit.path for hit in hits] == ["notes/printer.md"]
        assert hits[0].conflict and hits[0].to_json()["conflict_waiting"] is True
        assert kb.conflict_waiting("notes/printer.md")
        assert kb.search("Ana's way").weak or not any(
            ".conflict-" in hit.path for hit in kb.search("Ana's way")
        )
        assert conflict.theirs not in [note.path for note in kb.notes()[0]]
    result = ben("search", "printer jam")
    assert result.exit_code == 0 and ".conflict-" not in result.output
    assert "conflict waiting" in result.output
    assert ben("resolve", "notes/printer.md", "--both").exit_code == 0
    with KnowledgeBase.open(ben.root) as kb:
        [hit] = kb.search("printer jam", refresh=True)
        assert not hit.conflict and not kb.conflict_waiting("notes/printer.md")
        assert [h.path for h in kb.search("Ana's way", refresh=True)] == ["notes/printer.md"]
