"""``kb sync``: share the KB through its git remote without ever losing anyone's words.

One sync: finish or undo what an earlier crash left (a stale lock, a half-done merge or
rebase), commit the notes changed outside kb, fetch, keep a backup ref, merge, settle
conflicts (see :mod:`kb.sync.merging`), push, then reindex only the files that changed.

When two people changed the same lines of a note, the note keeps our lines in place and
their whole version is kept beside it as ``<name>.conflict-<who>-<when>.md``. Nothing is
pushed in that sync; the user looks at the two (``kb resolve`` or the app) and the next
sync shares the result. Conflict markers are never written, committed or pushed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from kb import git
from kb.git import identity, locks, markers
from kb.git.repository import names as git_names
from kb.notes.errors import KBError
from kb.notes.layout import SEARCH_WORDS_FILE
from kb.notes.link_log import LINKS_FILE
from kb.sync.conflict_files import conflicts
from kb.sync.incoming import backup, merge_incoming
from kb.sync.joining import refusal, unrelated_remote_branch
from kb.sync.recovery import recover
from kb.sync.remote import (
    count,
    find_upstream,
    outgoing_secrets,
    push,
    remote_command,
    remote_url,
    waiting_message,
)
from kb.sync.report import SecretsFound, Step, SyncReport
from kb.sync.saving import commit_pending, unshared

if TYPE_CHECKING:
    from git import Repo

    from kb.notes.protocol import KB

PUSH_ATTEMPTS = 3


def sync(kb: KB, step: Step | None = None) -> SyncReport:
    """Commit, fetch, merge, push and reindex. Raises KBError with one line on failure.

    Local work is committed before anything touches the network, so a failed sync never
    loses it; the error message says so.
    """
    say = step or (lambda _message: None)
    root = kb.root
    if not git.is_repo(root):
        raise KBError(
            f"{root} is not a git repository: kb can read and search it, but to save "
            f"history and sync run 'kb init {root}' and add a remote",
            2,
        )
    report = SyncReport(remote=kb.settings.remote)
    # One sync at a time in a clone, and no commit of another kb in the middle of it.
    with locks.repo_lock(
        root,
        locks.SYNC_WAIT_SECONDS,
        on_wait=lambda: say("Waiting for another kb working in this KB"),
    ):
        _sync_locked(kb, report, say)
    say("Updating the search index")
    _reindex(kb, report)
    return report


def _sync_locked(kb: KB, report: SyncReport, say: Step) -> None:
    root = kb.root
    with git.open_repo(root) as repo:
        say("Checking the repository")
        report.notices.extend(recover(repo, root))
        if identity.git_identity(root) is None:
            raise KBError(f"nothing was synced: {identity.missing_advice(root)}", 2)
        report.branch = repo.active_branch.name
        say("Saving your changes")
        report.committed = commit_pending(kb, repo, report.held_back)
        report.ignored = unshared(repo, root)
        unborn = not repo.head.is_valid()  # no commit yet: a clone of an empty repository
        saved = "" if unborn else waiting_message(repo, report)
        if report.remote not in [remote.name for remote in repo.remotes]:
            raise KBError(
                f"no remote {report.remote!r} to sync with{saved}; add the team's repository "
                f"with: git -C {root} remote add {report.remote} URL",
                2,
            )
        if unborn:
            _sync_first(repo, report, say)
            return
        start = repo.head.commit.hexsha
        for attempt in range(PUSH_ATTEMPTS):
            say(f"Fetching from {report.remote}")
            remote_command(repo, ["fetch", "--prune", report.remote], report.remote, saved)
            upstream = find_upstream(repo, report)
            foreign = unrelated_remote_branch(repo, report.remote, upstream)
            if foreign is not None:
                raise KBError(
                    refusal(root, report.remote, foreign, remote_url(repo, report.remote)), 2
                )
            if upstream is not None:
                incoming = count(repo, f"HEAD..{upstream}")
                if incoming:
                    say(f"Merging {incoming} change{'s' if incoming != 1 else ''}")
                    report.backup = backup(repo)
                    report.incoming += incoming
                    merge_incoming(kb, repo, upstream, report)
                kept = {c.theirs for c in report.conflicts}
                report.waiting = [c for c in conflicts(root) if c.theirs not in kept]
                if report.conflicts or report.waiting:
                    report.notices.append(
                        "nothing was pushed: look at the notes changed on both sides first "
                        "('kb resolve' or the app), then sync again"
                    )
                    break
                outgoing = count(repo, f"{upstream}..HEAD")
                if not outgoing:
                    break
                target = upstream
            else:
                report.waiting = conflicts(root)
                if report.waiting:
                    report.notices.append(
                        "nothing was pushed: settle the notes changed on both sides first"
                    )
                    break
                outgoing = count(repo, "HEAD")
                target = None
            _refuse_outgoing_markers(repo, root, target)
            if not kb.allow_secrets:
                found = outgoing_secrets(repo, target, kb)
                if found:
                    raise SecretsFound(found, "not pushed")
            say(f"Sending {outgoing} commit{'s' if outgoing != 1 else ''}")
            if push(repo, report, upstream is None, saved):
                report.pushed = outgoing
                break
            if attempt == PUSH_ATTEMPTS - 1:
                raise KBError(
                    "the remote keeps getting new changes while kb syncs; run 'kb sync' again"
                    f"{saved}",
                    2,
                )
        report.changed = _changed(repo, start)


def _sync_first(repo: Repo, report: SyncReport, say: Step) -> None:
    """Sync a clone that has no commit and nothing to commit: take the team's notes when
    the remote has some by now (a fast-forward: no file here is overwritten, git refuses
    first), else there is nothing to send or get yet."""
    say(f"Fetching from {report.remote}")
    remote_command(repo, ["fetch", "--prune", report.remote], report.remote, "")
    upstream = find_upstream(repo, report)
    if upstream is None:
        report.empty = True
        return
    report.incoming = count(repo, upstream)
    say(f"Getting {report.incoming} change{'s' if report.incoming != 1 else ''}")
    from git import GitCommandError

    try:
        repo.git.merge("--ff-only", upstream)
    except GitCommandError as exc:
        said = str(exc.stderr or "").strip().removeprefix("stderr:").strip().strip("'")
        why = next((line.strip() for line in said.splitlines() if line.strip()), "git refused")
        why = why.removeprefix("error: ")
        raise KBError(
            f"could not take the notes of {upstream}: {why} (move that file away, then run "
            "kb sync again; nothing was changed)",
            2,
        ) from exc
    report.changed = git_names(repo, "ls-tree", "-r", "--name-only", "HEAD")


def _refuse_outgoing_markers(repo: Repo, root: Path, upstream: str | None) -> None:
    """Never push a conflict marker: every commit the push would send is read first."""
    found = markers.outgoing_markers(repo, f"{upstream}..HEAD" if upstream else "HEAD")
    if not found:
        return
    commit, where = found[0].split(" ", 1)
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    if upstream:
        undo = (
            f"then take back the local commits without losing their changes with "
            f"'git -C {root} reset --mixed {upstream}' and run kb sync (kb commits the files "
            "again, checked)"
        )
    else:
        undo = "that commit must be rewritten before it is shared (ask someone who knows git)"
    raise KBError(
        f"not pushed: commit {commit} puts a merge conflict marker in {where}{more}; nothing "
        "was sent. Keep the right lines and delete the marker lines ('kb check' lists them), "
        + undo,
        2,
    )


def _changed(repo: Repo, start: str) -> list[str]:
    return git_names(repo, "diff", "--name-only", "--no-renames", start, "HEAD")


def _reindex(kb: KB, report: SyncReport) -> None:
    from kb.notes.content import content_of
    from kb.search.engine import IndexBusy

    content = content_of(kb.root, kb.settings)
    paths = [path for path in {*report.changed, *report.committed} if content.kind(path)]
    logs = LINKS_FILE in report.changed or SEARCH_WORDS_FILE in report.changed
    if (not paths and not logs) or not kb.has_index():
        return
    try:
        # What changed since the index last caught up (git tells: the pull, the commits, new
        # link lines and learned words included), recorded as caught up with, so that the
        # next search does not take the same notes in again.
        kb.refresh()
    except (IndexBusy, OSError) as exc:
        report.index_warning = f"search index not updated ({exc}); run 'kb index'"
        return
    # Then the pulled notes' old versions leave the ranking's statistics (Tantivy); a busy
    # index only puts that off to the next kb index, save or sync, or the app.
    with contextlib.suppress(OSError):
        kb.compact_index()
