"""The quick look at a work tree never follows a link out of the KB (real files, real git)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from kb.git import early_look, head_files, worktree


def test_the_quick_look_never_follows_a_link_out_of_the_kb(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "kb").mkdir(parents=True)
    (outside / "kb" / "secret.md").write_text("not the KB's\n")
    root = tmp_path / "repo"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "a.md").write_text("# A\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    os.symlink(outside, root / "docs")
    os.symlink(outside / "kb", root / "notes" / "linked")
    look = worktree.quick_look(root, ["notes", "docs/kb"])
    assert look is not None
    # The link itself is seen (it may change); what lies behind it is not walked.
    assert not any(folder.startswith(("docs/kb", "notes/linked/")) for folder in look.folders)
    assert worktree._signature(root, "docs/kb/secret.md") is None
    assert worktree._signature(root, "notes/linked/secret.md") is None
    assert worktree._signature(root, "notes/a.md") is not None


def test_the_commit_read_from_git_files_is_the_one_git_names(tmp_path: Path) -> None:
    """The quick look reads the commit from ``.git`` itself (loose or packed refs, a
    detached head) and asks git whenever it cannot be sure."""
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)

    def named_by_git() -> str | None:
        done = subprocess.run(
            ["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip() or None

    assert head_files.head_from_files(root) is None  # no commit yet: git is asked
    assert worktree._head(root) == (True, None)
    (root / "a.md").write_text("# A\n")
    subprocess.run(["git", "add", "a.md"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "A"], cwd=root, check=True)
    first = named_by_git()
    assert first is not None and head_files.head_from_files(root) == first  # loose
    subprocess.run(["git", "pack-refs", "--all"], cwd=root, check=True)
    assert not (root / ".git/refs/heads/main").exists()
    assert head_files.head_from_files(root) == first  # packed
    (root / "a.md").write_text("# A again\n")
    subprocess.run(["git", "commit", "-qam", "A again"], cwd=root, check=True)
    second = named_by_git()
    assert second != first and head_files.head_from_files(root) == second  # loose over packed
    subprocess.run(["git", "checkout", "-q", "--detach", first], cwd=root, check=True)
    assert head_files.head_from_files(root) == first  # detached
    # Something odd in HEAD: git answers, not the files.
    (root / ".git/HEAD").write_text("ref: refs/heads/../../../outside\n")
    assert head_files.head_from_files(root) is None


def test_an_early_look_answers_for_the_content_folders_only(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for rel in ("notes/a.md", "notes/deep/b.md", "other/c.md", "notesx/d.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"# {rel}\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "All"], cwd=root, check=True)
    for rel in ("notes/a.md", "notes/deep/b.md", "other/c.md", "notesx/d.md"):
        (root / rel).write_text(f"# {rel} edited\n")
    early_look.look_early(root)
    early = worktree.quick_look(root, ["notes"])
    assert early_look._EARLY == {}
    late = worktree.quick_look(root, ["notes"])
    assert early is not None and late is not None
    assert sorted(early.modified) == sorted(late.modified) == ["notes/a.md", "notes/deep/b.md"]
