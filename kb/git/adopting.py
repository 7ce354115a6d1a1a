"""The one commit ``kb init`` makes in a team's existing repository: kb's own files only.

Whatever else the user has staged stays staged and out of the commit; when the commit cannot
be made, kb's files are taken out of the staging area again, so nothing is left half done.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from kb.git import identity
from kb.git.committing import CommitResult
from kb.git.locks import RepoBusy, repo_lock
from kb.git.repository import GitError, first_line, open_repo

if TYPE_CHECKING:
    from git import Repo


def commit_own_files(root: Path, rels: list[str], message: str) -> CommitResult:
    """Commit exactly ``rels`` (files kb wrote) in one commit named ``message``.

    Made as "kb" when git does not know the user yet (as the first commit of a new KB is).
    """
    from git import GitCommandError

    try:
        with repo_lock(root), open_repo(root) as repo:
            unborn = not repo.head.is_valid()
            options = (
                []
                if identity.git_identity(root) is not None
                else ["-c", "user.name=kb", "-c", "user.email=kb@localhost"]
            )
            try:
                repo.git.execute(["git", "add", "--", *rels])
                repo.git.execute(
                    ["git", *options, "commit", "--quiet", "--only", "-m", message, "--", *rels]
                )
            except GitCommandError as exc:
                _unstage(repo, rels, unborn)
                return CommitResult(None, f"not committed: {first_line(exc)}")
            return CommitResult(repo.head.commit.hexsha, committed=list(rels))
    except (GitError, RepoBusy) as exc:
        return CommitResult(None, f"not committed: {exc}")


def _unstage(repo: Repo, rels: list[str], unborn: bool) -> None:
    from git import GitCommandError

    command = (
        ["git", "rm", "--cached", "-q", "--ignore-unmatch", "--"]
        if unborn
        else ["git", "reset", "-q", "--"]
    )
    with contextlib.suppress(GitCommandError):
        repo.git.execute([*command, *rels])
