"""The commit checked out, read from the files git keeps it in (no git process started)."""

from __future__ import annotations

import os
from pathlib import Path


def head_from_files(root: Path) -> str | None:
    """The commit checked out, read from ``.git/HEAD`` and the branch's ref as git keeps them
    in files (loose, then packed), which spares starting git; None whenever that is not
    certain (a ref store of another kind, an odd or missing ref): git is asked then."""
    git_dir = root / ".git"
    try:
        if (git_dir / "reftable").exists() or os.path.islink(git_dir / "HEAD"):
            return None
        text = (git_dir / "HEAD").read_text("ascii").strip()
    except (OSError, ValueError):
        return None
    if _is_object_id(text):
        return text  # detached
    if not text.startswith("ref: refs/heads/"):
        return None
    ref = text[len("ref: ") :]
    if ".." in ref.split("/") or "\\" in ref or ref.endswith("/"):
        return None
    loose = git_dir / ref
    try:
        if not os.path.islink(loose) and loose.is_file():
            value = loose.read_text("ascii").strip()
            return value if _is_object_id(value) else None
        with open(git_dir / "packed-refs", encoding="utf-8", errors="replace") as packed:
            for line in packed:
                oid, _, name = line.rstrip("\n").partition(" ")
                if name == ref and _is_object_id(oid):
                    return oid
    except (OSError, ValueError):
        return None
    return None


def _is_object_id(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)
