"""Undoing a merge of ``kb sync`` that stopped half-way, from its journal
(:mod:`kb.git.merge_journal`), or recognised by what a kb from before journals left.

A file is put back only when the merge made it what it is: it was written before the merge
stopped, or it holds the team's version, or git's conflict markers written moments after kb
stopped (the git kb ran can outlive it). A file changed later is the user's typing and is
kept as it is; so are the user's own files kb set aside. The whole working tree is kept under
``refs/kb/backup/`` before anything is put back, and files kb wrote beside notes are removed
only while they hold what kb wrote.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kb.git import locks, markers
from kb.git.merge_journal import (
    MERGE_STATE,
    ORPHAN_SECONDS,
    SLACK_SECONDS,
    Journal,
    fingerprint,
    interrupted,
    journal_path,
)
from kb.notes import atomic

if TYPE_CHECKING:
    from git import Repo


@contextlib.contextmanager
def settled(root: Path) -> Iterator[None]:
    """Held while kb writes a note: a sync running on this KB is waited for (kb's lock on the
    repository), and one that was stopped half-way is undone first. Otherwise a change written
    in between would be taken for the merge's and put back with it."""
    from kb.git import repository

    if not repository.is_repo(root):
        yield
        return
    with locks.repo_lock(root):
        if interrupted(root):
            with repository.open_repo(root) as repo:
                recover(repo, root)
        yield


def recover(repo: Repo, root: Path) -> list[str]:
    """Undo the merge of a sync that was stopped, if one was; say what was done.

    When only kb was killed, the git it ran may still be finishing: kb waits for it first.
    Raises KBError when a git command keeps working in the repository.
    """
    if not interrupted(root) and not _left_by_an_older_sync(repo, root):
        return []
    from kb.notes.errors import KBError

    # The git merge (or commit) kb ran goes on when only kb was killed: let it finish.
    still = locks.wait_for_git_commands(root, (b"merge", b"commit", b"add"))
    if still:
        raise KBError(f"'{still}' is still working in this KB; try again when it is done", 2)
    locks.clear_stale_locks(root)
    return undo(repo, root)


def undo(repo: Repo, root: Path, journal: Journal | None = None) -> list[str]:
    """Undo the merge a journal describes (left by a kill, or failing now); say what was done.

    Nothing the user committed or typed is lost: files are put back only when the merge made
    them what they are, and the working tree is kept in a backup ref first.
    """
    journal = journal or Journal.read(root)
    if journal is None:
        return []
    try:
        stopped = journal.path.stat().st_mtime
    except OSError:
        stopped = time.time()
    head = _rev(repo, "HEAD")
    if not journal.head or head != journal.head:
        notices = _after_head_moved(repo, journal, head)
        journal.close()
        return notices
    incoming = _incoming(repo, journal)
    plan = _plan(repo, root, journal, incoming, stopped)
    merging = (locks.git_dir(root) / "MERGE_HEAD").exists()
    if not plan and not merging and not _index_differs(repo):
        journal.close()
        return []
    kept = keep_working_tree(repo, "before undoing a sync that was stopped")
    _restore_asides(repo, root, journal)
    for rel, action in plan:
        _put_back(repo, root, journal.head, rel, action)
    for rel, digest in journal.copies.items():
        target = root / rel
        with contextlib.suppress(OSError):
            if not target.is_symlink() and fingerprint(target.read_bytes()) == digest:
                target.unlink()
    _reset_index(repo, root)
    journal.close()
    return [
        "a sync was stopped half-way: kb put back the files its merge had changed and merges "
        f"again (the files as they were are kept in {kept})"
    ]


def _left_by_an_older_sync(repo: Repo, root: Path) -> bool:
    """A merge of kb sync stopped with no journal (a kb before journals): write one for it.

    Recognised by what such a sync leaves: its backup ref is HEAD, git's merge started from
    HEAD (ORIG_HEAD), no MERGE_HEAD, and files the team changed hold git's markers now.
    The journal's time is that of the last marked file: what was written later is kept.
    """
    from git import GitCommandError

    folder = locks.git_dir(root)
    if (folder / "MERGE_HEAD").exists():
        return False
    try:
        # Cheap first (no git process): most saves end here.
        orig = (folder / "ORIG_HEAD").read_text(encoding="ascii", errors="replace").strip()
        head = repo.head.commit.hexsha
    except (OSError, ValueError):
        return False
    if orig != head:
        return False
    try:
        refs = _lines(
            repo.git.for_each_ref(
                "--format=%(refname) %(objectname)", "--sort=-refname", "refs/kb/backup/"
            )
        )
        latest = next(
            (line.split() for line in refs if not line.split()[0].endswith("-worktree")), None
        )
        if latest is None or latest[1] != head:
            return False
        upstream = _rev(repo, "@{upstream}")
    except GitCommandError:
        return False
    incoming = _incoming(repo, Journal(journal_path(root), head, upstream))
    changed = (
        str(
            repo.git.execute(
                ["git", "diff", "--name-only", "--no-renames", "-z", "HEAD"],
                strip_newline_in_stdout=False,
            )
        ).split("\0")
        if incoming
        else []
    )
    marked = []
    for rel in sorted(set(changed) & incoming):
        path = root / rel
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
            if markers.marker_lines(text):
                marked.append(path.stat().st_mtime)
        except OSError:
            continue
    if not marked:
        return False
    journal = Journal.begin(root, head, upstream, latest[0])
    os.utime(journal.path, (max(marked), max(marked)))
    return True


