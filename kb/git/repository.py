"""Git for kb: a KB is a git work tree, and every save kb makes is a commit.

This is the one module that opens GitPython: it is imported only when needed, and a ``Repo``
is opened per operation and closed straight after, because long-lived ``Repo`` objects leak
file handles and processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from git import Repo


class GitError(Exception):
    """A git operation failed; the message is one line for the user."""


def gitpython() -> ModuleType:
    """GitPython, or GitError when it (or the git program it drives) is missing."""
    try:
        import git
    except ImportError as exc:  # GitPython raises ImportError when git itself is not installed
        raise GitError("git is not installed (kb needs it to save history)") from exc
    return git


@contextmanager
def open_repo(root: Path) -> Iterator[Repo]:
    """The repository at ``root``, opened for one operation and closed after it (GitError
    when it is not a git repository, or git is missing)."""
    gitpython()
    from git import InvalidGitRepositoryError, NoSuchPathError, Repo

    try:
        repo = Repo(root, search_parent_directories=False)
    except (InvalidGitRepositoryError, NoSuchPathError) as exc:
        raise GitError(f"{root} is not a git repository") from exc
    try:
        yield repo
    finally:
        repo.close()


def init_repo(root: Path) -> None:
    """``git init`` at ``root``, on branch ``main``."""
    gitpython()
    from git import Repo

    Repo.init(root, initial_branch="main").close()


def is_repo(root: Path) -> bool:
    """True when ``root`` is the top of a git work tree."""
    return (Path(root) / ".git").exists()


def names(repo: Repo, *args: str) -> list[str]:
    """The paths ``git ARGS -z`` lists, exactly as they are named on disk: NUL-separated
    output is never quoted, whatever ``core.quotePath`` says (``café.md``, ``"a b".md``)."""
    output = str(repo.git.execute(["git", *args, "-z"], strip_newline_in_stdout=False))
    return [name for name in output.split("\0") if name]


def has_no_commit(root: Path) -> bool:
    """True when the repository at ``root`` has no commit yet (a new or empty clone)."""
    with open_repo(root) as repo:
        return not repo.head.is_valid()


def first_line(exc: Exception, detail: bool = False) -> str:
    """The one line of a git failure worth showing a user.

    With ``detail``, the file names git lists under it are added ("would be overwritten by
    merge: notes/a.md, README.md").
    """
    from git import GitCommandError

    if isinstance(exc, GitCommandError):
        text = (exc.stderr or "").strip().strip("'").strip()
        lines = [
            line.strip().removeprefix("stderr:").strip().strip("'") for line in text.splitlines()
        ]
        for index, line in enumerate(lines):
            if line and not line.startswith("hint:"):
                first = line.removeprefix("fatal: ").removeprefix("error: ")
                if detail and first.endswith(":"):
                    names = []
                    for name in lines[index + 1 :]:
                        if not name or name.startswith(("Please", "Aborting", "hint:")):
                            break
                        names.append(name)
                    if names:
                        shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
                        first = f"{first} {shown}"
                return first
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def unquote(path: str) -> str:
    """A path as git printed it, without the quotes and escapes git adds to odd names."""
    if path.startswith('"') and path.endswith('"'):
        inner = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        return inner.encode("latin-1", "replace").decode("utf-8", "replace")
    return path
