"""Several kb processes writing to one KB at once, and who kb says the writer is.

The concurrency tests start real ``kb`` processes together on a real git repository and check
the files on disk afterwards. The git commits of those processes race on git's own index
lock, so a process may report that its change was saved but not committed; what is checked
here is that no change a process reported is lost from the file it changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb import KnowledgeBase, identity
from kb.progress import ReadingProgress
from kb.ticket_links import read_events

from .conftest import PROJECT, write

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
