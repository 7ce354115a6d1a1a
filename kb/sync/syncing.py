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
import datetime as _dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from kb import git
from kb.git import identity, markers, merge_journal, tempfiles
from kb.git import locks as gitlocks
from kb.notes import atomic
from kb.notes.errors import KBError
from kb.notes.layout import KB_PATHS
from kb.notes.link_log import LINKS_FILE
from kb.sync.conflict_files import (
    Conflict,
    conflict_name,
    conflicts,
    free_name,
    retitled,
)
from kb.sync.merging import front_matter_is_sound, merge_texts, unmark

if TYPE_CHECKING:
    from git import Repo

    from kb.notes.protocol import KB
    from kb.notes.secrets import Finding

#: Seconds a fetch or push may take before kb gives up on the remote.
NETWORK_TIMEOUT = 120
#: Backup refs kept under ``refs/kb/backup/``.
BACKUPS_KEPT = 20
PUSH_ATTEMPTS = 3

Step = Callable[[str], None]


class SecretsFound(KBError):
    """Text about to be committed or pushed looks like a password, key or token."""

    def __init__(self, findings: list[Finding], when: str) -> None:
        count = len(findings)
        lines = f"{count} line{'s' if count != 1 else ''} look{'s' if count == 1 else ''}"
        if when == "not pushed" and any(f.where for f in findings):
            advice = (
                "a secret in an older commit stays in the history even when deleted from "
                "the note: that commit must be rewritten before it is shared (ask someone "
                "who knows git), or run 'kb --allow-secrets sync' if it is not a secret"
            )
        else:
            advice = "remove it, or run 'kb --allow-secrets sync' if it is not a secret"
        super().__init__(f"{when}: {lines} like a password, key or token ({advice})", 2)
        self.findings = findings


