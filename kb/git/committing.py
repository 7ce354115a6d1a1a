"""Commits: every save kb makes, checked first for conflict markers and secrets.

kb's lock on the repository is held around each commit, so commits of several kb processes
take turns and wait for a sync; a merge a killed sync left half-way is put back first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.git import identity
from kb.git.markers import added_lines, conflict_markers
from kb.git.repository import GitError, first_line, gitpython, init_repo, is_repo, open_repo
from kb.notes.errors import KBError
from kb.notes.secrets import ALLOW_MARK

if TYPE_CHECKING:
    from collections.abc import Callable

    from git import Repo

    from kb.notes.secrets import Finding, SecretRules


@dataclass
class CommitResult:
    """What happened to a save in git."""

    sha: str | None = None
    #: Why the change was saved on disk but not committed, if it was not.
    warning: str | None = None
    #: What looked like secrets, when that is why it was not committed.
    secrets: list[Finding] = field(default_factory=list)
    #: The paths the commit holds.
    committed: list[str] = field(default_factory=list)


def init(root: Path, paths: list[str], message: str) -> CommitResult:
    """``git init`` (branch ``main``) and a first commit of ``paths``.

    The first commit of a new KB is kb's, not the user's: when git does not know who the
    user is yet, it is made as "kb".
    """
    from git import GitCommandError

    init_repo(root)
    with open_repo(root) as repo:
        try:
            if paths:
                repo.git.add("--", *paths)
            options = (
                []
                if identity.git_identity(root) is not None
                else ["-c", "user.name=kb", "-c", "user.email=kb@localhost"]
            )
            repo.git.execute(["git", *options, "commit", "--quiet", "--allow-empty", "-m", message])
            return CommitResult(repo.head.commit.hexsha)
        except GitCommandError as exc:
            return CommitResult(None, f"not committed: {first_line(exc)}")


def commit(
    root: Path,
    paths: list[str],
    message: str | Callable[[list[str]], str],
    *,
    allow_secrets: bool = False,
    rules: SecretRules | None = None,
) -> CommitResult:
    """Commit the given paths (added, changed or deleted) with the user's git identity.
    ``message`` may be a function of the paths committed (a message naming them must not name
    a file held back).

    The lines the commit adds are checked first: conflict markers are never committed, and
    what looks like a password, key or token is refused (``CommitResult.secrets``) unless
    ``allow_secrets``. Temporary files of interrupted writes are never added. A file the
    team's ``.gitignore`` ignores is not committed either, and said so in the warning.

    kb's lock on the repository is held throughout: commits of several kb processes take
    turns, and wait for a sync. Never raises: the file is already safely on disk, so a
    failure is returned as a warning (not a repository, unknown identity, busy, ...).
    """
    if not is_repo(root):
        return CommitResult(None, "not committed: this KB is not a git repository (run 'kb init')")
    try:
        gitpython()
    except GitError as exc:
        return CommitResult(None, f"not committed: {exc}")
    from kb.git.locks import RepoBusy, repo_lock

    try:
        with repo_lock(root):
            return _commit_locked(root, paths, message, allow_secrets, rules)
    except RepoBusy as exc:
        return CommitResult(None, f"not committed: {exc}")


def _commit_locked(
    root: Path,
    paths: list[str],
    message: str | Callable[[list[str]], str],
    allow_secrets: bool,
    rules: SecretRules | None,
) -> CommitResult:
    from git import GitCommandError

    from kb.git import locks, merge_undo

    try:
        with open_repo(root) as repo:
            if identity.git_identity(root) is None:
                return CommitResult(None, f"not committed: {identity.missing_advice(root)}")
            locks.clear_stale_locks(root)
            if not locks.wait_for_git(root):
                return CommitResult(
                    None,
                    f"not committed: {locks.busy_message(root)}; run 'kb save' when it is done",
                )
            # A sync stopped half-way: its files are put back before anything is committed.
            merge_undo.recover(repo, root)
            if (Path(repo.git_dir) / "MERGE_HEAD").exists():
                return CommitResult(None, "not committed: a merge is in progress; run 'kb sync'")
            if repo.head.is_detached:
                return CommitResult(None, "not committed: HEAD is detached (not on a branch)")
            for attempt in range(3):
                try:
                    return _stage_and_commit(repo, root, paths, message, allow_secrets, rules)
                except GitCommandError as exc:
                    # Someone's git took the index between our steps: wait for it, again.
                    if "index.lock" not in str(exc.stderr) or attempt == 2:
                        raise
                    locks.wait_for_git(root)
            raise AssertionError("unreachable")
    except GitCommandError as exc:
        return CommitResult(None, f"not committed: {first_line(exc)}")
    except (GitError, KBError) as exc:
        return CommitResult(None, f"not committed: {exc}")


#: Pathspec that keeps temporary files of atomic writes out of every ``git add`` of a folder.
NO_TEMP_FILES = ":(exclude,glob)**/.*.tmp"


def _stage_and_commit(
    repo: Repo,
    root: Path,
    paths: list[str],
    message: str | Callable[[list[str]], str],
    allow_secrets: bool,
    rules: SecretRules | None,
) -> CommitResult:
    from kb.git import tempfiles

    # A path gone from disk may be tracked still, or already removed with git rm:
    # either way its deletion is what gets committed.
    # The staging area as the user left it: a refused commit puts it back exactly.
    before = str(repo.git.execute(["git", "write-tree"])).strip()
    present = [p for p in paths if (Path(root) / p).exists() or (Path(root) / p).is_symlink()]
    gone = [p for p in paths if p not in present]
    ignored = ignored_files(repo, present)
    skipped = _check_ignore(repo, present)
    folders = [
        p for p in present if (Path(root) / p).is_dir() and not (Path(root) / p).is_symlink()
    ]
    files = [p for p in present if p not in folders]
    tracked = set(
        str(
            repo.git.execute(["git", "ls-files", "-z", "--", *files], strip_newline_in_stdout=False)
        ).split("\0")
        if files
        else []
    )
    # Tracked files are staged with -u: with -A, git refuses a path under an ignored folder
    # even when the file itself is tracked. Ignored folders give only their tracked files.
    known = [p for p in files if p in tracked] + [p for p in folders if p in skipped]
    new = [
        p
        for p in files
        if p not in tracked and p not in skipped and p not in ignored and not tempfiles.is_temp(p)
    ]
    open_folders = [p for p in folders if p not in skipped]
    if known:
        repo.git.add("-u", "--", *known)
    if new:
        repo.git.add("-A", "--", *new)
    if open_folders:
        # Not with the file paths: git then skips new files in new subfolders of a file path.
        repo.git.add("-A", "--", *open_folders, NO_TEMP_FILES)
    if gone:
        repo.git.rm("--cached", "-r", "-q", "--ignore-unmatch", "--", *gone)
    warning = _ignored_warning(repo, ignored) if ignored else None
    staged = [
        name
        for name in str(
            repo.git.execute(
                ["git", "diff", "--cached", "--name-only", "--no-renames", "-z", "--", *paths],
                strip_newline_in_stdout=False,
            )
        ).split("\0")
        if name
    ]
    if not staged:
        return CommitResult(None, warning)
    added = added_lines(repo, ["--cached", "--", *staged])
    markers = conflict_markers(added, root)
    if markers:
        _put_back(repo, before, staged)
        return CommitResult(
            None,
            f"not committed: {markers[0]} holds a merge conflict marker (keep the right lines, "
            "delete the marker lines, then save again; 'kb check' lists every marker)",
        )
    if not allow_secrets:
        from kb.git import secret_scan

        # Read from the staged files themselves: a diff leaves out what git takes for
        # binary (UTF-16, a NUL byte, a -diff attribute) and quotes odd names.
        found = secret_scan.staged(repo, staged, rules)
        if found:
            # Only the files with findings are held back; the rest is committed.
            held = _with_rename_sources(repo, {finding.path for finding in found})
            _put_back(repo, before, held)
            rest = [path for path in staged if path not in held]
            advice = (
                f"remove it, mark the line with a trailing {ALLOW_MARK}, or use --allow-secrets"
            )
            if not rest:
                return CommitResult(None, f"not committed: {found[0]} ({advice})", secrets=found)
            repo.git.commit("--quiet", "-m", _message(message, rest), "--", *rest)
            return CommitResult(
                repo.head.commit.hexsha,
                f"{len(held)} file{'s' if len(held) != 1 else ''} held back: {found[0]} ({advice})",
                secrets=found,
                committed=rest,
            )
    repo.git.commit("--quiet", "-m", _message(message, staged), "--", *staged)
    return CommitResult(repo.head.commit.hexsha, warning, committed=staged)


def _message(message: str | Callable[[list[str]], str], committed: list[str]) -> str:
    return message if isinstance(message, str) else message(committed)


def _with_rename_sources(repo: Repo, held: set[str]) -> list[str]:
    """``held`` and the files git sees moved to them: a note moved and changed is held back
    whole, never committed as a deletion without its new place."""
    fields = str(
        repo.git.execute(
            ["git", "diff", "--cached", "-M", "--name-status", "-z"], strip_newline_in_stdout=False
        )
    ).split("\0")
    index = 0
    found = set(held)
    while index < len(fields) - 1:
        status = fields[index]
        if status[:1] in ("R", "C") and index + 2 < len(fields):
            if fields[index + 2] in held and status[:1] == "R":
                found.add(fields[index + 1])
            index += 3
        else:
            index += 2
    return sorted(found)


def _put_back(repo: Repo, tree: str, paths: list[str]) -> None:
    """The staging area's entries for ``paths`` as they were in ``tree`` (written before kb
    staged anything): what the user had staged stays staged, nothing else is."""
    if paths:
        repo.git.execute(["git", "--literal-pathspecs", "reset", "-q", tree, "--", *paths])


def _check_ignore(repo: Repo, paths: list[str]) -> set[str]:
    """The paths git ignores themselves (untracked files, or whole folders)."""
    import subprocess

    if not paths:
        return set()
    done = subprocess.run(
        ["git", "check-ignore", "-z", "--stdin"],
        cwd=repo.working_tree_dir,
        input="\0".join(paths).encode("utf-8", "surrogateescape") + b"\0",
        capture_output=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        return set()
    return {path for path in done.stdout.decode("utf-8", "surrogateescape").split("\0") if path}


def ignored_files(repo: Repo, paths: list[str]) -> list[str]:
    """KB files under ``paths`` that git ignores and does not track (notes kb would lose).

    Hidden files and temporary files of writes are left out: they are never notes.
    """
    if not paths:
        return []
    output = repo.git.execute(
        ["git", "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--", *paths],
        strip_newline_in_stdout=False,
    )
    from kb.git import tempfiles

    named = set(paths)
    found = []
    for rel in str(output).split("\0"):
        if not rel or tempfiles.is_temp(rel):
            continue
        hidden = any(part.startswith(".") for part in rel.split("/"))
        if rel in named or (not hidden and rel.lower().endswith(".md")):
            found.append(rel)
    return sorted(found)


def _ignored_warning(repo: Repo, ignored: list[str]) -> str:
    """Why files were left out, naming the rule that ignores the first."""
    rule = ""
    status, out, _err = repo.git.execute(
        ["git", "check-ignore", "-v", "--no-index", "--", ignored[0]],
        with_extended_output=True,
        with_exceptions=False,
    )
    if status == 0 and out:
        source, _, pattern = out.split("\t", 1)[0].partition(":")
        line, _, pattern = pattern.partition(":")
        rule = f" (rule '{pattern}' in {source}, line {line})"
    shown = ", ".join(ignored[:3]) + (f" and {len(ignored) - 3} more" if len(ignored) > 3 else "")
    return (
        f"not committed: {shown}: git ignores {'it' if len(ignored) == 1 else 'them'}{rule}; "
        "kb shares every note it saves: remove that rule from .gitignore, then run 'kb save'"
    )
