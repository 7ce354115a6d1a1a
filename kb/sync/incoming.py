"""Merging the team's commits: a backup ref first, a journal while it runs, every conflict
settled, then one commit; undone at once if anything stops it."""

from __future__ import annotations

import contextlib
import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING

from kb import git
from kb.git import identity, merge_journal, merge_undo
from kb.git.repository import names
from kb.notes import atomic
from kb.notes.errors import KBError
from kb.sync.conflict_files import Conflict, conflict_name
from kb.sync.report import SyncReport
from kb.sync.settling import settle_conflicts, show_blob, unsound_front_matter

if TYPE_CHECKING:
    from git import Repo

    from kb.notes.protocol import KB

#: Backup refs kept under ``refs/kb/backup/``.
BACKUPS_KEPT = 20


def backup(repo: Repo) -> str:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    ref = f"refs/kb/backup/{stamp}"
    repo.git.update_ref(ref, "HEAD")
    refs = repo.git.for_each_ref("--format=%(refname)", "--sort=refname", "refs/kb/backup/")
    old = [line for line in refs.splitlines() if line.strip()][:-BACKUPS_KEPT]
    for name in old:
        repo.git.update_ref("-d", name)
    return ref


def merge_incoming(kb: KB, repo: Repo, upstream: str, report: SyncReport) -> None:
    """Merge the team's commits, settle every conflict, commit; undone if stopped anywhere.

    A journal (:mod:`kb.git.merge_journal`) records where the merge started, so that a kill at
    any instant is undone by the next kb run, and an error here is undone at once.
    """
    from git import GitCommandError

    root = kb.root
    head = repo.git.rev_parse("HEAD")
    theirs = repo.git.rev_parse(f"{upstream}^{{commit}}")
    changes = _name_status(repo, head, theirs)
    dirty = sorted(_dirty(repo) & set(changes))
    if dirty:
        shown = ", ".join(dirty[:3]) + (" ..." if len(dirty) > 3 else "")
        raise KBError(
            f"cannot merge the team's changes: your uncommitted changes to {shown} would be "
            "overwritten; commit them (git commit) or put them aside, then kb sync",
            2,
        )
    message = f"Sync: merge changes from {upstream}"
    journal = merge_journal.Journal.begin(root, head, theirs, report.backup)
    try:
        with journal.beating():
            kept = _set_aside(kb, repo, changes, theirs, journal, report)
            try:
                # --no-commit: even a merge git settles alone is checked before it is committed.
                repo.git.merge("--no-commit", "--no-edit", "--allow-unrelated-histories", upstream)
            except GitCommandError as exc:
                if not repo.git.ls_files("-u").strip():
                    raise KBError(
                        f"cannot merge the team's changes: {git.first_line(exc, detail=True)}", 2
                    ) from exc
            if (Path(repo.git_dir) / "MERGE_HEAD").exists():
                _finish_merge(kb, repo, report, message, journal)
            # else a fast-forward: the team's commits as they are
            report.conflicts.extend(kept)
    except BaseException:
        # Never leave the repository half merged: back to where it was (the commit stays,
        # the merge can be done again), the working tree kept in a backup ref first.
        with contextlib.suppress(Exception):
            merge_undo.undo(repo, root, journal)
        raise
    journal.close()


def _name_status(repo: Repo, before: str, after: str) -> dict[str, str]:
    """Each path that differs between two commits, with git's letter (A, M, D, T)."""
    output = str(
        repo.git.execute(
            ["git", "diff", "--name-status", "--no-renames", "-z", before, after],
            strip_newline_in_stdout=False,
        )
    )
    fields = output.split("\0")
    return {fields[i + 1]: fields[i][:1] for i in range(0, len(fields) - 1, 2) if fields[i]}


def _dirty(repo: Repo) -> set[str]:
    """Tracked files with changes not committed (staged or not)."""
    output = str(
        repo.git.execute(
            ["git", "diff", "--name-only", "--no-renames", "-z", "HEAD"],
            strip_newline_in_stdout=False,
        )
    )
    return {name for name in output.split("\0") if name}


def _set_aside(
    kb: KB,
    repo: Repo,
    changes: dict[str, str],
    theirs: str,
    journal: merge_journal.Journal,
    report: SyncReport,
) -> list[Conflict]:
    """Keep the user's own untracked (or ignored) files that the team's version replaces.

    Git overwrites an ignored file without a word: the user's text goes beside it as a
    conflict copy first, like any other conflict, and nothing is pushed until it is settled.
    """
    kept: list[Conflict] = []
    who = ""
    for rel, status in sorted(changes.items()):
        path = kb.root / rel
        if status != "A" or path.is_symlink() or not path.is_file():
            continue
        local = path.read_bytes()
        if local == show_blob(repo, f"{theirs}:{rel}"):
            journal.note_same(rel)
            path.unlink()
            continue
        who = who or identity.user_name(kb.root) or "mine"
        beside = conflict_name(kb.root, rel, who)
        journal.note_aside(rel, beside, local)
        atomic.write_bytes(kb.root / beside, local, root=kb.root)
        path.unlink()
        kept.append(Conflict(rel, beside, who))
        report.notices.append(
            f"{rel} came from the team while your own copy of it was not in git: the team's "
            f"is in place, yours is kept as {beside}"
        )
    return kept


def _finish_merge(
    kb: KB,
    repo: Repo,
    report: SyncReport,
    message: str,
    journal: merge_journal.Journal | None = None,
) -> None:
    settled = settle_conflicts(kb, repo, journal)
    settled.merge(unsound_front_matter(kb, repo, settled, journal))
    report.merged.extend(settled.merged)
    report.conflicts.extend(settled.conflicts)
    report.notices.extend(settled.notices)
    added = git.added_lines(repo, ["--cached", "HEAD", "--", *settled.written])
    markers = git.conflict_markers(added)
    if markers:  # never happens by design; refuse rather than commit one
        raise KBError(f"merge stopped: {markers[0]} would hold a conflict marker", 2)
    left = names(repo, "diff", "--name-only", "--diff-filter=U")
    if left:
        raise KBError(f"merge stopped: kb could not settle {', '.join(left[:3])}", 2)
    summary = (
        f"; kept both versions of {', '.join(c.path for c in settled.conflicts)}"
        if settled.conflicts
        else ""
    )
    repo.git.commit("--quiet", "--no-verify", "-m", message + summary)
