"""Several kb processes writing to one KB at once, and who kb says the writer is.

The concurrency tests start real ``kb`` processes together on a real git repository and check
the files on disk afterwards. The git commits of those processes race on git's own index
lock, so a process may report that its change was saved but not committed; what is checked
here is that no change a process reported is lost from the file it changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.git import identity
from kb.guides.progress import ReadingProgress
from kb.notes import lock
from kb.notes.errors import KBError
from kb.notes.link_log import LINKS_FILE, read_events
from kb.notes.lock import FileLock, LockBusy, lock_path
from tests.helpers import PROJECT, Cli, write

NOTE = "notes/scanner-share.md"
QUESTION = """
---
title: Why does the scanner on floor 3 drop its network share?
type: question
status: wip
asked_by: Tom Kowalski x4412
promised: "2026-11-24 12:00"
---
## Issue
The scanner loses the share every morning.

## Updates
"""

Outcome = tuple[int, str, str]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PROJECT), **extra}


def _start(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kb", "--kb", str(root), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or _env(),
    )


def _run_together(root: Path, commands: list[list[str]]) -> list[Outcome]:
    """Start every command at once and wait for all: ``(exit code, stdout, stderr)`` each."""
    started = [_start(root, *args) for args in commands]
    outcomes = []
    for process in started:
        out, err = process.communicate(timeout=300)
        outcomes.append((process.returncode, out, err))
    for code, out, err in outcomes:
        assert "Traceback" not in out + err, err
        assert code == 0, (code, out, err)
    return outcomes


def _kb(root: Path, *args: str, env: dict[str, str] | None = None) -> Outcome:
    process = _start(root, *args, env=env)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True)
    return done.stdout


@pytest.fixture
def question_kb(tmp_path: Path) -> Path:
    """A KB (git repository) holding one open question."""
    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    write(root, NOTE, QUESTION)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "Ask about the scanner")
    return root


class HeldElsewhere:
    """A lock held by another thread (as another kb would hold it) until the block ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._held, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        with FileLock(self.path, "held by another kb"):
            self._held.set()
            self._release.wait(60)

    def __enter__(self) -> HeldElsewhere:
        self._thread.start()
        assert self._held.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._release.set()
        self._thread.join()


# --- every writer keeps its change -------------------------------------------------------------


def test_eight_updates_at_once_all_stay_in_the_log(question_kb: Path) -> None:
    _run_together(question_kb, [["update", NOTE, f"told Tom step {n}"] for n in range(8)])
    text = (question_kb / NOTE).read_text(encoding="utf-8")
    for n in range(8):
        assert f" Ana Tester: told Tom step {n}\n" in text, text
    assert text.count("\n- ") == 8
    assert text.startswith(QUESTION.lstrip("\n"))


def test_sixteen_links_at_once_all_stay_in_the_link_log(question_kb: Path) -> None:
    tickets = [f"INC00{n:05d}" for n in range(1, 17)]
    _run_together(question_kb, [["link", NOTE, ticket] for ticket in tickets])
    assert sorted(event.ticket for event in read_events(question_kb)) == tickets
    lines = (question_kb / LINKS_FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 16
    assert all(json.loads(line)["by"] == "Ana Tester" for line in lines)
    assert (question_kb / ".gitattributes").read_text().count("merge=union") == 1


def test_updates_a_flag_and_links_on_one_note_at_once_all_stay(question_kb: Path) -> None:
    commands = [["update", NOTE, f"called back {n}"] for n in range(5)]
    commands.append(["flag", NOTE, "the share path is wrong"])
    commands += [["link", NOTE, f"INC00{n:05d}"] for n in range(1, 4)]
    _run_together(question_kb, commands)
    text = (question_kb / NOTE).read_text(encoding="utf-8")
    for n in range(5):
        assert f": called back {n}\n" in text, text
    assert "flag: the share path is wrong\n" in text and "flagged_by: Ana Tester\n" in text
    assert len(read_events(question_kb)) == 3


def test_an_answer_and_updates_at_once_all_stay(question_kb: Path, tmp_path: Path) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text("Map the share by IP: the DNS name expires overnight.\n")
    commands = [["update", NOTE, f"still looking {n}"] for n in range(4)]
    commands.insert(2, ["answer", NOTE, "--body-file", str(answer)])
    _run_together(question_kb, commands)
    text = (question_kb / NOTE).read_text(encoding="utf-8")
    assert "type: fix\n" in text and "Map the share by IP" in text
    for n in range(4):
        assert f": still looking {n}\n" in text, text


def test_a_second_answer_is_refused_once_the_first_is_in(question_kb: Path, tmp_path: Path) -> None:
    answers = []
    for n in range(3):
        answers.append(tmp_path / f"answer{n}.md")
        answers[-1].write_text(f"Answer number {n}.\n")
    started = [_start(question_kb, "answer", NOTE, "--body-file", str(a)) for a in answers]
    codes = []
    for process in started:
        _out, err = process.communicate(timeout=120)
        assert "Traceback" not in err
        codes.append(process.returncode)
    text = (question_kb / NOTE).read_text(encoding="utf-8")
    kept = [n for n in range(3) if f"Answer number {n}." in text]
    # Exactly one answer is written; the others are told the note is no longer a question.
    assert len(kept) == 1 and sorted(codes) == [0, 2, 2], (codes, text)
    assert text.count("answered:") == 1


def test_guide_progress_from_several_processes_keeps_every_step(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    code = (
        "import sys; from kb.guides.progress import ReadingProgress; "
        "ReadingProgress(sys.argv[1], reader=sys.argv[2]).mark_read([sys.argv[3]])"
    )
    started = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(root), f"reader{n % 2}", f"notes/step{n}.md"],
            env=_env(),
        )
        for n in range(8)
    ]
    assert [process.wait(timeout=120) for process in started] == [0] * 8
    assert ReadingProgress(root, reader="reader0").read == {
        f"notes/step{n}.md" for n in (0, 2, 4, 6)
    }
    assert ReadingProgress(root, reader="reader1").read == {
        f"notes/step{n}.md" for n in (1, 3, 5, 7)
    }


