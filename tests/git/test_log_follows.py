"""``kb log`` follows a note's whole history exactly as ``git log --follow`` does."""

from __future__ import annotations

from pathlib import Path

from kb import KnowledgeBase
from kb.git.revisions import log
from tests.helpers import git


def test_log_goes_on_past_a_delete_and_re_add_and_a_rename(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    note = root / "notes/a.md"
    for number in range(3):
        with note.open("a", encoding="utf-8") as handle:
            handle.write(f"version {number}\n")
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"edit {number}")
    git(root, "rm", "-q", "notes/a.md")
    git(root, "commit", "-qm", "delete")
    note.write_text("written again\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "re-add")
    git(root, "mv", "notes/a.md", "notes/café b.md")
    git(root, "commit", "-qm", "rename")
    expected = git(root, "log", "--follow", "--format=%H", "--", "notes/café b.md").split()
    assert [revision.sha for revision in log(root, "notes/café b.md")] == expected
    assert len(expected) == 6