@dataclass
class SyncReport:
    """What one sync did."""

    branch: str = ""
    remote: str = ""
    committed: list[str] = field(default_factory=list)
    incoming: int = 0
    pushed: int = 0
    upstream_set: bool = False
    changed: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    #: Conflicts kept by an earlier sync and not settled yet (they hold back the push).
    waiting: list[Conflict] = field(default_factory=list)
    backup: str | None = None
    notices: list[str] = field(default_factory=list)
    index_warning: str | None = None
    #: KB files git ignores and does not track: kb left them out of every commit.
    ignored: list[str] = field(default_factory=list)


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
    with gitlocks.repo_lock(
        root,
        gitlocks.SYNC_WAIT_SECONDS,
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
            raise KBError(
                "git does not know who you are: run git config --global user.name 'Your Name'"
                " and git config --global user.email you@example.com",
                2,
            )
        report.branch = repo.active_branch.name
        say("Saving your changes")
        report.committed = _commit_pending(kb, repo)
        report.ignored = unshared(repo, root)
        saved = _waiting_message(repo, report)
        if report.remote not in [remote.name for remote in repo.remotes]:
            raise KBError(
                f"no remote {report.remote!r} to sync with{saved}; add the team's repository "
                f"with: git -C {root} remote add {report.remote} URL",
                2,
            )
        start = repo.head.commit.hexsha
        for attempt in range(PUSH_ATTEMPTS):
            say(f"Fetching from {report.remote}")
            _network(repo, ["fetch", "--prune", report.remote], report.remote, saved)
            upstream = _upstream(repo, report)
            if upstream is not None:
                incoming = _count(repo, f"HEAD..{upstream}")
                if incoming:
                    say(f"Merging {incoming} change{'s' if incoming != 1 else ''}")
                    report.backup = _backup(repo)
                    report.incoming += incoming
                    _merge(kb, repo, upstream, report)
                kept = {c.theirs for c in report.conflicts}
                report.waiting = [c for c in conflicts(root) if c.theirs not in kept]
                if report.conflicts or report.waiting:
                    report.notices.append(
                        "nothing was pushed: look at the notes changed on both sides first "
                        "('kb resolve' or the app), then sync again"
                    )
                    break
                outgoing = _count(repo, f"{upstream}..HEAD")
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
                outgoing = _count(repo, "HEAD")
                target = None
            _refuse_outgoing_markers(repo, root, target)
            if not kb.allow_secrets:
                found = _outgoing_secrets(repo, target, kb)
                if found:
                    raise SecretsFound(found, "not pushed")
            say(f"Sending {outgoing} commit{'s' if outgoing != 1 else ''}")
            if _push(repo, report, upstream is None, saved):
                report.pushed = outgoing
                break
            if attempt == PUSH_ATTEMPTS - 1:
                raise KBError(
                    "the remote keeps getting new changes while kb syncs; run 'kb sync' again"
                    f"{saved}",
                    2,
                )
        report.changed = _changed(repo, start)


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


# -- recovering from earlier crashes ---------------------------------------------------------


def prepare(repo: Repo, root: Path) -> list[str]:
    """What every save and sync does first: clear what killed kb or git processes left.

    Git's lock files no live git holds are removed (a git still working is waited for), a
    merge of an earlier ``kb sync`` that was stopped half-way is undone (see
    :mod:`kb.git.merge_journal`), and stale temporary files of killed writes are deleted.
    """
    notices = []
    removed = gitlocks.clear_stale_locks(root)
    if removed:
        names = ", ".join(f".git/{name}" for name in removed)
        notices.append(f"removed a stale {names} left by a git that stopped")
    if (gitlocks.git_dir(root) / "index.lock").exists() and not gitlocks.wait_for_git(root):
        raise KBError(f"{gitlocks.busy_message(root)}; try again when it is done", 2)
    notices.extend(merge_journal.recover(repo, root))
    swept = tempfiles.sweep(root)
    if swept:
        count = len(swept)
        notices.append(
            f"deleted {count} temporary file{'s' if count != 1 else ''} left by an interrupted "
            f"write ({', '.join(swept[:3])}{' ...' if count > 3 else ''})"
        )
    return notices


def recover(repo: Repo, root: Path) -> list[str]:
    """Put a repository left half-way by a crash back in order; say what was done.

    Stale locks, a stopped sync and old temporary files first (:func:`prepare`). A merge or
    rebase that stopped on conflicts nobody touched (git's markers still in every file) is
    undone, after the working tree is kept under ``refs/kb/backup/``; one where someone
    already fixed files by hand is left for them to finish, with instructions that never
    lead to committing a marker. A merge with nothing left to settle is finished. Nothing
    the user committed is touched. A detached HEAD is refused with instructions.
    """
    notices = prepare(repo, root)
    git_dir = Path(repo.git_dir)
    if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
        if not repo.git.ls_files("-u").strip() or _hand_fixed(repo, root):
            raise KBError(
                "a git rebase is half done and some files were already fixed by hand: "
                f"finish it with 'git -C {root} rebase --continue' (or undo it with "
                "'git rebase --abort'), then kb sync",
                2,
            )
        merge_journal.keep_working_tree(repo, "before undoing an unfinished rebase")
        repo.git.rebase("--abort")
        notices.append("undid a rebase that was left unfinished (your commits are unchanged)")
    if (git_dir / "CHERRY_PICK_HEAD").exists() or (git_dir / "REVERT_HEAD").exists():
        raise KBError(
            "a git cherry-pick or revert is unfinished in this KB; finish it or run "
            "'git cherry-pick --abort' / 'git revert --abort', then kb sync",
            2,
        )
    if (git_dir / "MERGE_HEAD").exists():
        if repo.git.ls_files("-u").strip():
            if _hand_fixed(repo, root):
                raise KBError(
                    "a git merge is half done and some files were already fixed by hand: "
                    "delete the conflict markers left in the others ('kb check' lists them), "
                    f"then finish it with 'git -C {root} add' and 'git commit' (or undo it "
                    "with 'git merge --abort'), then kb sync",
                    2,
                )
            merge_journal.keep_working_tree(repo, "before undoing an unfinished merge")
            _undo_merge(repo, repo.git.rev_parse("HEAD"))
            notices.append("undid a merge that was left unfinished; merging again")
        else:
            added = git.added_lines(repo, ["--cached", "HEAD"])
            markers = git.conflict_markers(added, root)
            if markers:
                raise KBError(
                    f"an unfinished merge has conflict markers in {markers[0]}; "
                    f"fix the file or run 'git -C {repo.working_tree_dir} merge --abort'",
                    2,
                )
            repo.git.commit("--quiet", "--no-edit")
            notices.append("finished a merge that was left unfinished")
    if repo.head.is_detached:
        raise KBError(
            "HEAD is detached (not on a branch), so kb does not know what to sync: run "
            f"'git -C {repo.working_tree_dir} switch main' (or your branch), then kb sync",
            2,
        )
    return notices


def _hand_fixed(repo: Repo, root: Path) -> list[str]:
    """Unmerged files someone already edited: git's conflict markers are gone from them."""
    fixed = []
    for path in sorted({line.split("\t", 1)[1] for line in _lines(repo.git.ls_files("-u"))}):
        try:
            text = (root / path).read_bytes()
        except OSError:
            continue
        if b"\n<<<<<<< " not in b"\n" + text and b"\n>>>>>>> " not in b"\n" + text:
            fixed.append(path)
    return fixed


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


# -- steps -----------------------------------------------------------------------------------


def pending_paths(repo: Repo, root: Path) -> list[str]:
    """KB files changed, added or deleted since the last commit (outside .kb/)."""
    specs = [p for p in KB_PATHS if (root / p).exists() or _tracked(repo, p)]
    if not specs:
        return []
    output = repo.git.execute(
        [
            "git",
            "status",
            "--porcelain",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--",
            *specs,
        ],
        strip_newline_in_stdout=False,
    )
    paths = []
    for entry in str(output).split("\0"):
        # Temporary files of killed writes are never KB files, whatever .gitignore says.
        if len(entry) > 3 and not (entry[:2] == "??" and tempfiles.is_temp(entry[3:])):
            paths.append(entry[3:])
    return sorted(set(paths))


def unshared(repo: Repo, root: Path) -> list[str]:
    """Notes and other KB files git ignores and does not track: no commit will hold them."""
    specs = [p for p in KB_PATHS if (root / p).exists()]
    return git.ignored_files(repo, specs) if specs else []


def _tracked(repo: Repo, path: str) -> bool:
    return bool(repo.git.ls_files("--", path).strip())


def _commit_pending(kb: KB, repo: Repo) -> list[str]:
    paths = pending_paths(repo, kb.root)
    if not paths:
        return []
    names = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    result = git.commit(
        kb.root,
        paths,
        f"Save changes made outside kb: {names}",
        allow_secrets=kb.allow_secrets,
        rules=kb.secret_rules,
    )
    if result.secrets:
        raise SecretsFound(result.secrets, "not committed")
    if result.warning:
        raise KBError(result.warning, 2)
    return result.committed


@dataclass
class SaveReport:
    """What ``kb save`` did."""

    committed: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: KB files git ignores and does not track: not committed.
    ignored: list[str] = field(default_factory=list)


def save_pending(kb: KB) -> SaveReport:
    """Commit changes made outside kb (``kb save``); say what was committed and left out."""
    if not git.is_repo(kb.root):
        raise KBError(f"{kb.root} is not a git repository; run 'kb init {kb.root}'", 2)
    report = SaveReport()
    with gitlocks.repo_lock(kb.root), git.open_repo(kb.root) as repo:
        report.notices = prepare(repo, kb.root)
        if (Path(repo.git_dir) / "MERGE_HEAD").exists():
            raise KBError("a merge is unfinished; run 'kb sync' to settle it", 2)
        report.committed = _commit_pending(kb, repo)
        report.ignored = unshared(repo, kb.root)
    return report


def ignored_message(ignored: list[str]) -> str:
    """One line saying which KB files are left out of git, and what to do."""
    count = len(ignored)
    shown = ", ".join(ignored[:3]) + (f" and {count - 3} more" if count > 3 else "")
    return (
        f"{count} file{'s are' if count != 1 else ' is'} not committed because git ignores "
        f"{'them' if count != 1 else 'it'} ({shown}): kb shares every note, so remove the "
        "rule from .gitignore (see 'git check-ignore -v FILE'), or move private notes out of "
        "the KB"
    )


def _waiting_message(repo: Repo, report: SyncReport) -> str:
    """What to add to an error: the work that is safe locally and waits to be sent."""
    from git import GitCommandError

    try:
        ahead = _count(repo, "@{upstream}..HEAD")
    except GitCommandError:
        ahead = _count(repo, "HEAD")
    if not ahead:
        return ""
    plural = "s" if ahead != 1 else ""
    return f" (your work is committed locally: {ahead} commit{plural} waiting to be sent)"


def _environment() -> dict[str, str]:
    # Never wait for a password prompt nobody will see: fail and say so instead.
    env = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never", "LC_ALL": "C"}
    if not os.environ.get("GIT_SSH_COMMAND") and not os.environ.get("GIT_SSH"):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=15"
    return env


def _network(repo: Repo, args: list[str], remote: str, saved: str) -> str:
    from git import GitCommandError

    try:
        with repo.git.custom_environment(**_environment()):
            return str(repo.git.execute(["git", *args], kill_after_timeout=NETWORK_TIMEOUT))
    except GitCommandError as exc:
        raise KBError(_network_message(exc, remote, repo) + saved, 2) from exc


_AUTH = re.compile(
    r"authentication failed|permission denied|could not read (username|password)|"
    r"terminal prompts disabled|\b403\b|\b401\b|access denied|invalid credentials|"
    r"not authorized|publickey",
    re.I,
)
_UNREACHABLE = re.compile(
    r"could not resolve|connection (refused|timed out|reset)|unable to access|"
    r"does not appear to be a git repository|no such file or directory|network is unreachable|"
    r"could not read from remote|operation timed out|failed to connect|timed out|"
    r"no route to host|repository .* not found|not found",
    re.I,
)


def _network_message(exc: Exception, remote: str, repo: Repo) -> str:
    text = str(getattr(exc, "stderr", "") or exc)
    url = _remote_url(repo, remote)
    where = f"{remote} ({url})" if url else remote
    if _AUTH.search(text):
        return f"the remote {where} refused your credentials; check your access to it"
    if re.search(r"timeout|did not complete in", text, re.I):
        return f"the remote {where} did not answer within {NETWORK_TIMEOUT} s"
    if _UNREACHABLE.search(text):
        return f"cannot reach the remote {where}; check the network or the address"
    return f"git could not talk to {where}: {git.first_line(exc)}"


def _remote_url(repo: Repo, remote: str) -> str:
    try:
        url = repo.remote(remote).url
    except ValueError:
        return ""
    return re.sub(r"//[^/@\s]+@", "//", url)  # never print a password in a URL


def _upstream(repo: Repo, report: SyncReport) -> str | None:
    """The remote branch to integrate, setting the upstream when missing; None if none yet."""
    branch = repo.active_branch
    tracking = branch.tracking_branch()
    if tracking is not None and _ref_exists(repo, tracking.path):
        return tracking.name
    candidate = f"{report.remote}/{branch.name}"
    if _ref_exists(repo, f"refs/remotes/{candidate}"):
        repo.git.branch(f"--set-upstream-to={candidate}")
        report.upstream_set = True
        return candidate
    return None


def _ref_exists(repo: Repo, ref: str) -> bool:
    from git import GitCommandError

    try:
        repo.git.rev_parse("--verify", "--quiet", ref)
    except GitCommandError:
        return False
    return True


def _count(repo: Repo, spec: str) -> int:
    return int(repo.git.rev_list("--count", spec).strip() or 0)


def _backup(repo: Repo) -> str:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    ref = f"refs/kb/backup/{stamp}"
    repo.git.update_ref(ref, "HEAD")
    refs = repo.git.for_each_ref("--format=%(refname)", "--sort=refname", "refs/kb/backup/")
    old = [line for line in refs.splitlines() if line.strip()][:-BACKUPS_KEPT]
    for name in old:
        repo.git.update_ref("-d", name)
    return ref


def _merge(kb: KB, repo: Repo, upstream: str, report: SyncReport) -> None:
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
            merge_journal.undo(repo, root, journal)
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
        if local == _show(repo, f"{theirs}:{rel}"):
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


def _undo_merge(repo: Repo, before: str) -> None:
    from git import GitCommandError

    try:
        repo.git.merge("--abort")
    except GitCommandError:
        repo.git.reset("--hard", "-q", before)


def _finish_merge(
    kb: KB,
    repo: Repo,
    report: SyncReport,
    message: str,
    journal: merge_journal.Journal | None = None,
) -> None:
    settled = settle_conflicts(kb, repo, journal)
    settled.merge(_unsound_front_matter(kb, repo, settled, journal))
    report.merged.extend(settled.merged)
    report.conflicts.extend(settled.conflicts)
    report.notices.extend(settled.notices)
    added = git.added_lines(repo, ["--cached", "HEAD", "--", *settled.written])
    markers = git.conflict_markers(added)
    if markers:  # never happens by design; refuse rather than commit one
        raise KBError(f"merge stopped: {markers[0]} would hold a conflict marker", 2)
    left = _lines(repo.git.diff("--name-only", "--diff-filter=U"))
    if left:
        raise KBError(f"merge stopped: kb could not settle {', '.join(left[:3])}", 2)
    summary = (
        f"; kept both versions of {', '.join(c.path for c in settled.conflicts)}"
        if settled.conflicts
        else ""
    )
    repo.git.commit("--quiet", "--no-verify", "-m", message + summary)


def _unsound_front_matter(
    kb: KB,
    repo: Repo,
    settled: Settled,
    journal: merge_journal.Journal | None = None,
) -> Settled:
    """Notes git merged alone whose front matter no longer reads (a key added twice, ...)."""
    result = Settled()
    done = {*settled.merged, *(c.path for c in settled.conflicts)}
    for path in _lines(repo.git.diff("--cached", "--name-only", "HEAD")):
        if path in done or not path.endswith(".md") or not (kb.root / path).is_file():
            continue
        text = (kb.root / path).read_bytes().decode("utf-8", errors="replace")
        if front_matter_is_sound(text):
            continue
        ours = _show(repo, f"HEAD:{path}")
        theirs = _show(repo, f"MERGE_HEAD:{path}")
        if ours is None or theirs is None or not (_sound(ours) and _sound(theirs)):
            continue  # broken before the merge: not the merge's doing, kb check reports it
        who = _who(repo, path)
        beside = conflict_name(kb.root, path, who)
        atomic.write_bytes(kb.root / path, ours, root=kb.root)
        _write_copy(kb.root, beside, theirs, journal)
        repo.git.add("-f", "--", path, beside)
        result.conflicts.append(Conflict(path, beside, who))
        result.written.append(path)
    return result


def _write_copy(root: Path, rel: str, data: bytes, journal: merge_journal.Journal | None) -> None:
    """Write a file the merge adds beside a note, recorded in the journal first."""
    if journal is not None:
        journal.note_copy(rel, data)
    atomic.write_bytes(root / rel, data, root=root)


def _sound(data: bytes) -> bool:
    return front_matter_is_sound(data.decode("utf-8", errors="replace"))


def _show(repo: Repo, spec: str) -> bytes | None:
    from git import GitCommandError

    try:
        data = repo.git.execute(
            ["git", "show", spec], stdout_as_string=False, strip_newline_in_stdout=False
        )
    except GitCommandError:
        return None
    return bytes(data)  # type: ignore[arg-type]


@dataclass
class Settled:
    """How the conflicts of one merge were settled."""

    merged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: Files kb wrote merged text into (checked for markers before the commit).
    written: list[str] = field(default_factory=list)

    def merge(self, other: Settled) -> None:
        """Add what another pass settled."""
        self.merged += other.merged
        self.conflicts += other.conflicts
        self.notices += other.notices
        self.written += other.written


def settle_conflicts(
    kb: KB, repo: Repo, journal: merge_journal.Journal | None = None
) -> Settled:
    """Settle every unmerged file of the merge in progress, keeping both sides' words.

    The files written beside notes are recorded in ``journal`` before they are written.
    """
    settled = Settled()
    stages: dict[str, dict[int, str]] = {}
    output = repo.git.execute(["git", "ls-files", "-u", "-z"], strip_newline_in_stdout=False)
    for entry in str(output).split("\0"):
        if not entry.strip():
            continue
        info, path = entry.split("\t", 1)
        _mode, sha, stage = info.split()
        stages.setdefault(path, {})[int(stage)] = sha
    for path, blobs in sorted(stages.items()):
        # A side can itself be git's merge of two renamed files, with markers: unmark it.
        ours = unmark(_blob(repo, blobs[2])) if 2 in blobs else None
        theirs = unmark(_blob(repo, blobs[3])) if 3 in blobs else None
        base = unmark(_blob(repo, blobs[1])) if 1 in blobs else None
        target = kb.root / path
        if base is None and ours is not None and theirs is not None and path.startswith("notes/"):
            # Two people each wrote a new note under the same name: two notes, both kept.
            who = _who(repo, path)
            other = free_name(kb.root, PurePosixPath(path), who)
            atomic.write_bytes(target, ours, root=kb.root)
            _write_copy(kb.root, other, retitled(theirs, who), journal)
            repo.git.add("-f", "--", path, other)
            settled.notices.append(f"two new notes had the same name: {who}'s is {other}")
            continue
        if ours is not None and theirs is not None:
            merged = _merge_text(path, base, ours, theirs)
            if merged is not None:
                atomic.write_bytes(target, merged, root=kb.root)
                repo.git.add("--", path)
                settled.merged.append(path)
                settled.written.append(path)
                continue
            who = _who(repo, path)
            beside = conflict_name(kb.root, path, who)
            in_place = _merge_text(path, base, ours, theirs, keep_ours=True) or ours
            atomic.write_bytes(target, in_place, root=kb.root)
            _write_copy(kb.root, beside, theirs, journal)
            repo.git.add("-f", "--", path, beside)
            settled.conflicts.append(Conflict(path, beside, who))
            settled.written.append(path)
        elif ours is not None:
            atomic.write_bytes(target, ours, root=kb.root)
            repo.git.add("--", path)
            settled.notices.append(f"kept your edit of {path} (it was deleted on the other side)")
        elif theirs is not None:
            atomic.write_bytes(target, theirs, root=kb.root)
            repo.git.add("--", path)
            settled.notices.append(f"kept the other side's edit of {path} (you had deleted it)")
        elif target.exists():
            repo.git.add("--", path)
        else:
            # Both sides moved it away (renamed it, each to another name): its words live on
            # under those names, which the merge keeps.
            repo.git.rm("--cached", "-q", "--ignore-unmatch", "--", path)
    return settled


def _blob(repo: Repo, sha: str) -> bytes:
    return _show(repo, sha) or b""


def _merge_text(
    path: str, base: bytes | None, ours: bytes, theirs: bytes, keep_ours: bool = False
) -> bytes | None:
    """Merged bytes when the two versions merge cleanly (or ``keep_ours``), else None."""
    if base is None or b"\0" in ours + theirs + base:
        return None
    try:
        texts = [data.decode("utf-8") for data in (base, ours, theirs)]
    except UnicodeDecodeError:
        return None
    merged = merge_texts(*texts)
    if merged.conflicts and not keep_ours:
        return None
    if (
        path.endswith(".md")
        and not front_matter_is_sound(merged.text)
        and front_matter_is_sound(texts[1])
        and front_matter_is_sound(texts[2])
    ):
        return None
    return merged.text.encode("utf-8")


def _who(repo: Repo, path: str) -> str:
    from git import GitCommandError

    try:
        return repo.git.log("-1", "--format=%an", "MERGE_HEAD", "--", path).strip() or "other"
    except GitCommandError:
        return "other"


# -- after integrating -----------------------------------------------------------------------


def _outgoing_secrets(repo: Repo, upstream: str | None, kb: KB) -> list[Finding]:
    """What looks like a secret in any commit this push would send, merges included."""
    from kb.git import secret_scan

    return secret_scan.outgoing(repo, upstream, kb.settings.remote, kb.secret_rules)


def _push(repo: Repo, report: SyncReport, set_upstream: bool, saved: str) -> bool:
    """Push; False when the remote moved on meanwhile (fetch and merge again)."""
    from git import GitCommandError

    args = ["push", "--porcelain"]
    if set_upstream:
        args.append("--set-upstream")
    args += [report.remote, f"HEAD:refs/heads/{report.branch}"]
    try:
        with repo.git.custom_environment(**_environment()):
            repo.git.execute(["git", *args], kill_after_timeout=NETWORK_TIMEOUT)
    except GitCommandError as exc:
        text = f"{exc.stdout or ''}\n{exc.stderr or ''}"
        if re.search(r"\[rejected\]|non-fast-forward|fetch first|stale info", text):
            return False
        if re.search(r"hook declined|protected branch|pre-receive|\[remote rejected\]", text):
            said = [
                line.strip().removeprefix("remote:").strip()
                for line in text.splitlines()
                if line.strip().startswith("remote:") and line.strip() != "remote:"
            ]
            reason = "; ".join(said[:3]) or next(
                (line.strip() for line in text.splitlines() if "rejected" in line), "refused"
            )
            raise KBError(f"the remote refused the push: {reason}{saved}", 2) from exc
        raise KBError(_network_message(exc, report.remote, repo) + saved, 2) from exc
    if set_upstream:
        report.upstream_set = True
    return True


def _changed(repo: Repo, start: str) -> list[str]:
    output = repo.git.diff("--name-only", "--no-renames", start, "HEAD")
    return [line for line in output.splitlines() if line.strip()]


def _reindex(kb: KB, report: SyncReport) -> None:
    from kb.notes.files import SOURCE_FOLDERS
    from kb.search.engine import IndexBusy

    paths = [
        path
        for path in {*report.changed, *report.committed}
        if path.endswith(".md") and path.split("/")[0] in SOURCE_FOLDERS
    ]
    if (not paths and LINKS_FILE not in report.changed) or not kb.has_index():
        return
    try:
        # New link lines change notes' reuse counts: a full incremental pass sees those too
        # (it re-reads only what changed).
        kb.reindex(only=None if LINKS_FILE in report.changed else sorted(paths))
    except (IndexBusy, OSError) as exc:
        report.index_warning = f"search index not updated ({exc}); run 'kb index'"