def keep_working_tree(repo: Repo, why: str) -> str:
    """Commit the whole working tree to a backup ref (outside every branch); return the ref."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kb-backup-") as folder:
        index = str(Path(folder) / "index")
        with repo.git.custom_environment(GIT_INDEX_FILE=index):
            repo.git.add("-A", "--", ".")
            tree = repo.git.write_tree()
        sha = repo.git.commit_tree(tree, "-p", "HEAD", "-m", f"kb: working tree {why}")
    ref = f"refs/kb/backup/{_dt.datetime.now().strftime('%Y%m%d-%H%M%S-%f')}-worktree"
    repo.git.update_ref(ref, sha)
    return ref


def _reset_index(repo: Repo, root: Path) -> None:
    """The index back to HEAD, the files left as they are; git's merge state forgotten."""
    from git import GitCommandError

    try:
        repo.git.reset("-q")
    except GitCommandError:
        # An index git could not finish writing: rebuild it from HEAD.
        with contextlib.suppress(OSError):
            (locks.git_dir(root) / "index").unlink()
        repo.git.read_tree("HEAD")
        repo.git.reset("-q")
    for name in MERGE_STATE:
        with contextlib.suppress(OSError):
            (locks.git_dir(root) / name).unlink()


def _after_head_moved(repo: Repo, journal: Journal, head: str) -> list[str]:
    """HEAD is not where the merge started: it finished, or someone committed since."""
    if not journal.head:
        return []
    if head == journal.upstream:
        return []  # a fast-forward that completed
    parents = _lines(repo.git.rev_list("--parents", "-n", "1", "HEAD"))
    parents = parents[0].split()[1:] if parents else []
    if parents[:1] == [journal.head] and journal.upstream in parents:
        return []  # the merge commit was made; only the journal was left
    return [
        "a sync was stopped half-way and commits were made since; kb left them as they are "
        "('kb check' lists any conflict marker left in a note)"
    ]


def _incoming(repo: Repo, journal: Journal) -> set[str]:
    """Every path the merge could write: the ones that differ between the two commits."""
    if not journal.upstream:
        return set()
    try:
        output = repo.git.execute(
            ["git", "diff", "--name-only", "--no-renames", "-z", journal.head, journal.upstream],
            strip_newline_in_stdout=False,
        )
    except Exception:  # the commit merged is gone (pruned): nothing known to put back
        return set()
    return {name for name in str(output).split("\0") if name}


def _plan(
    repo: Repo, root: Path, journal: Journal, incoming: set[str], stopped: float
) -> list[tuple[str, str]]:
    """What to put back: ``(path, "restore"|"remove")`` for each file the merge changed.

    Files are compared by git's object ids first (a few git processes for any number of
    files); only a file that differs from both sides is read.
    """
    protected = set(journal.asides) | set(journal.same)
    paths = sorted(incoming - protected)
    ours = _tree_ids(repo, journal.head)
    theirs = _tree_ids(repo, journal.upstream)
    regular = [rel for rel in paths if (root / rel).is_file() and not (root / rel).is_symlink()]
    now = _hash_files(root, regular)
    plan: list[tuple[str, str]] = []
    for rel in paths:
        path = root / rel
        base = ours.get(rel)
        if not path.exists() and not path.is_symlink():
            if base is not None:
                # Deleted by the merge (or by the user since: restoring it loses nothing).
                plan.append((rel, "restore"))
            continue
        if rel not in now:
            # A symlink, a folder or an unreadable file: put back only a symlink the merge
            # changed (git writes those; a user hardly ever does).
            current = _current(path)
            if current is _DIRECTORY or not path.is_symlink():
                continue
            if current != (_blob(repo, base) if base else None):
                plan.append((rel, "restore" if base is not None else "remove"))
            continue
        if now[rel] == base:
            continue
        if _made_by_merge(repo, path, now[rel], base, theirs.get(rel), stopped):
            plan.append((rel, "restore" if base is not None else "remove"))
    return plan


_DIRECTORY = object()


