"""The quick look at a work tree never follows a link out of the KB (real files, real git)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from kb.git import worktree


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
