"""Translations in language folders are not duplicate titles; a warning is told once."""

from __future__ import annotations

import os
from pathlib import Path

from kb import KnowledgeBase
from kb.health.checks import check
from kb.notes.content import language_of
from tests.helpers import Cli, git


def _repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "pages")
    return root


def test_language_of_a_folder() -> None:
    assert language_of("pages.fr/common/tar.md") == "fr"
    assert language_of("pages.zh_TW/common/tar.md") == "zh-tw"
    assert language_of("pages/common/tar.md") is None
    assert language_of("v1.2/readme.md") is None


def test_translations_are_not_duplicate_titles(tmp_path: Path) -> None:
    root = _repo(
        tmp_path / "tldr",
        {
            "pages/common/tar.md": "# tar\n> Archiving utility.\n",
            "pages.fr/common/tar.md": "# tar\n> Utilitaire d'archivage.\n",
            "pages.pt_BR/common/tar.md": "# tar\n> Utilitário de arquivamento.\n",
            "pages/common/tar-copy.md": "# tar\n> Same title, same language.\n",
        },
    )
    KnowledgeBase.init(root).close()
    with KnowledgeBase.open(root) as kb:
        same = [p for p in check(kb) if "same title" in p.message]
    assert [(p.path, p.message) for p in same] == [
        ("pages/common/tar-copy.md", "same title as pages/common/tar.md")
    ]


def test_a_symlinked_folder_is_told_once_by_kb_index(tmp_path: Path) -> None:
    root = _repo(tmp_path / "docs", {"guides/a.md": "# A\n", "elsewhere/b.md": "# B\n"})
    os.symlink(root / "elsewhere", root / "guides" / "linked")
    KnowledgeBase.init(root).close()
    cli = Cli(root)
    first = cli("index")
    assert "symlinked folder not followed" in first.stderr
    second = cli("index")
    assert second.exit_code == 0
    assert "symlinked folder not followed" not in second.stderr
    assert "symlinked folder not followed" in cli("check").output
