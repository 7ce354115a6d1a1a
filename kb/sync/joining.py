"""Joining a team's KB: ``kb clone`` takes the remote's default branch, whatever its name, and
``kb sync`` never pushes a history that has nothing in common with the team's.

A bare repository's HEAD can name a branch nobody pushed (``master`` while the team pushed
``main``): git then clones nothing. kb asks the remote which branches it has and takes the
one HEAD names when it exists, else ``main``, ``master`` or the only branch there is.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kb.notes.errors import KBError
from kb.sync.remote import NETWORK_TIMEOUT, environment, network_message

if TYPE_CHECKING:
    from git import Repo


@dataclass(frozen=True)
class Cloned:
    """A fresh clone of a team KB."""

    root: Path
    branch: str | None  # None: the remote was empty


def default_branch(url: str) -> str | None:
    """The branch to clone from ``url``: the one its HEAD names when it exists, else
    ``main``, ``master`` or the first there is; None when the remote has no branch yet."""
    output = _git(["ls-remote", "--symref", url, "HEAD", "refs/heads/*"], url)
    named: str | None = None
    branches: list[str] = []
    for line in output.splitlines():
        if line.startswith("ref: ") and line.endswith("\tHEAD"):
            named = line[5:].split("\t", 1)[0].removeprefix("refs/heads/")
            continue
        parts = line.split("\t", 1)
        if len(parts) == 2 and parts[1].startswith("refs/heads/"):
            branches.append(parts[1].removeprefix("refs/heads/"))
    if not branches:
        return None
    for candidate in (named, "main", "master"):
        if candidate in branches:
            return candidate
    return sorted(branches)[0]


def clone(url: str, destination: Path) -> Cloned:
    """Clone the team KB at ``url`` into ``destination`` (which must not hold files yet)."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise KBError(f"{destination} already exists and is not empty; name a new folder", 2)
    branch = default_branch(url)
    command = ["clone", "--quiet", "--origin", "origin"]
    if branch is not None:
        command += ["--branch", branch]
    _git([*command, "--", url, str(destination)], url)
    return Cloned(destination, branch)


def unrelated_remote_branch(repo: Repo, remote: str, upstream: str | None) -> str | None:
    """The team's branch when the local history shares no commit with what the remote
    holds (pushing would fork the KB); None when a push is safe."""
    if upstream is not None:
        return None if _related(repo, upstream) else upstream
    heads = [
        ref
        for ref in str(
            repo.git.execute(
                ["git", "for-each-ref", "--format=%(refname:short)", f"refs/remotes/{remote}/"]
            )
        ).splitlines()
        if ref and not ref.endswith("/HEAD") and ref != remote
    ]
    if not heads or any(_related(repo, head) for head in heads):
        return None
    for preferred in ("main", "master"):
        if f"{remote}/{preferred}" in heads:
            return f"{remote}/{preferred}"
    return sorted(heads)[0]


def refusal(root: Path, remote: str, branch: str, url: str) -> str:
    """Why nothing was pushed, and the one command that joins the team's KB instead."""
    where = url or remote
    return (
        f"not pushed: {branch} on the remote is another KB whose history has nothing in "
        f"common with this one, and pushing would split the team's KB in two. To join it, "
        f"run: kb clone {where} NEW-FOLDER (then copy your own notes into that folder and "
        "run kb sync there); nothing was sent"
    )


def _related(repo: Repo, ref: str) -> bool:
    from git import GitCommandError

    try:
        return bool(str(repo.git.merge_base("HEAD", ref)).strip())
    except GitCommandError:
        return False


def _git(args: list[str], url: str) -> str:
    env = {**os.environ, **environment()}
    try:
        done = subprocess.run(
            ["git", *args],
            capture_output=True,
            env=env,
            timeout=NETWORK_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise KBError(f"the remote {url} did not answer within {NETWORK_TIMEOUT} s", 2) from exc
    except OSError as exc:
        raise KBError(f"git could not run: {exc}", 2) from exc
    if done.returncode != 0:
        raise KBError(network_message(done.stderr.decode("utf-8", "replace"), url), 2)
    return done.stdout.decode("utf-8", "surrogateescape")
