"""What kb saves reaches git, and a sync stopped at any instant puts itself right.

Real repositories (a bare "server" and clones), real kb processes for the concurrency and
kill tests (``python -m kb`` with this checkout on PYTHONPATH and the isolated home).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.git import locks as gitlocks
from kb.git import merge_journal, tempfiles
from kb.sync.conflict_files import conflicts
from tests.conftest import PROJECT, git_log
from tests.test_sync import NOTE, Clone, git, markers_anywhere

LINE = "1. Open tray 2 and remove the torn sheet."


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """The team's shared repository."""
    path = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    return path


@pytest.fixture
def pair(tmp_path: Path, bare: Path) -> Iterator[tuple[Clone, Clone]]:
    """Ana and Ben, each with a clone of a KB holding the printer note."""
    root = tmp_path / "ana"
    KnowledgeBase.init(root).close()
    ana = Clone(root, "Ana Tester")
    ana.write("notes/printer.md", NOTE)
    git(root, "remote", "add", "origin", str(bare))
    assert ana("sync").exit_code == 0
    git(tmp_path, "clone", "-q", str(bare), str(tmp_path / "ben"))
    yield ana, Clone(tmp_path / "ben", "Ben Lee")


def kb_process(root: Path, *args: str, **options: object) -> subprocess.Popen[bytes]:
    """``kb --kb ROOT ARGS`` as a real process running this checkout's code."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.Popen(
        [sys.executable, "-m", "kb", "--kb", str(root), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        **options,  # type: ignore[arg-type]
    )


def run_kb(root: Path, *args: str, timeout: float = 300) -> tuple[int, str, str]:
    """Run kb in a process to the end: exit code, stdout, stderr."""
    process = kb_process(root, *args)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def server_markers(bare: Path) -> list[str]:
    """Conflict marker lines in any commit the server holds."""
    patch = git(bare, "log", "--all", "-p", "--cc", "--format=")
    return [
        line for line in patch.splitlines() if line.lstrip("+ ").startswith(("<<<<<<<", ">>>>>>>"))
    ]


# -- 2. an ignore rule never hides a note kb wrote ----------------------------------------------


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


# -- 6. a sync stopped at any instant recovers by itself, and never pushes a marker ------------

CONFLICTING = 40


def _conflicting_team(tmp_path: Path, bare: Path) -> tuple[Clone, Clone]:
    """Ana and Ben, each having changed the same line of many notes differently.

    Ana's version is on the server; Ben's is committed in his clone, not synced yet.
    """
    root = tmp_path / "ana"
    KnowledgeBase.init(root).close()
    ana = Clone(root, "Ana Tester")
    for number in range(CONFLICTING):
        ana.write(f"notes/n{number:03}.md", NOTE.replace("tray 2", f"tray {number}"))
    git(root, "remote", "add", "origin", str(bare))
    assert ana("sync").exit_code == 0
    git(tmp_path, "clone", "-q", str(bare), str(tmp_path / "ben"))
    ben = Clone(tmp_path / "ben", "Ben Lee")
    for clone, words in ((ana, "Ana lifts the green lever"), (ben, "Ben pulls the tray out")):
        for number in range(CONFLICTING):
            rel = f"notes/n{number:03}.md"
            line = LINE.replace("tray 2", f"tray {number}")
            clone.write(rel, clone.read(rel).replace(line, f"1. {words} ({number})."))
        assert clone("save").exit_code == 0
    assert ana("sync").exit_code == 0
    return ana, ben


def _assert_recovered(ben: Path, bare: Path, server_head: str) -> None:
    assert git(bare, "rev-parse", "main").strip() == server_head  # nothing pushed
    kept = conflicts(ben)
    assert len(kept) == CONFLICTING, [c.theirs for c in kept]
    for number in range(CONFLICTING):
        rel = f"notes/n{number:03}.md"
        mine = (ben / rel).read_text()
        assert f"Ben pulls the tray out ({number})." in mine, rel
        [theirs] = [c for c in kept if c.path == rel]
        assert f"Ana lifts the green lever ({number})." in (ben / theirs.theirs).read_text()
    assert not markers_anywhere(ben)
    assert not merge_journal.interrupted(ben)
    assert not (ben / ".git" / "MERGE_HEAD").exists()
    status = git(ben, "status", "--porcelain", "--untracked-files=all").splitlines()
    # (A write the kill cut short may leave its temporary file: never committed, swept later.)
    assert [line for line in status if not tempfiles.is_temp(line[3:])] == []


def _wait_for(condition, process: subprocess.Popen[bytes], limit: float = 120) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.002)
    return False


def _copies(root: Path) -> int:
    return sum(1 for path in (root / "notes").glob("*.conflict-*") if not path.name.startswith("."))


def test_a_sync_killed_at_any_instant_of_a_big_merge_recovers_and_pushes_no_marker(
    tmp_path: Path, bare: Path
) -> None:
    _ana, ben = _conflicting_team(tmp_path, bare)
    server_head = git(bare, "rev-parse", "main").strip()
    journal = lambda root: (root / ".git" / merge_journal.JOURNAL_NAME).exists()  # noqa: E731
    written = (ben.root / "notes/n000.md").stat().st_mtime_ns
    instants = {
        "as the merge starts": lambda root: journal(root),
        # git writes the notes in order: once the first is rewritten, it is writing the rest.
        "while git writes the files": lambda root: (
            (root / "notes/n000.md").stat().st_mtime_ns != written
        ),
        "while kb settles": lambda root: _copies(root) >= CONFLICTING // 3,
        "before the commit": lambda root: _copies(root) >= CONFLICTING,
    }
    recovered = 0
    for number, (name, condition) in enumerate(instants.items()):
        root = tmp_path / f"ben-{number}"
        shutil.copytree(ben.root, root, symlinks=True)
        process = kb_process(root, "sync", start_new_session=True)
        reached = _wait_for(lambda root=root, condition=condition: condition(root), process)
        if process.poll() is None:
            os.killpg(
                process.pid, signal.SIGKILL
            )  # kb and the git it runs, as kill -9 of a shell job
        process.wait()
        if reached:
            recovered += 1
        assert git(bare, "rev-parse", "main").strip() == server_head, name
        code, out, err = run_kb(root, "sync")
        assert code == 1, f"{name}: {out}\n{err}"
        assert "Traceback" not in err
        _assert_recovered(root, bare, server_head)
        assert code == 1 and "changed on both sides" in err
    assert recovered >= 3  # the instants were really reached (the merge did not end first)
    # Settled and synced, the server never holds a marker.
    root = tmp_path / "ben-0"
    for conflict in conflicts(root):
        assert Clone(root, "Ben Lee")("resolve", conflict.theirs, "--both").exit_code == 0
    code, out, err = run_kb(root, "sync")
    assert code == 0, out + err
    assert not server_markers(bare)


def test_a_sync_whose_kb_alone_is_killed_waits_for_its_git_and_recovers(
    tmp_path: Path, bare: Path
) -> None:
    _ana, ben = _conflicting_team(tmp_path, bare)
    server_head = git(bare, "rev-parse", "main").strip()
    process = kb_process(ben.root, "sync")
    assert _wait_for(lambda: _copies(ben.root) >= 2, process)
    process.send_signal(signal.SIGKILL)  # only kb: a git it started may still be running
    process.wait()
    code, out, err = run_kb(ben.root, "sync")
    assert code == 1, out + err
    assert "stopped half-way" in out
    _assert_recovered(ben.root, bare, server_head)


def _leave_a_killed_merge(ana: Clone, ben: Clone, journal: bool = True) -> None:
    """Ben's clone as kb's merge leaves it when git is killed while writing the files:
    kb's journal (not with a kb before journals), its backup ref, git's markers in the notes,
    no MERGE_HEAD, git's index lock."""
    for rel in ("notes/printer.md", "notes/shared.md"):
        ben.write(rel, ana.read("notes/printer.md").replace(LINE, "1. Ben's way"))
        ana.write(rel, ana.read("notes/printer.md").replace(LINE, "1. Ana's way"))
    assert ben("save").exit_code == 0
    git(ana.root, "add", "-A")
    git(ana.root, "commit", "-qm", "Ana's ways")
    ana.write("notes/other.md", "# Other\nAna's other note.\n")
    assert ana("sync").exit_code == 0
    git(ben.root, "fetch", "-q")
    head = git(ben.root, "rev-parse", "HEAD").strip()
    upstream = git(ben.root, "rev-parse", "origin/main").strip()
    git(ben.root, "update-ref", "refs/kb/backup/20260101-120000-000000", "HEAD")
    if journal:
        merge_journal.Journal.begin(ben.root, head, upstream, None)
    git(ben.root, "merge", "--no-commit", "origin/main", check=False)
    assert "<<<<<<<" in ben.read("notes/printer.md")
    for name in ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE"):
        (ben.root / ".git" / name).unlink(missing_ok=True)
    (ben.root / ".git" / "index.lock").write_bytes(b"DIRC half written")
    past = time.time() - 60
    for rel in ("notes/printer.md", "notes/shared.md", "notes/other.md"):
        os.utime(ben.root / rel, (past, past))
    if journal:
        os.utime(merge_journal.journal_path(ben.root), (past, past))


