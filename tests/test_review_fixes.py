"""Cases found by trying kb as a new technician: each would fail if it broke again."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.health.stats import compute
from kb.notes.link_log import LINKS_FILE
from kb.tickets.importers.common import plain_text
from tests.conftest import Cli, git_log, no_traceback, write


def test_a_broken_kb_toml_is_a_warning_on_every_command(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    (root / "kb.toml").write_text((root / "kb.toml").read_text() + "\n[tickets\n")
    result = Cli(root)("followups")
    no_traceback(result)
    assert result.exit_code == 0
    assert "kb: warning: kb.toml: not read, defaults used" in result.stderr


def test_entities_in_a_cell_without_tags_become_text() -> None:
    assert plain_text("Black &amp; blank screen") == "Black & blank screen"


def test_a_question_about_a_ticket_is_not_a_fix_for_it(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    with KnowledgeBase.init(root) as kb:
        write(
            root,
            "tickets/INC0041010.md",
            """
            ---
            id: INC0041010
            title: Teams camera black
            status: resolved
            resolved: 2026-11-20
            ---
            Camera shows black.
            """,
        )
        kb.new_note("What about the teams camera", note_type="question", tickets=["INC0041010"])
        health = compute(kb, today=_dt.date(2026, 11, 22))
    assert health.resolved_tickets == 1
    assert health.linked_tickets == 0
    assert health.most_reused == []


def test_flag_and_guide_names_resolve_like_a_technician_expects(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    write(root, "notes/printer-offline.md", "---\ntitle: Printer offline\ntype: fix\n---\n# x\n")
    write(root, "tickets/INC0041003.md", "---\nid: INC0041003\ntitle: Printer offline\n---\nx\n")
    write(
        root,
        "notes/guide-one.md",
        "---\ntitle: First days\ntype: guide\n---\n1. [[printer-offline]]\n",
    )
    write(
        root,
        "notes/guide-two.md",
        "---\ntitle: Second week\ntype: guide\n---\n1. [[printer-offline]]\n",
    )
    cli = Cli(root)
    result = cli("flag", "printer offline", "steps are out of date")
    assert result.exit_code == 0, result.stderr
    result = cli("guide", "guide")
    assert result.exit_code == 2 and "2 notes match" in result.stderr


def test_check_names_an_unreadable_line_of_the_link_log(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    (root / LINKS_FILE).write_text("garbage{{\n")
    result = Cli(root)("check")
    assert result.exit_code == 1
    assert f"{LINKS_FILE}:1" in result.output and "not a link record" in result.output


def test_usage_errors_are_one_line_with_exit_2(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    cli = Cli(root)
    for args in (["import"], ["import", "--format", "bogus", "x.csv"], ["nosuch"]):
        result = cli(*args)
        no_traceback(result)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("kb: ")


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
