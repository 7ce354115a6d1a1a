"""Git: a KB is a git work tree and every save kb makes is a commit.

:mod:`kb.git.repository` is the one module that opens GitPython. The package owns commits
(checked for conflict markers and secrets first), revisions and history, who the user is,
the locks around a repository, the journal that undoes a merge stopped half-way, and the
temporary files of interrupted writes.
"""

from kb.git.committing import CommitResult, commit, ignored_files, init
from kb.git.markers import added_lines, conflict_markers
from kb.git.repository import GitError, first_line, has_no_commit, is_repo, open_repo
from kb.git.revisions import Revision, log, short, show

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