@pytest.mark.parametrize("journal", [True, False], ids=["journal", "older-kb"])
def test_the_leftovers_of_a_killed_git_merge_are_undone(
    pair: tuple[Clone, Clone], bare: Path, journal: bool
) -> None:
    ana, ben = pair
    _leave_a_killed_merge(ana, ben, journal)
    # After the crash Ben settled one note by hand: what he typed since is never undone.
    ben.write("notes/shared.md", NOTE.replace(LINE, "1. Both ways, typed after the crash"))
    code, out, err = run_kb(ben.root, "sync")
    assert code == 1, out + err
    assert "stopped half-way" in out
    assert "1. Ben's way" in ben.read("notes/printer.md")  # git's marked text: put back
    assert "typed after the crash" in ben.read("notes/shared.md")
    [kept] = conflicts(ben.root)
    assert kept.path == "notes/printer.md" and "1. Ana's way" in ben.read(kept.theirs)
    # (Both added notes/shared.md: Ana's is kept as a second note.)
    assert "1. Ana's way" in ben.read("notes/shared-ana-tester.md")
    assert "Ana's other note." in ben.read("notes/other.md")  # merged again
    assert not markers_anywhere(ben.root)
    assert "worktree" in git(ben.root, "for-each-ref", "refs/kb/backup/")
    assert not server_markers(bare)


