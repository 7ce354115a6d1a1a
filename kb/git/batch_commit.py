"""Commits of thousands of files at a time, as an import makes them.

``git add <paths>`` and ``git commit -- <paths>`` compare every path given with every file
of the repository (with 100,000 ticket records, billions of comparisons) and need a command
line that soon becomes too long for the system. A batch commit is built with git's plumbing
instead: the paths go to git on its standard input, into a private index
(``<git dir>/kb-batch-index``) that starts from HEAD, so that nothing the user staged is
swept into kb's commit; then the branch is moved with a check that nobody moved it
meanwhile, and the user's own index learns about the committed files (``git status`` stays
clean). Each commit costs in proportion to the repository, not to it times the batch.

Every file is checked first, as kb checks every commit: a file holding conflict markers, or
what looks like a secret (unless secrets are allowed), is left out of the commit, uncommitted
on disk, and reported.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import time
from pathlib import Path
from types import TracebackType

from kb import git
from kb.git import identity
from kb.git import locks as gitlocks
from kb.git.committing import CommitResult
from kb.git.repository import GitError
from kb.notes.secrets import Finding, SecretRules, scan_bytes

#: How many times a commit is tried again when another commit moved the branch meanwhile.
_ATTEMPTS = 5
#: How long the user's index may stay locked by another git before kb gives up refreshing it.
_INDEX_WAIT = 10.0


class BatchCommitter:
    """Commits batches of files to the current branch of the KB at ``root``.

    Use it in a ``with`` block. ``problem`` says why nothing can be committed (not a
    repository, no identity, a merge in progress, ...); ``commit`` then returns it as the
    warning of every batch.
    """

    def __init__(
        self, root: Path, *, rules: SecretRules | None = None, allow_secrets: bool = False
    ) -> None:
        self.root = Path(root)
        self.rules = rules
        self.allow_secrets = allow_secrets
        self.problem: str | None = None
        #: The commits made, oldest first.
        self.commits: list[str] = []
        #: How many files the last commit held.
        self.last_count = 0
        self._index: Path | None = None
        self._base: str | None = None

    # -- setting up -------------------------------------------------------------------------

    def __enter__(self) -> BatchCommitter:
        self.problem = self._check()
        if self.problem is None:
            try:
                git_dir = Path(self._git("rev-parse", "--absolute-git-dir").strip())
                self._index = git_dir / "kb-batch-index"
                self._base = self._head()
                self._reset_index()
            except GitError as exc:
                self.problem = f"not committed: {exc}"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._index is not None:
            with contextlib.suppress(OSError):
                self._index.unlink()

    def _check(self) -> str | None:
        if not git.is_repo(self.root):
            return "not committed: this KB is not a git repository (run 'kb init')"
        try:
            if identity.git_identity(self.root) is None:
                return (
                    "not committed: git does not know who you are; run "
                    "git config --global user.name 'Your Name' and user.email"
                )
            git_dir = Path(self._git("rev-parse", "--absolute-git-dir").strip())
        except GitError as exc:
            return f"not committed: {exc}"
        if (git_dir / "MERGE_HEAD").exists():
            return "not committed: a merge is in progress; run 'kb sync'"
        try:
            self._git("symbolic-ref", "-q", "HEAD")
        except GitError:
            return "not committed: HEAD is detached (not on a branch)"
        return None

    def _head(self) -> str | None:
        try:
            return self._git("rev-parse", "-q", "--verify", "HEAD^{commit}").strip() or None
        except GitError:
            return None  # a branch with no commit yet

    def _reset_index(self) -> None:
        assert self._index is not None
        with contextlib.suppress(OSError):
            self._index.unlink()
        if self._base is not None:
            self._git("read-tree", self._base, private=True)

    # -- committing -------------------------------------------------------------------------

    def commit(self, rels: list[str], message: str) -> CommitResult:
        """Commit these files (KB-relative paths of regular files) as they are on disk, with
        kb's lock on the repository held (syncs and other commits wait)."""
        from kb.git.locks import RepoBusy, repo_lock

        try:
            with repo_lock(self.root):
                return self._commit_checked(rels, message)
        except RepoBusy as exc:
            return CommitResult(None, f"not committed: {exc}")

    def _commit_checked(self, rels: list[str], message: str) -> CommitResult:
        """Commit these files (KB-relative paths of regular files) as they are on disk.

        Files that fail the checks are left out and listed in the result (``secrets``, and
        the warning); a result without ``sha`` and without warning means nothing changed.
        """
        if self.problem is not None:
            return CommitResult(None, self.problem)
        chosen, findings, markers = self._checked(list(dict.fromkeys(rels)))
        warning = _refusal(findings, markers)
        if not chosen:
            return CommitResult(None, warning, findings)
        try:
            sha = self._commit(chosen, message)
        except GitError as exc:
            return CommitResult(None, f"not committed: {exc}", findings)
        if sha is not None:
            self.commits.append(sha)
            self.last_count = len(chosen)
        # Also when nothing changed: a commit whose user's index was not updated (a kill in
        # between) left git status listing its files as deleted and untracked.
        refreshed = self._refresh_user_index(chosen)
        if refreshed is not None and warning is None:
            warning = refreshed
        return CommitResult(sha, warning, findings)

    def _checked(self, rels: list[str]) -> tuple[list[str], list[Finding], list[str]]:
        chosen: list[str] = []
        findings: list[Finding] = []
        markers: list[str] = []
        for rel in rels:
            path = self.root / rel
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue  # never commit a symlink or a folder in a file's place
                data = path.read_bytes()
            except OSError:
                continue
            text = data.decode("utf-8", errors="replace")
            added = {rel: list(enumerate(text.split("\n"), start=1))}
            found_markers = git.conflict_markers(added, self.root)
            if found_markers:
                markers.extend(found_markers[:1])
                continue
            if not self.allow_secrets:
                # By content, every way the bytes may be text (UTF-16, NUL bytes, ...).
                found = scan_bytes(rel, data, self.rules)
                if found:
                    findings.append(found[0][0])
                    continue
            chosen.append(rel)
        return chosen, findings, markers

    def _commit(self, rels: list[str], message: str) -> str | None:
        hashes = self._git("hash-object", "-w", "--stdin-paths", stdin="\n".join(rels) + "\n")
        shas = hashes.split()
        if len(shas) != len(rels):
            raise GitError("git could not read every file of the batch")
        entries = "".join(
            f"{_mode(self.root / rel)} {sha}\t{rel}\0" for rel, sha in zip(rels, shas, strict=True)
        )
        for _attempt in range(_ATTEMPTS):
            head = self._head()
            if head != self._base:  # someone committed meanwhile: start from their commit
                self._base = head
                self._reset_index()
            self._git("update-index", "-z", "--index-info", stdin=entries, private=True)
            tree = self._git("write-tree", private=True).strip()
            if head is not None and tree == self._git("rev-parse", f"{head}^{{tree}}").strip():
                return None
            parents = ["-p", head] if head is not None else []
            sha = self._git("commit-tree", tree, *parents, "-F", "-", stdin=message).strip()
            try:
                self._git(
                    "update-ref",
                    "-m",
                    f"commit: {message.splitlines()[0]}",
                    "HEAD",
                    sha,
                    head or "",
                )
            except GitError:
                continue  # the branch moved between reading and updating it
            self._base = sha
            return sha
        raise GitError("the branch kept moving (other commits at the same time); try again")

    def _refresh_user_index(self, rels: list[str]) -> str | None:
        # The user's index learns the committed files, with their stat data, so that
        # git status shows them clean. Another git may hold its lock for a moment.
        paths = "\0".join(rels) + "\0"
        deadline = time.monotonic() + _INDEX_WAIT
        while True:
            try:
                self._git("update-index", "--add", "-z", "--stdin", stdin=paths)
                return None
            except GitError as exc:
                if "index.lock" not in str(exc) or time.monotonic() >= deadline:
                    return (
                        "committed, but git's index could not be brought up to date "
                        f"({exc}); 'git status' may list the records until the next save"
                    )
                gitlocks.clear_stale_locks(self.root, only_index=True)
                time.sleep(0.1)

    # -- running git ------------------------------------------------------------------------

    def _git(self, *args: str, stdin: str | None = None, private: bool = False) -> str:
        env = None
        if private:
            assert self._index is not None
            env = {**os.environ, "GIT_INDEX_FILE": str(self._index)}
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.root,
                input=(stdin or "").encode("utf-8"),
                capture_output=True,
                env=env,
                check=False,
            )
        except OSError as exc:
            raise GitError(f"git cannot be run ({exc.strerror or exc})") from exc
        if done.returncode != 0:
            text = done.stderr.decode("utf-8", errors="replace").strip()
            line = next(
                (part for part in text.splitlines() if part and not part.startswith("hint:")),
                f"git {args[0]} failed",
            )
            raise GitError(f"{line.removeprefix('fatal: ').removeprefix('error: ')} ({args[0]})")
        return done.stdout.decode("utf-8", errors="replace")


def _mode(path: Path) -> str:
    try:
        executable = os.stat(path).st_mode & 0o100
    except OSError:
        executable = 0
    return "100755" if executable else "100644"


def _refusal(findings: list[Finding], markers: list[str]) -> str | None:
    if not findings and not markers:
        return None
    parts = []
    if findings:
        count = len(findings)
        parts.append(
            f"{count:,} file{'s' if count != 1 else ''} left uncommitted: {findings[0]} "
            "(remove it, or commit with --allow-secrets)"
        )
    if markers:
        count = len(markers)
        parts.append(
            f"{count:,} file{'s' if count != 1 else ''} left uncommitted: {markers[0]} holds "
            "a merge conflict marker"
        )
    return "not committed: " + "; ".join(parts)
