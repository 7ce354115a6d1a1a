"""``kb index`` with nothing changed costs one git status, not a walk of every file; every
change git can see (edits, new and deleted notes, kb.toml, .gitignore) still gets a full pass."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes import files
from tests.helpers import Cli, git


def _docs(root: Path) -> Path:
    for number in range(5):
        path = root / "docs" / f"page-{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Page {number}\n\nprinter spooler {number}\n", encoding="utf-8")
    os.symlink("/etc", root / "docs" / "outside")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "docs")
    KnowledgeBase.init(root).close()
    return root


def _no_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    def walked(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the KB was walked")

    monkeypatch.setattr(files, "scan", walked)


def test_a_no_op_index_repeats_the_last_report_without_a_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _docs(tmp_path / "team")
    with KnowledgeBase.open(root) as kb:
        full = kb.reindex()
    with monkeypatch.context() as patch:
        _no_walk(patch)
        with KnowledgeBase.open(root) as kb:
            again = kb.reindex()
    assert again.unchanged == full.unchanged + len(full.added) + len(full.changed) == 5
    assert [str(p) for p in again.problems] == [str(p) for p in full.problems]
    assert any("outside" in str(p) for p in again.problems)
    # The command line says the same, and the warning is told once, as before.
    cli = Cli(root)
    told = [cli("index") for _ in range(2)]
    for result in told:
        assert result.exit_code == 0
        assert "0 added, 0 changed, 0 removed, 5 unchanged; 1 warning" in result.output
    assert "docs/outside" not in told[1].stderr


def test_every_change_git_sees_gets_a_full_pass(tmp_path: Path) -> None:
    root = _docs(tmp_path / "team")
    cli = Cli(root)
    cli("index")
    (root / "docs" / "page-0.md").write_text("# Page 0\n\nchanged\n", encoding="utf-8")
    (root / "docs" / "new.md").write_text("# New\n\nfresh\n", encoding="utf-8")
    (root / "docs" / "page-1.md").unlink()
    assert "1 added, 1 changed, 1 removed, 3 unchanged" in cli("index").output
    assert "0 added, 0 changed, 0 removed, 5 unchanged" in cli("index").output
    git(root, "add", "-A")
    git(root, "commit", "-qm", "edits")
    (root / "docs" / "page-2.md").write_text("# Page 2\n\nedited after\n", encoding="utf-8")
    git(root, "commit", "-qam", "more")
    assert "0 added, 1 changed, 0 removed, 4 unchanged" in cli("index").output


def test_kb_toml_and_gitignore_changes_are_seen(tmp_path: Path) -> None:
    root = _docs(tmp_path / "team")
    cli = Cli(root)
    cli("index")
    with open(root / "kb.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[content]\nexclude = ["docs/page-4.md"]\n')
    assert "0 added, 0 changed, 1 removed, 4 unchanged" in cli("index").output
    (root / "drafts").mkdir()
    (root / "drafts" / "a.md").write_text("# Draft\n", encoding="utf-8")
    assert "1 added" in cli("index").output
    (root / ".gitignore").write_text("drafts/\n", encoding="utf-8")
    assert "0 added, 0 changed, 1 removed" in cli("index").output
