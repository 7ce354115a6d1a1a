"""Git for kb: a KB is a git work tree, and every save kb makes is a commit.

GitPython is imported only here and only when needed; a ``Repo`` is opened per operation and
closed straight after, because long-lived ``Repo`` objects leak file handles and processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from git import Repo


class GitError(Exception):
    """A git operation failed; the message is one line for the user."""


@dataclass
class CommitResult:
    """What happened to a save in git."""

    sha: str | None = None
    #: Why the change was saved on disk but not committed, if it was not.
    warning: str | None = None


def _gitpython() -> ModuleType:
    """GitPython, or GitError when it (or the git program it drives) is missing."""
    try:
        import git
    except ImportError as exc:  # GitPython raises ImportError when git itself is not installed
        raise GitError("git is not installed (kb needs it to save history)") from exc
    return git


@contextmanager
def _repo(root: Path) -> Iterator[Repo]:
    _gitpython()
    from git import InvalidGitRepositoryError, NoSuchPathError, Repo

    try:
        repo = Repo(root, search_parent_directories=False)
    except (InvalidGitRepositoryError, NoSuchPathError) as exc:
        raise GitError(f"{root} is not a git repository") from exc
    try:
        yield repo
    finally:
        repo.close()


def is_repo(root: Path) -> bool:
    """True when ``root`` is the top of a git work tree."""
    return (Path(root) / ".git").exists()


def _first_line(exc: Exception) -> str:
    from git import GitCommandError

    if isinstance(exc, GitCommandError):
        text = (exc.stderr or "").strip().strip("'").strip()
        for line in text.splitlines():
            line = line.strip().removeprefix("stderr:").strip().strip("'")
            if line and not line.startswith("hint:"):
                return line.removeprefix("fatal: ").removeprefix("error: ")
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def user_name(root: Path) -> str | None:
    """The user's git name (for a note's ``author``), or None when git does not know it."""
    import subprocess

    try:
        done = subprocess.run(
            ["git", "config", "user.name"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    name = done.stdout.strip()
    return name or None


def has_identity(root: Path) -> bool:
    """True when git knows the user's name and e-mail for commits in this repository."""
    with _repo(root) as repo:
        reader = repo.config_reader()
        try:
            return bool(reader.get_value("user", "name", "")) and bool(
                reader.get_value("user", "email", "")
            )
        finally:
            reader.release()


def init(root: Path, paths: list[str], message: str) -> CommitResult:
    """``git init`` (branch ``main``) and a first commit of ``paths``.

    The first commit of a new KB is kb's, not the user's: when git does not know who the
    user is yet, it is made as "kb".
    """
    _gitpython()
    from git import GitCommandError, Repo

    repo = Repo.init(root, initial_branch="main")
    repo.close()
    with _repo(root) as repo:
        try:
            if paths:
                repo.git.add("--", *paths)
            options = (
                []
                if has_identity(root)
                else ["-c", "user.name=kb", "-c", "user.email=kb@localhost"]
            )
            repo.git.execute(["git", *options, "commit", "--quiet", "--allow-empty", "-m", message])
            return CommitResult(repo.head.commit.hexsha)
        except GitCommandError as exc:
            return CommitResult(None, f"not committed: {_first_line(exc)}")


def commit(root: Path, paths: list[str], message: str) -> CommitResult:
    """Commit the given paths (added, changed or deleted) with the user's git identity.

    Never raises: the file is already safely on disk, so a failure is returned as a warning
    (not a repository, unknown identity, a merge in progress, ...).
    """
    if not is_repo(root):
        return CommitResult(None, "not committed: this KB is not a git repository (run 'kb init')")
    try:
        _gitpython()
    except GitError as exc:
        return CommitResult(None, f"not committed: {exc}")
    from git import GitCommandError

    try:
        with _repo(root) as repo:
            if not has_identity(root):
                return CommitResult(
                    None,
                    "not committed: git does not know who you are; run "
                    "git config --global user.name 'Your Name' and user.email",
                )
            if (Path(repo.git_dir) / "MERGE_HEAD").exists():
                return CommitResult(None, "not committed: a merge is in progress; run 'kb sync'")
            repo.git.add("-A", "--", *paths)
            if not repo.git.diff("--cached", "--name-only", "--", *paths).strip():
                return CommitResult(None)
            repo.git.commit("--quiet", "-m", message, "--", *paths)
            return CommitResult(repo.head.commit.hexsha)
    except GitCommandError as exc:
        return CommitResult(None, f"not committed: {_first_line(exc)}")
    except GitError as exc:
        return CommitResult(None, f"not committed: {exc}")


def show(root: Path, rel: str, revision: str) -> str:
    """The text of ``rel`` at ``revision``. Raises GitError with one clear line."""
    from git import BadName, GitCommandError

    with _repo(root) as repo:
        try:
            repo.rev_parse(revision)
        except (BadName, ValueError) as exc:
            raise GitError(f"no revision {revision!r} in this KB's history") from exc
        try:
            return repo.git.show(f"{revision}:{rel}")
        except GitCommandError as exc:
            raise GitError(f"{rel} does not exist at {revision}") from exc
