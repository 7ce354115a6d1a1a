"""Who the current user is, as git says: the one answer for a note's ``author``, the name on
an update-log entry, on a link and on a flag, and whose reading progress it is.

Git decides the identity of a commit from ``$GIT_AUTHOR_NAME``/``$GIT_AUTHOR_EMAIL``, then the
``author.*`` and ``user.*`` settings of the repository, ``$GIT_CONFIG_GLOBAL`` (or
``~/.gitconfig``) and the system, with ``-c`` and ``$GIT_CONFIG_*`` on top. Rather than copy
those rules, kb asks git (``git var GIT_AUTHOR_IDENT``), so that the name kb writes in a note
is always the name on the commit that saves it.
"""

from __future__ import annotations

import getpass
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: ``Name <email> 1732000000 +0100``, as ``git var`` prints an identity.
_IDENT = re.compile(r"^(?P<name>.*?)\s*<(?P<email>[^<>]*)>\s*\d+\s+[+-]\d{4}\s*$")


@dataclass(frozen=True)
class Identity:
    """A person as git records them on a commit."""

    name: str
    email: str


def git_identity(root: Path) -> Identity | None:
    """The author git puts on a commit in the repository at ``root``; None when git would
    refuse to commit for want of one (no name, or no e-mail it can use)."""
    return _ident(_git(root, "var", "GIT_AUTHOR_IDENT"))


def user_name(root: Path) -> str | None:
    """The current user's name as git knows it, or None when git knows no name.

    Git's identity when it has a whole one; otherwise the name git has even without an
    e-mail (``$GIT_AUTHOR_NAME``, ``author.name``, ``user.name``, then the committer's), so
    that an entry written without a commit still says who wrote it.
    """
    found = git_identity(root)
    if found is not None and found.name:
        return found.name
    for variable, key in (
        ("GIT_AUTHOR_NAME", "author.name"),
        (None, "user.name"),
        ("GIT_COMMITTER_NAME", "committer.name"),
    ):
        name = _one_line(os.environ.get(variable, "")) if variable else ""
        if not name:
            name = _one_line(_git(root, "config", "--get", key) or "")
        if name:
            return name
    return None


def display_name(root: Path) -> str:
    """A name for the current user, never empty: git's, else the login name, else "me"
    (for a flag's ``flagged_by`` and the reader of guides, which need someone)."""
    name = user_name(root)
    if name:
        return name
    try:
        return getpass.getuser() or "me"
    except (OSError, KeyError, ImportError):
        return "me"


def _ident(output: str | None) -> Identity | None:
    if not output:
        return None
    match = _IDENT.match(output.strip())
    if match is None:
        return None
    name, email = _one_line(match["name"]), match["email"].strip()
    return Identity(name, email) if name else None


def _git(root: Path, *args: str) -> str | None:
    """What ``git ARGS`` prints in ``root`` (None when it fails or git is missing)."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=root if Path(root).is_dir() else None,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def set_identity(root: Path, name: str, email: str) -> None:
    """Store the user's name and e-mail in the KB's own git config (not the global one)."""
    name, email = _one_line(name), _one_line(email)
    if not name or not email or "<" in name + email or ">" in name + email:
        raise ValueError("give a name and an e-mail address")
    for key, value in (("user.name", name), ("user.email", email)):
        done = subprocess.run(
            ["git", "config", key, value],
            cwd=root,
            capture_output=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            raise ValueError(f"git could not store {key}: {done.stderr.decode(errors='replace')}")


def missing_advice(root: Path) -> str:
    """What to run when git has no identity: the exact commands, for this KB only."""
    return (
        f"git does not know who you are, so kb cannot commit your notes; run: "
        f"git -C {root} config user.name 'Your Name' && "
        f"git -C {root} config user.email you@example.com"
    )