def _current(path: Path) -> bytes | object | None:
    try:
        if path.is_symlink():
            return os.readlink(path).encode("utf-8", "surrogateescape")
        if path.is_dir():
            return _DIRECTORY
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return _DIRECTORY


def _tree_ids(repo: Repo, commit: str) -> dict[str, str]:
    """Path -> blob id of every file of a commit."""
    if not commit:
        return {}
    from git import GitCommandError

    try:
        output = str(
            repo.git.execute(["git", "ls-tree", "-r", "-z", commit], strip_newline_in_stdout=False)
        )
    except GitCommandError:
        return {}
    ids = {}
    for entry in output.split("\0"):
        info, _, rel = entry.partition("\t")
        parts = info.split()
        if rel and len(parts) == 3:
            ids[rel] = parts[2]
    return ids


def _hash_files(root: Path, paths: list[str]) -> dict[str, str]:
    """Path -> the blob id each file would have if added now (git's filters applied)."""
    import subprocess

    listed = [rel for rel in paths if "\n" not in rel]
    ids: dict[str, str] = {}
    if listed:
        done = subprocess.run(
            ["git", "hash-object", "--stdin-paths"],
            cwd=root,
            input="\n".join(listed).encode("utf-8", "surrogateescape") + b"\n",
            capture_output=True,
            check=False,
        )
        hashes = done.stdout.decode().split()
        if done.returncode == 0 and len(hashes) == len(listed):
            ids = dict(zip(listed, hashes, strict=True))
    for rel in paths:
        if rel not in ids:
            # As git hashes a file without filters; unreadable files are left out.
            with contextlib.suppress(OSError):
                data = (root / rel).read_bytes()
                ids[rel] = hashlib.sha1(
                    b"blob %d\0" % len(data) + data, usedforsecurity=False
                ).hexdigest()
    return ids


def _made_by_merge(
    repo: Repo, path: Path, current: str, base: str | None, theirs: str | None, stopped: float
) -> bool:
    """True when the merge made the file what it is now (not the user, since)."""
    try:
        written = path.lstat().st_mtime
    except OSError:
        return False
    if written <= stopped + SLACK_SECONDS or current == theirs:
        return True
    if written > stopped + ORPHAN_SECONDS:
        return False  # typed since, markers and all: the user's, kept as it is
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return False
    before = (_blob(repo, base) if base else b"") or b""
    return bool(markers.marker_lines(text)) and not markers.marker_lines(
        before.decode("utf-8", errors="replace")
    )


def _restore_asides(repo: Repo, root: Path, journal: Journal) -> None:
    """The user's own files kb set aside go back in place (the team's version is in git)."""
    for original, (kept, digest) in journal.asides.items():
        source = root / kept
        try:
            data = source.read_bytes()
        except OSError:
            continue  # never moved: the original was not touched
        if fingerprint(data) != digest:
            continue  # changed since: the user works on it, leave both
        atomic.write_bytes(root / original, data, root=root)
        with contextlib.suppress(OSError):
            source.unlink()
    for rel in journal.same:
        target = root / rel
        if not target.exists():
            incoming = _blob(repo, f"{journal.upstream}:{rel}")
            if incoming is not None:
                atomic.write_bytes(target, incoming, root=root)


def _put_back(repo: Repo, root: Path, head: str, rel: str, action: str) -> None:
    target = root / rel
    if action == "remove":
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        return
    mode = _mode(repo, head, rel)
    if mode in ("100644", "100755"):
        data = _blob(repo, f"{head}:{rel}") or b""
        if target.is_symlink() or target.is_dir():
            with contextlib.suppress(OSError):
                target.unlink()
        atomic.write_bytes(target, data, root=root)
        current = target.stat().st_mode
        wanted = current | 0o111 if mode == "100755" else current & ~0o111
        if wanted != current:
            os.chmod(target, wanted)
    else:  # a symlink or a submodule: git puts it back
        repo.git.checkout(head, "--", rel)


def _mode(repo: Repo, commit: str, rel: str) -> str:
    line = str(repo.git.execute(["git", "ls-tree", "-z", commit, "--", rel]))
    return line.split(" ", 1)[0] if line else ""


def _blob(repo: Repo, spec: str) -> bytes | None:
    from git import GitCommandError

    try:
        data = repo.git.execute(
            ["git", "cat-file", "blob", spec], stdout_as_string=False, strip_newline_in_stdout=False
        )
    except GitCommandError:
        return None
    return bytes(data)


def _rev(repo: Repo, spec: str) -> str:
    return str(repo.git.rev_parse("--verify", "-q", spec)).strip()


def _index_differs(repo: Repo) -> bool:
    from git import GitCommandError

    try:
        repo.git.diff("--cached", "--quiet", "HEAD")
    except GitCommandError:
        return True
    return False


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]
