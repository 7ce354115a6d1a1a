"""What kb saves reaches git: an ignore rule never hides a note kb wrote, the temporary files
of killed writes never reach a commit, and commits wait for git's and kb's locks.

Real repositories (a bare "server" and clones), real kb processes for the concurrency tests
(``python -m kb`` with this checkout on PYTHONPATH and the isolated home).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.git import locks as gitlocks
from kb.sync.conflict_files import conflicts
from tests.helpers import Cli, Clone, git, git_log, kb_process

# -- an ignore rule never hides a note kb wrote ----------------------------------------------------


def test_a_new_note_git_ignores_is_not_reported_as_saved(pair: tuple[Clone, Clone]) -> None:
    ana, _ = pair
    ana.write(".gitignore", ".kb/\nnotes/\n")
    git(ana.root, "commit", "-qam", "Team ignores notes/")
    result = ana("new", "--title", "VPN drops every hour")
    assert result.exit_code == 2, result.output
    assert "not committed" in result.stderr and "git ignores it" in result.stderr
    assert "notes/" in result.stderr  # the rule, so the user can find it
    assert (ana.root / "notes/vpn-drops-every-hour.md").exists()  # on disk, said so
    assert git_log(ana.root)[0] == "Team ignores notes/"


def test_save_lists_ignored_notes_instead_of_every_note_is_committed(
    pair: tuple[Clone, Clone],
) -> None:
    ana, _ = pair
    ana.write(".gitignore", ".kb/\nnotes/\n")
    git(ana.root, "commit", "-qam", "Team ignores notes/")
    ana.write("notes/by-hand.md", "# Written in vim\nThe fix.\n")
    result = ana("save")
    assert result.exit_code == 1, result.output
    assert "every note is committed" not in result.output
    assert "notes/by-hand.md" in result.stderr and "ignores" in result.stderr
    result = ana("sync")
    assert result.exit_code == 1 and "notes/by-hand.md" in result.stderr
    # A tracked note under the ignored folder is still saved as usual.
    ana.write("notes/printer.md", ana.read("notes/printer.md") + "Tracked edit.\n")
    result = ana("save")
    assert "Committed 1 file." in result.output and result.exit_code == 1


def test_an_incoming_note_keeps_the_local_ignored_text_as_a_conflict_copy(
    pair: tuple[Clone, Clone], bare: Path
) -> None:
    ana, ben = pair
    ana.write(".gitignore", ".kb/\nnotes/\n")
    git(ana.root, "commit", "-qam", "Team ignores notes/")
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 0
    # Ben's note is ignored, so it exists only on his disk; Ana shares one of the same name.
    ben.write("notes/vpn.md", "# VPN\nBen's only copy of his fix.\n")
    ana.write("notes/vpn.md", "# VPN\nAna's fix.\n")
    git(ana.root, "add", "-f", "notes/vpn.md")
    git(ana.root, "commit", "-qm", "Ana's VPN note")
    assert ana("sync").exit_code == 0
    result = ben("sync")
    assert result.exit_code == 1, result.output
    assert "Ana's fix." in ben.read("notes/vpn.md")
    [kept] = conflicts(ben.root)
    assert kept.path == "notes/vpn.md" and kept.theirs.startswith("notes/vpn.conflict-ben-lee-")
    assert "Ben's only copy of his fix." in ben.read(kept.theirs)
    # Ben keeps his own text: it is committed and shared like any settled conflict.
    result = ben("resolve", "notes/vpn.md", "--theirs")
    assert result.exit_code == 0, result.output + result.stderr
    assert ben("sync").exit_code == 0
    assert "Ben's only copy" in git(bare, "show", "main:notes/vpn.md")


def test_edit_that_is_not_committed_exits_non_zero(pair: tuple[Clone, Clone]) -> None:
    ana, _ = pair
    editor = ana.root.parent / "marker-editor.sh"
    editor.write_text(
        "#!/bin/sh\nprintf '<<<<<<< HEAD\\nmine\\n=======\\ntheirs\\n>>>>>>> x\\n' >> \"$1\"\n"
    )
    editor.chmod(0o755)
    result = ana.cli("edit", "notes/printer.md", env={"EDITOR": str(editor)})
    assert result.exit_code == 2, result.output
    assert "Saved" not in result.output
    assert "not committed" in result.stderr and "conflict marker" in result.stderr


def test_new_with_a_body_that_cannot_be_committed_exits_non_zero(pair: tuple[Clone, Clone]) -> None:
    ana, _ = pair
    body = ana.root.parent / "body.md"
    body.write_text("# Fix\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> x\n")
    result = ana("new", "--title", "Half merged", "--body-file", str(body))
    assert result.exit_code == 2
    assert "not committed" in result.stderr


# -- temporary files of killed writes never reach git ----------------------------------------------


def test_temporary_files_are_never_committed_and_stale_ones_are_swept(
    pair: tuple[Clone, Clone], bare: Path
) -> None:
    ana, _ = pair
    old = time.time() - 3600
    stale = ana.root / "tickets" / ".INC1002622.md.f2q7s6mh.tmp"
    stale.write_text("half a ticket")
    os.utime(stale, (old, old))
    fresh = ana.root / "notes" / ".printer.md.k2j4h6g8.tmp"
    fresh.write_text("a write in progress")
    held = ana.root / "notes" / ".n0296.md.a1b2c3d4.tmp"
    held.write_text("held open by a live writer")
    os.utime(held, (old, old))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; f = open(sys.argv[1]); time.sleep(60)", str(held)]
    )
    try:
        time.sleep(0.5)
        ana.write("notes/printer.md", ana.read("notes/printer.md") + "Edited.\n")
        result = ana("save")
        assert result.exit_code == 0, result.output + result.stderr
        assert not stale.exists()  # old and nobody holds it: swept
        assert fresh.exists() and held.exists()  # may belong to a write still running
        # A commit of a whole folder (as an import makes) leaves them out too.
        with KnowledgeBase.open(ana.root) as kb:
            (ana.root / "tickets" / "INC0000001.md").write_text("---\nid: INC0000001\n---\n")
            kb.record_changes(["tickets", "notes"], "Import")
        assert ana("sync").exit_code == 0
    finally:
        holder.kill()
        holder.wait()
    tracked = (
        git(ana.root, "ls-files").splitlines()
        + git(bare, "ls-tree", "-r", "--name-only", "main").splitlines()
    )
    assert "tickets/INC0000001.md" in tracked
    assert not [name for name in tracked if name.endswith(".tmp")]


# -- git's lock and kb's ---------------------------------------------------------------------------


def _users_commit_in_editor(root: Path, release: Path) -> subprocess.Popen[bytes]:
    """A 'git commit -a' the user is writing the message of: it holds .git/index.lock."""
    editor = root.parent / "slow-editor.sh"
    editor.write_text(
        f'#!/bin/sh\nwhile [ ! -e "{release}" ]; do sleep 0.05; done\necho "User commit" > "$1"\n'
    )
    editor.chmod(0o755)
    process = subprocess.Popen(
        ["git", "commit", "-a", "-q"],
        cwd=root,
        env={**os.environ, "GIT_EDITOR": str(editor)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lock = root / ".git" / "index.lock"
    deadline = time.monotonic() + 30
    while not lock.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lock.exists()
    return process


def test_an_old_index_lock_a_live_git_holds_is_never_removed(
    pair: tuple[Clone, Clone], monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, _ = pair
    ana.write("notes/printer.md", ana.read("notes/printer.md") + "The user's own edit.\n")
    release = ana.root.parent / "release"
    users = _users_commit_in_editor(ana.root, release)
    lock = ana.root / ".git" / "index.lock"
    old = time.time() - 3600
    os.utime(lock, (old, old))
    monkeypatch.setattr(gitlocks, "GIT_WAIT_SECONDS", 1.0)
    result = ana("sync")
    assert result.exit_code == 2 and "another git command" in result.stderr
    assert "git commit -a" in result.stderr  # which one, so the user can find it
    assert lock.exists()
    # kb new waits for the user's commit, then commits too: both are kept.
    monkeypatch.setattr(gitlocks, "GIT_WAIT_SECONDS", 60.0)
    threading.Timer(1.0, release.touch).start()
    result = ana("new", "--title", "Badge reader rejects card")
    assert result.exit_code == 0, result.output + result.stderr
    assert users.wait(timeout=30) == 0
    log = git_log(ana.root)
    assert log[:2] == ["New fix: Badge reader rejects card", "User commit"]


def test_parallel_new_notes_all_commit(pair: tuple[Clone, Clone]) -> None:
    ana, _ = pair
    processes = [kb_process(ana.root, "new", "--title", f"Parallel note {n}") for n in range(4)]
    results = []
    for process in processes:
        _out, err = process.communicate(timeout=300)
        results.append((process.returncode, err.decode()))
    assert all(code == 0 for code, _ in results), results
    assert not any("not committed" in err for _, err in results)
    subjects = git_log(ana.root)
    for n in range(4):
        assert f"New fix: Parallel note {n}" in subjects
    assert git(ana.root, "status", "--porcelain").strip() == ""


def test_a_commit_that_cannot_get_the_lock_fails_loudly(
    pair: tuple[Clone, Clone], monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, _ = pair
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'w'); "
            "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
            str(ana.root / ".git" / "kb.lock"),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        monkeypatch.setattr(gitlocks, "COMMIT_WAIT_SECONDS", 0.5)
        result = ana("new", "--title", "Waits for the lock")
        assert result.exit_code == 2
        # Refused before anything is written: no note on disk that git does not have.
        assert "another kb is saving or syncing" in result.stderr
        assert not list((ana.root / "notes").glob("waits-for-the-lock*.md"))
    finally:
        holder.kill()
        holder.wait()


# -- who commits -----------------------------------------------------------------------------------


def test_git_identity_from_git_config_global_is_enough(
    tmp_path: Path, isolated_user: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (isolated_user / ".gitconfig").write_text("")  # nothing in ~/.gitconfig
    other = tmp_path / "elsewhere.gitconfig"
    other.write_text("[user]\n\tname = Sam New\n\temail = sam@example.org\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(other))
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    result = Cli(root)("new", "--title", "Badge reader rejects card")
    assert result.exit_code == 0, result.stderr
    assert "not committed" not in result.stderr
    assert git_log(root)[0] == "New fix: Badge reader rejects card"
