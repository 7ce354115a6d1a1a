"""Which version of a note was given out: its last commit, and whether it has unsaved changes.

A link records the note's revision so that the exact text given to a caller can be shown
again later (``kb show NOTE --at REV``). GitPython is imported only here and only when needed,
and a ``Repo`` is opened per call and closed straight after.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.git.repository import GitError, first_line, is_repo, open_repo, unquote

#: How many hex digits a revision is shown with, everywhere (git's own default).
SHORT = 7


def short(revision: str | None) -> str:
    """A revision as people read it (``3f2c9a1``); empty when there is none."""
    return (revision or "")[:SHORT]


def last_commit(root: Path, rel: str) -> str | None:
    """The full sha of the last commit that touched ``rel``; None when it was never committed
    (or the KB is not a git repository)."""
    if not is_repo(root):
        return None
    try:
        with open_repo(root) as repo:
            from git import GitCommandError

            try:
                sha = repo.git.log("-1", "--format=%H", "--", rel).strip()
            except (GitCommandError, ValueError):
                return None
            return sha or None
    except GitError:
        return None


def has_changes(root: Path, rel: str) -> bool:
    """True when ``rel`` differs from its committed version (or is not committed at all)."""
    if not is_repo(root):
        return False
    try:
        with open_repo(root) as repo:
            from git import GitCommandError

            try:
                status = repo.git.status("--porcelain", "--", rel)
            except GitCommandError:
                return False
            return bool(status.strip())
    except GitError:
        return False


def show(root: Path, rel: str, revision: str) -> str:
    """The text of ``rel`` at ``revision`` (under its name then). Raises GitError, one line."""
    from git import GitCommandError

    with open_repo(root) as repo:
        try:
            sha = repo.git.rev_parse(
                "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"
            )
        except GitCommandError as exc:
            raise GitError(f"no revision {revision!r} in this KB's history") from exc
        for path in [rel, *_older_names(root, rel)]:
            try:
                return str(
                    repo.git.execute(
                        ["git", "show", f"{sha}:{path}"], strip_newline_in_stdout=False
                    )
                )
            except GitCommandError:
                continue
        raise GitError(f"{rel} did not exist at {revision}")


def _older_names(root: Path, rel: str) -> list[str]:
    # The note's names in its history, newest first, for revisions from before a rename.
    try:
        revisions = log(root, rel)
    except GitError:
        return []
    names: list[str] = []
    for revision in revisions:
        if revision.path != rel and revision.path not in names:
            names.append(revision.path)
    return names


@dataclass(frozen=True)
class Revision:
    """One commit in a note's history."""

    sha: str
    author: str
    email: str
    date: str  # ISO 8601 with offset
    message: str
    path: str  # the note's path in that commit (notes get renamed)

    @property
    def short(self) -> str:
        """The abbreviated commit id people read out."""
        return short(self.sha)


def log(root: Path, rel: str, limit: int | None = None) -> list[Revision]:
    """The commits that changed ``rel``, newest first, following renames (not copies)."""
    from git import GitCommandError

    args = [
        "git",
        "log",
        "--follow",
        "--name-status",
        "--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s",
    ]
    with open_repo(root) as repo:
        try:
            output = str(repo.git.execute([*args, "--", rel], strip_newline_in_stdout=False))
        except GitCommandError as exc:
            if "does not have any commits" in str(exc.stderr):
                return []
            raise GitError(f"cannot read the history of {rel}: {first_line(exc)}") from exc
    revisions = []
    for record in output.split("\x1e"):
        lines = [line for line in record.splitlines() if line.strip()]
        if not lines:
            continue
        fields = lines[0].split("\x1f")
        if len(fields) != 5:
            continue
        status = lines[1].split("\t") if len(lines) > 1 else ["M", rel]
        sha, author, email, date, message = fields
        revisions.append(Revision(sha, author, email, date, message, unquote(status[-1])))
        # A copy is where this note began (made from a template or another note): git's
        # --follow would go on into the history of the file it was copied from. A file
        # deleted and added again at the same path goes on, as git log --follow does.
        if status[0].startswith("C") or (limit and len(revisions) >= limit):
            break
    return revisions
