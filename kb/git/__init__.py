"""Git: a KB is a git work tree and every save kb makes is a commit.

This package is the one place that opens GitPython (:func:`open_repo`). It owns commits (with
the checks for conflict markers and secrets), history and revisions, who the user is, the
locks around a repository, the journal that undoes a merge stopped half-way, and temporary
files of interrupted writes.
"""

from kb.git.repository import (
    CommitResult,
    GitError,
    Revision,
    added_lines,
    commit,
    conflict_markers,
    first_line,
    ignored_files,
    init,
    is_repo,
    log,
    open_repo,
    show,
)

__all__ = [
    "CommitResult",
    "GitError",
    "Revision",
    "added_lines",
    "commit",
    "conflict_markers",
    "first_line",
    "ignored_files",
    "init",
    "is_repo",
    "log",
    "open_repo",
    "show",
]