def test_the_search_log_is_written_only_under_its_lock(tmp_path: Path) -> None:
    from kb.search import log as searchlog

    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    # Trimming the log rewrites it: a line appended meanwhile by another kb would be lost.
    with HeldElsewhere(lock_path(root, searchlog.LOG_FILE)):
        started = time.monotonic()
        assert not searchlog.record(root, "vpn drops", 0, False, "cli")
        assert time.monotonic() - started >= searchlog.LOG_WAIT  # then the search goes on
    assert searchlog.read(root) == []
    assert searchlog.record(root, "vpn drops", 0, False, "cli")
    assert [item.query for item in searchlog.read(root)] == ["vpn drops"]


def test_the_recent_ticket_is_remembered_under_its_lock(tmp_path: Path) -> None:
    from kb.notes import local_state

    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    with HeldElsewhere(lock_path(root, local_state.STATE_FILE)):
        local_state.remember_ticket(root, "INC0000001")  # a convenience: given up on, quietly
    assert local_state.recent_ticket(root) is None
    local_state.remember_ticket(root, "INC0000002")
    assert local_state.recent_ticket(root) == "INC0000002"


def test_a_save_from_an_older_text_keeps_what_another_kb_saved_since(question_kb: Path) -> None:
    kb = KnowledgeBase.open(question_kb)
    opened = kb.read_exact(NOTE)
    code, _out, err = _kb(question_kb, "update", NOTE, "told Tom")  # while the editor is open
    assert code == 0, err
    edited = opened.replace("every morning.", "every morning at 8.")
    saved = kb.save_text(NOTE, edited, "Edit: scanner", base=opened)
    text = (question_kb / NOTE).read_text(encoding="utf-8")
    assert "every morning at 8." in text and ": told Tom\n" in text
    assert saved.text == text
    # The same lines changed on both sides: nothing is written, and kb says why.
    other = text.replace("every morning at 8.", "every evening.")
    (question_kb / NOTE).write_text(other, encoding="utf-8")
    with pytest.raises(KBError, match="changed by another kb while you edited it"):
        kb.save_text(NOTE, text.replace("at 8.", "at 9."), "Edit: scanner", base=text)
    assert (question_kb / NOTE).read_text(encoding="utf-8") == other