def test_a_save_after_a_killed_merge_puts_it_right_first(pair: tuple[Clone, Clone]) -> None:
    ana, ben = pair
    _leave_a_killed_merge(ana, ben)
    result = ben("new", "--title", "Scanner emails never arrive")
    assert result.exit_code == 0, result.output + result.stderr
    assert git_log(ben.root)[0] == "New fix: Scanner emails never arrive"
    assert "<<<<<<<" not in ben.read("notes/printer.md")
    assert not (ben.root / "notes/other.md").exists()  # the merge is undone, done again by sync
    assert not merge_journal.interrupted(ben.root)
    result = ben("check")
    assert "conflict marker" not in result.output


def test_markers_committed_by_hand_are_never_pushed_and_the_advice_is_safe(
    pair: tuple[Clone, Clone], bare: Path
) -> None:
    ana, ben = pair
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace(LINE, "1. Ana's way"))
    assert ana("sync").exit_code == 0
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace(LINE, "1. Ben's way"))
    git(ben.root, "commit", "-qam", "Ben by hand")
    git(ben.root, "pull", "--no-rebase", "-q", check=False)
    git(ben.root, "commit", "-qam", "Merge, markers and all")  # what 'git add; git commit' does
    server_head = git(bare, "rev-parse", "main").strip()
    result = ben("sync")
    assert result.exit_code == 2, result.output
    assert "not pushed" in result.stderr and "conflict marker" in result.stderr
    assert "notes/printer.md" in result.stderr
    assert git(bare, "rev-parse", "main").strip() == server_head
    # The advice, followed word for word, shares the fixed note and no marker.
    command = result.stderr.split("'git -C ", 1)[1].split("'", 1)[0]
    subprocess.run(["git", "-C", *command.split()], check=True, capture_output=True)
    text = ben.read("notes/printer.md")
    fixed = [
        line for line in text.splitlines() if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))
    ]
    ben.write("notes/printer.md", "\n".join(fixed) + "\n")
    result = ben("sync")
    assert result.exit_code == 0, result.output + result.stderr
    assert not server_markers(bare)
    assert "Ben's way" in git(bare, "show", "main:notes/printer.md")


def test_a_plain_commit_holding_markers_is_not_pushed(
    pair: tuple[Clone, Clone], bare: Path
) -> None:
    ana, _ = pair
    ana.write(
        "notes/printer.md",
        ana.read("notes/printer.md") + "<<<<<<< HEAD\na\n=======\nb\n>>>>>>> x\n",
    )
    git(ana.root, "commit", "-qam", "Oops")
    server_head = git(bare, "rev-parse", "main").strip()
    result = ana("sync")
    assert result.exit_code == 2 and "conflict marker" in result.stderr
    assert git(bare, "rev-parse", "main").strip() == server_head


def test_check_reports_conflict_markers(pair: tuple[Clone, Clone]) -> None:
    ana, _ = pair
    ana.write("notes/git-help.md", "# Git\n```\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n```\n")
    result = ana("check")
    assert "conflict marker" not in result.output  # an example in a code block is fine
    ana.write(
        "notes/printer.md",
        ana.read("notes/printer.md") + "<<<<<<< HEAD\na\n=======\nb\n>>>>>>> x\n",
    )
    result = ana("check")
    assert result.exit_code == 1
    assert "notes/printer.md:" in result.output and "merge conflict marker" in result.output


# -- 7. temporary files of killed writes never reach git -----------------------------------------


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


# -- 8. locks ------------------------------------------------------------------------------------


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
        assert "not committed" in result.stderr and "another kb" in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_two_syncs_at_once_take_turns(tmp_path: Path, bare: Path) -> None:
    _ana, ben = _conflicting_team(tmp_path, bare)
    server_head = git(bare, "rev-parse", "main").strip()
    first = kb_process(ben.root, "sync")
    # The second starts while the first is in the middle of its merge.
    assert _wait_for(lambda: (ben.root / ".git" / "MERGE_HEAD").exists(), first)
    second = kb_process(ben.root, "sync")
    outcomes = []
    for process in (first, second):
        stdout, stderr = process.communicate(timeout=300)
        outcomes.append((process.returncode, stdout.decode(), stderr.decode()))
    for code, out, err in outcomes:
        assert code == 1, out + err  # conflicts kept for review, by the first; waiting, then
        assert "Traceback" not in err and "GitCommandError" not in err
    assert "Still waiting from an earlier sync" in outcomes[1][1]
    # The first one's merge stands: one merge commit, both sides kept.
    parents = git(ben.root, "rev-list", "--parents", "-n", "1", "HEAD").split()
    assert len(parents) == 3 and parents[2] == server_head
    _assert_recovered(ben.root, bare, server_head)
