"""``kb init`` and ``kb clone``: a KB of one's own, an existing repository made a KB where its
files are, and a team's KB joined in one command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb.cli.helpers import (
    clear_progress,
    err,
    handle_errors,
    progress_printer,
    warn_problems,
)

if TYPE_CHECKING:
    from kb.cli.helpers import KBContext
    from kb.knowledgebase import KnowledgeBase


@click.command()
@click.argument("directory", required=False)
@click.pass_obj
@handle_errors
def init(context: KBContext, directory: str | None) -> None:
    """Make DIRECTORY (default: the folder of --kb, else here) a KB: a new one, or a
    repository of notes as it is."""
    from kb.knowledgebase import KnowledgeBase
    from kb.knowledgebase.adopting import ADOPT_MESSAGE

    kb = KnowledgeBase.init(directory or context.named_folder() or ".")
    adoption = kb.adoption
    if adoption is not None:
        click.echo(f"Found {adoption.found_line()}.")
    if kb.init_warning:
        err(f"kb: warning: {kb.init_warning}")
    if adoption is not None:
        _index(kb)
        if adoption.commit:
            names = ", ".join([*adoption.written, *adoption.edited])
            click.echo(f'Committed {names} as "{ADOPT_MESSAGE}" ({adoption.commit[:8]}).')
        for rel in adoption.edited:
            click.echo(f"  {rel}: one line added (kb merges ticket links of two people with it)")
    ensure_identity(kb.root)
    click.echo(f"KB ready at {kb.root}")
    click.echo(f"Use it with: kb --kb {kb.root} ...  (or export KB_DIR={kb.root})")


@click.command()
@click.argument("url")
@click.argument("directory", required=False)
@click.pass_obj
@handle_errors
def clone(context: KBContext, url: str, directory: str | None) -> None:
    """Join a team's KB: clone URL into DIRECTORY (default: the folder of --kb, else one
    named for the repository), check who you are, build the index."""
    from kb.knowledgebase import KnowledgeBase

    target = Path(directory) if directory else context.named_folder() or Path(_folder_name(url))
    click.echo(f"Cloning {url} into {target} ...")
    kb = KnowledgeBase.clone(url, target)
    if kb.init_warning:
        err(f"kb: warning: {kb.init_warning}")
    ensure_identity(kb.root)
    _index(kb)
    click.echo(f"Joined: {kb.root}")
    from kb.notes.errors import KBError
    from kb.notes.user_config import remember_kb

    try:
        remembered = remember_kb(kb.root)
    except KBError as exc:
        err(f"kb: warning: {exc}")
        remembered = None
    if remembered:
        click.echo(f"{remembered}: kb search WORDS finds its notes, kb sync shares yours.")
    else:
        click.echo(
            f"Search with: kb --kb {kb.root} search WORDS; share with: kb --kb {kb.root} sync"
        )


def ensure_identity(root: Path) -> bool:
    """Tell the user once when git does not know who they are; on a terminal, ask and store
    the answer in this KB's git config. True when git knows the user afterwards."""
    from kb.git import identity

    if identity.git_identity(root) is not None:
        return True
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        err(f"kb: warning: {identity.missing_advice(root)}")
        return False
    err("kb: git does not know who you are; your name goes on every note you save.")
    name = click.prompt("Your name", err=True, default="", show_default=False).strip()
    email = click.prompt("Your e-mail", err=True, default="", show_default=False).strip()
    try:
        identity.set_identity(root, name, email)
    except ValueError as exc:
        err(f"kb: warning: {exc}; {identity.missing_advice(root)}")
        return False
    err(f"kb: saved as {name} <{email}> in this KB's git config")
    return True


def _index(kb: KnowledgeBase) -> None:
    from kb.notes.local_state import new_warnings

    report = kb.reindex(progress=progress_printer())
    clear_progress()
    # What kb could not take in (a name it cannot use, an unreadable file) is told here, once:
    # the next kb index says it no more, and kb check lists it all.
    told = [str(problem) for problem in report.problems]
    fresh = set(new_warnings(kb.root, told))
    warn_problems([p for p in report.problems if str(p) in fresh], quiet=True)
    notes = len(report.added) + len(report.changed) + report.unchanged
    click.echo(f"Indexed {notes:,} files in {report.seconds:.1f} s.")


def _folder_name(url: str) -> str:
    name = url.rstrip("/").replace("\\", "/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    name = name.removesuffix(".git") or "kb"
    return name


COMMANDS = [init, clone]
