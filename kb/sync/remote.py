"""Talking to the team's remote: fetch and push with a time limit and no password prompt,
the upstream branch, and one line for every way a remote can fail."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from kb import git
from kb.notes.errors import KBError
from kb.sync.report import SyncReport

if TYPE_CHECKING:
    from git import Repo

    from kb.notes.protocol import KB
    from kb.notes.secrets import Finding

#: Seconds a fetch or push may take before kb gives up on the remote.
NETWORK_TIMEOUT = 120


def waiting_message(repo: Repo, report: SyncReport) -> str:
    """What to add to an error: the work that is safe locally and waits to be sent."""
    from git import GitCommandError

    try:
        ahead = count(repo, "@{upstream}..HEAD")
    except GitCommandError:
        ahead = count(repo, "HEAD")
    if not ahead:
        return ""
    plural = "s" if ahead != 1 else ""
    return f" (your work is committed locally: {ahead} commit{plural} waiting to be sent)"


def environment() -> dict[str, str]:
    """The environment of every git command that talks to a remote."""
    # Never wait for a password prompt nobody will see: fail and say so instead.
    env = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never", "LC_ALL": "C"}
    if not os.environ.get("GIT_SSH_COMMAND") and not os.environ.get("GIT_SSH"):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=15"
    return env


def remote_command(repo: Repo, args: list[str], remote: str, saved: str) -> str:
    from git import GitCommandError

    try:
        with repo.git.custom_environment(**environment()):
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
    url = remote_url(repo, remote)
    where = f"{remote} ({url})" if url else remote
    return network_message(text, where, git.first_line(exc))


def network_message(text: str, where: str, detail: str | None = None) -> str:
    """One line for git's complaint ``text`` about the remote ``where`` (``detail``: the
    line to show when the complaint is none kb knows)."""
    where = re.sub(r"//[^/@\s]+@", "//", where)  # never print a password in a URL
    if _AUTH.search(text):
        return f"the remote {where} refused your credentials; check your access to it"
    if re.search(r"timeout|did not complete in", text, re.I):
        return f"the remote {where} did not answer within {NETWORK_TIMEOUT} s"
    if _UNREACHABLE.search(text):
        return f"cannot reach the remote {where}; check the network or the address"
    if detail is None:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        detail = (lines[-1] if lines else "no answer").removeprefix("fatal: ")[:200]
    return f"git could not talk to {where}: {detail}"


def remote_url(repo: Repo, remote: str) -> str:
    """The address of ``remote``, without any password it holds."""
    try:
        url = repo.remote(remote).url
    except ValueError:
        return ""
    return re.sub(r"//[^/@\s]+@", "//", url)  # never print a password in a URL


def find_upstream(repo: Repo, report: SyncReport) -> str | None:
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


def count(repo: Repo, spec: str) -> int:
    return int(repo.git.rev_list("--count", spec).strip() or 0)


def outgoing_secrets(repo: Repo, upstream: str | None, kb: KB) -> list[Finding]:
    """What looks like a secret in any commit this push would send, merges included."""
    from kb.git import secret_scan

    return secret_scan.outgoing(repo, upstream, kb.settings.remote, kb.secret_rules)


def push(repo: Repo, report: SyncReport, set_upstream: bool, saved: str) -> bool:
    """Push; False when the remote moved on meanwhile (fetch and merge again)."""
    from git import GitCommandError

    args = ["push", "--porcelain"]
    if set_upstream:
        args.append("--set-upstream")
    args += [report.remote, f"HEAD:refs/heads/{report.branch}"]
    try:
        with repo.git.custom_environment(**environment()):
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


def has_remote(root: os.PathLike[str] | str, name: str) -> bool:
    """True when the KB at ``root`` is a git repository with a remote called ``name``."""
    from pathlib import Path

    if not git.is_repo(Path(root)):
        return False
    with git.open_repo(Path(root)) as repo:
        return name in [remote.name for remote in repo.remotes]