async def test_the_app_editor_keeps_an_update_logged_while_it_was_open(question_kb: Path) -> None:
    from textual.widgets import TextArea

    from kb.tui.app import KBApp
    from tests.helpers import notifications, settle

    app = KBApp(str(question_kb))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.edit_note(NOTE)
        await settle(pilot)
        editor = app.screen.query_one(TextArea)
        code, _out, err = _kb(question_kb, "update", NOTE, "told Tom")
        assert code == 0, err
        editor.text = editor.text.replace("every morning.", "every morning at 8.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = (question_kb / NOTE).read_text(encoding="utf-8")
        assert "every morning at 8." in text and ": told Tom\n" in text
        assert app.screen.text == text  # the editor shows the note as saved
        # A change to the very lines another kb changed is refused, the editor keeps it.
        (question_kb / NOTE).write_text(text.replace("at 8.", "at 7."), encoding="utf-8")
        editor.text = editor.text.replace("at 8.", "at 9.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "changed by another kb while you edited it" in " ".join(notifications(app))
        assert "at 7." in (question_kb / NOTE).read_text(encoding="utf-8")
        assert "at 9." in editor.text


# --- waiting for a lock, and failing loudly --------------------------------------------------


def test_a_kb_waits_for_another_that_holds_the_note(question_kb: Path) -> None:
    with HeldElsewhere(lock_path(question_kb, NOTE)):
        process = _start(question_kb, "update", NOTE, "told Tom")
        time.sleep(1.5)
        still_waiting = process.poll() is None
        text_meanwhile = (question_kb / NOTE).read_text(encoding="utf-8")
    out, err = process.communicate(timeout=120)
    assert still_waiting, (out, err)
    assert ": told Tom" not in text_meanwhile
    assert process.returncode == 0, err
    assert ": told Tom\n" in (question_kb / NOTE).read_text(encoding="utf-8")


def test_a_lock_held_too_long_fails_loudly_naming_the_note(
    question_kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
    before = (question_kb / NOTE).read_bytes()
    commits = _git(question_kb, "rev-list", "--count", "HEAD")
    cli = Cli(question_kb)
    with HeldElsewhere(lock_path(question_kb, NOTE)):
        update = cli("update", NOTE, "told Tom")
        flag = cli("flag", NOTE, "wrong share")
        linked = cli("link", NOTE, "INC0000001")
    for result in (update, flag):
        assert result.exit_code == 2, result.output
        assert result.stderr == f"kb: {NOTE} is being changed by another kb; try again shortly\n"
        assert "Logged" not in result.stdout and "Flagged" not in result.stdout
    assert (question_kb / NOTE).read_bytes() == before
    assert linked.exit_code == 0  # the link log has a lock of its own
    with HeldElsewhere(lock_path(question_kb, LINKS_FILE)):
        again = cli("link", NOTE, "INC0000002")
    assert again.exit_code == 2
    assert again.stderr == "kb: the link log is being changed by another kb; try again shortly\n"
    assert [event.ticket for event in read_events(question_kb)] == ["INC0000001"]
    assert int(_git(question_kb, "rev-list", "--count", "HEAD")) == int(commits) + 1


def test_the_lock_message_says_what_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    waiting = FileLock(path, "the reading progress", timeout=0.2)
    with HeldElsewhere(path), pytest.raises(LockBusy) as busy, waiting:
        pass
    assert str(busy.value) == (
        "the reading progress is being changed by another kb; try again shortly"
    )
    assert busy.value.code == 2
    # The thread that holds a lock takes it again without waiting for itself.
    with FileLock(path, "the reading progress"), FileLock(path, "again", timeout=0):
        pass
    with HeldElsewhere(path):
        pass  # and let go of it entirely afterwards


def test_lock_files_live_under_the_kbs_own_folder(question_kb: Path) -> None:
    path = lock_path(question_kb, "notes/Sub Folder/VPN drops.md")
    assert path.parent == question_kb / ".kb" / "locks"
    assert path.name.startswith("notes-sub-folder-vpn-drops.md.") and path.suffix == ".lock"
    assert path == lock_path(question_kb, "notes/sub folder/vpn drops.md")
    assert path != lock_path(question_kb, "notes/sub-folder/vpn drops.md")
    assert _git(question_kb, "status", "--porcelain", "--ignored", ".kb") == "!! .kb/\n"


# --- who the writer is: git's identity, whichever way git was told -----------------------------


def _no_config(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No identity in any config, and none guessed from the machine (its host name).
    empty = home / "empty.gitconfig"
    empty.write_text("[user]\n\tuseConfigOnly = true\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.delenv("EMAIL", raising=False)


def test_an_identity_given_only_in_git_author_variables_is_used_everywhere(
    question_kb: Path, isolated_user: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_config(isolated_user, monkeypatch)
    env = _env(GIT_AUTHOR_NAME="Bea Okafor", GIT_AUTHOR_EMAIL="bea@example.org")
    env.update(GIT_COMMITTER_NAME="Bea Okafor", GIT_COMMITTER_EMAIL="bea@example.org")
    for args in (
        ["update", NOTE, "told Tom"],
        ["flag", NOTE, "the share path is wrong"],
        ["link", NOTE, "INC0000001"],
        ["new", "--title", "Scanner share by IP"],
    ):
        code, _out, err = _kb(question_kb, *args, env=env)
        assert code == 0 and "not committed" not in err, (args, err)
    text = (question_kb / NOTE).read_text(encoding="utf-8")
    assert " Bea Okafor: told Tom\n" in text
    assert "flagged_by: Bea Okafor\n" in text
    assert [event.by for event in read_events(question_kb)] == ["Bea Okafor"]
    new = (question_kb / "notes/scanner-share-by-ip.md").read_text(encoding="utf-8")
    assert "author: Bea Okafor\n" in new
    assert set(_git(question_kb, "log", "-4", "--format=%an").split("\n")[:4]) == {"Bea Okafor"}


def test_git_author_variables_win_over_the_config_as_in_git(
    question_kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Bea Okafor")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "bea@example.org")
    assert identity.user_name(question_kb) == "Bea Okafor"
    assert identity.git_identity(question_kb) == identity.Identity("Bea Okafor", "bea@example.org")
    code, _out, err = _kb(question_kb, "update", NOTE, "told Tom")
    assert code == 0, err
    assert " Bea Okafor: told Tom\n" in (question_kb / NOTE).read_text(encoding="utf-8")
    assert _git(question_kb, "log", "-1", "--format=%an") == "Bea Okafor\n"


def test_the_identity_follows_every_git_setting(
    question_kb: Path, isolated_user: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The repository's own author.name beats the global user.name, as on git's commits.
    _git(question_kb, "config", "author.name", "Cy Repo")
    assert identity.user_name(question_kb) == "Cy Repo"
    _git(question_kb, "config", "--unset", "author.name")
    assert identity.user_name(question_kb) == "Ana Tester"
    # Settings given on the command line of git's environment count too.
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.name")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "Dee Session")
    assert identity.user_name(question_kb) == "Dee Session"
    for name in ("GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0"):
        monkeypatch.delenv(name)
    # A name without an e-mail: git cannot commit, but the log still says who wrote it.
    _no_config(isolated_user, monkeypatch)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Eve Nomail")
    assert identity.git_identity(question_kb) is None
    assert identity.user_name(question_kb) == "Eve Nomail"
    monkeypatch.delenv("GIT_AUTHOR_NAME")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Fay Committer")
    assert identity.user_name(question_kb) == "Fay Committer"
    monkeypatch.delenv("GIT_COMMITTER_NAME")
    assert identity.user_name(question_kb) is None
    # Someone must be named on a flag and own the reading progress: the login name then.
    assert identity.display_name(question_kb) not in ("", "Ana Tester")
    assert ReadingProgress(question_kb).reader == identity.display_name(question_kb)


# --- tests never see the developer's git environment -----------------------------------------


def test_tests_do_not_see_the_developers_git_environment(tmp_path: Path) -> None:
    """Run on its own by the test below, in an environment full of a developer's GIT_*."""
    assert sorted(name for name in os.environ if name.startswith("GIT_")) == [
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_NOSYSTEM",
    ]
    kb = KnowledgeBase.init(tmp_path / "kb")
    saved = kb.new_note("Printer offline")
    assert saved.commit is not None and saved.commit.sha, saved.commit
    assert "author: Ana Tester\n" in (kb.root / saved.path).read_text(encoding="utf-8")
    assert _git(kb.root, "log", "-1", "--format=%an <%ae> / %cn") == (
        "Ana Tester <ana@example.org> / Ana Tester\n"
    )


def test_the_isolation_holds_whatever_git_variables_the_developer_set(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    developer = {
        "GIT_AUTHOR_NAME": "X",
        "GIT_AUTHOR_EMAIL": "x@y",
        "GIT_COMMITTER_NAME": "X",
        "GIT_COMMITTER_EMAIL": "x@y",
        "GIT_DIR": str(elsewhere / ".git"),
        "GIT_WORK_TREE": str(elsewhere),
        "GIT_INDEX_FILE": str(elsewhere / "index"),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "user.name",
        "GIT_CONFIG_VALUE_0": "X",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "0",
            "-q",
            "-p",
            "no:cacheprovider",
            # Its own temporary folder: pytest's clean-up of earlier runs' folders is not its.
            f"--basetemp={tmp_path / 'inner'}",
            f"{Path(__file__).relative_to(PROJECT)}::test_tests_do_not_see_the_developers_git_environment",
        ],
        cwd=PROJECT,
        env=_env(**developer),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
