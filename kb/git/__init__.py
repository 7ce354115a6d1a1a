"""Git: a KB is a git work tree and every save kb makes is a commit.

:mod:`kb.git.repository` is the one module that opens GitPython. The package owns commits
(checked for conflict markers and secrets first), revisions and history, who the user is,
the locks around a repository, the journal that undoes a merge stopped half-way, and the
temporary files of interrupted writes.

The names below are loaded on first use: a command that only asks git what changed (a
search) does not pay for the commit checks' patterns.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.git.committing import CommitResult, commit, ignored_files, init
    from kb.git.markers import added_lines, conflict_markers
    from kb.git.repository import GitError, first_line, has_no_commit, is_repo, open_repo
    from kb.git.revisions import Revision, log, short, show

#: Each public name and the module that owns it.
_OWNERS = {
    "CommitResult": "committing",
    "commit": "committing",
    "ignored_files": "committing",
    "init": "committing",
    "added_lines": "markers",
    "conflict_markers": "markers",
    "GitError": "repository",
    "first_line": "repository",
    "has_no_commit": "repository",
    "is_repo": "repository",
    "open_repo": "repository",
    "Revision": "revisions",
    "log": "revisions",
    "short": "revisions",
    "show": "revisions",
}

__all__ = [
    "CommitResult",
    "GitError",
    "Revision",
    "added_lines",
    "commit",
    "conflict_markers",
    "first_line",
    "has_no_commit",
    "ignored_files",
    "init",
    "is_repo",
    "log",
    "open_repo",
    "short",
    "show",
]


def __getattr__(name: str) -> Any:
    owner = _OWNERS.get(name)
    if owner is None:
        raise AttributeError(f"module 'kb.git' has no attribute {name!r}")
    return getattr(importlib.import_module(f"kb.git.{owner}"), name)
