"""``kb log``, ``kb save``, ``kb sync`` and ``kb resolve``: history and sharing through git."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from kb.cli.helpers import (
    current_kb,
    current_shelf,
    err,
    handle_errors,
    in_own_kb,
    interactive,
)
from kb.notes.errors import KBError

if TYPE_CHECKING:
    from kb.knowledgebase import KnowledgeBase
    from kb.sync.conflict_files import Conflict

# --- kb log ---------------------------------------------------------------------------------


@click.command()
@click.argument("note", nargs=-1, required=True)
@click.option("--limit", "-n", type=click.IntRange(1, 100000), help="Show at most N revisions.")
@click.option("--json", "as_json", is_flag=True, help="Print revisions as a JSON list.")
@click.pass_context
@handle_errors
def log(ctx: click.Context, note: tuple[str, ...], limit: int | None, as_json: bool) -> None:
    """History of NOTE: who changed it, when, and why (follows renames).

    Revisions given to a caller (linked to a ticket) are marked. Show one with
    kb show NOTE --at REV.
    """
    from kb import git
    from kb.notes.link_log import read_events

    reference = in_own_kb(ctx, " ".join(note))
    kb = current_kb(ctx)
    source = kb.find(reference)
    if not git.is_repo(kb.root):
        raise KBError("this KB is not a git repository, so it has no history", 2)
    revisions = git.log(kb.root, source.rel, limit)
    given: dict[str, list[str]] = {}
    for event in read_events(kb.root):
        if event.action == "link" and event.rev:
            given.setdefault(event.rev, []).append(event.ticket)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "sha": r.sha,
                        "author": r.author,
                        "email": r.email,
                        "date": r.date,
                        "message": r.message,
                        "path": r.path,
                        "given_for": given.get(r.sha, []),
                    }
                    for r in revisions
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not revisions:
        click.echo(f"{source.rel} has no commits yet (run 'kb save').")
        return
    for revision in revisions:
        when = revision.date[:16].replace("T", " ")
        line = f"{revision.short}  {when}  {revision.author:<18.18}  {revision.message}"
        if revision.path != source.rel:
            line += f"  (as {revision.path})"
        if revision.sha in given:
            line += f"  [given for {', '.join(given[revision.sha])}]"
        click.echo(line)


# --- kb save --------------------------------------------------------------------------------


@click.command()
@click.pass_context
@handle_errors
def save(ctx: click.Context) -> None:
    """Commit notes changed outside kb (in another editor, copied in, deleted)."""
    from kb.sync.report import SecretsFound, held_back_lines, ignored_message
    from kb.sync.saving import save_pending

    kb = current_kb(ctx)
    try:
        saved = save_pending(kb)
    except SecretsFound as exc:
        for finding in exc.findings[:10]:
            err(f"kb: {finding}")
        raise
    for notice in saved.notices:
        click.echo(f"Note: {notice}")
    paths = saved.committed
    if not paths and not saved.ignored and not saved.held_back:
        click.echo("Nothing to save: every note is committed.")
        return
    for path in paths:
        click.echo(f"  {path}")
    if paths:
        click.echo(f"Committed {len(paths)} file{'s' if len(paths) != 1 else ''}.")
        report = kb.reindex()
        if report.problems:
            err(f"kb: {len(report.problems)} file(s) have problems; see 'kb check'")
    for line in held_back_lines(saved.held_back, bool(paths)):
        err(f"kb: {line}")
    if saved.ignored:
        err(f"kb: {ignored_message(saved.ignored)}")
    if saved.held_back:
        sys.exit(2)
    if saved.ignored:
        sys.exit(1)


# --- kb sync --------------------------------------------------------------------------------


@click.command()
@click.pass_context
@handle_errors
def sync(ctx: click.Context) -> None:
    """Commit pending changes, get the team's changes, merge safely, send yours (in every
    KB of the config's [kbs] that has a remote, one line each, unless --kb names one).

    When someone else changed the same lines of a note, both versions are kept (theirs in a
    .conflict- file beside it), nothing is pushed, and kb exits 1: settle it with kb resolve.
    """
    from kb.sync.report import SecretsFound, report_lines
    from kb.sync.syncing import sync

    shelf = current_shelf(ctx)
    if shelf is not None:
        from kb.cli.several import sync_all

        sys.exit(sync_all(shelf))
    kb = current_kb(ctx)

    def step(message: str) -> None:
        if interactive():
            err(f"{message}…")

    try:
        report = sync(kb, step)
    except SecretsFound as exc:
        for finding in exc.findings[:10]:
            err(f"kb: {finding}")
        raise
    for line in report_lines(report):
        if line.warning:
            err(f"kb: {line.text}")
        else:
            click.echo(line.text)
    kept = len(report.conflicts) + len(report.waiting)
    if kept:
        err(
            f"kb: {kept} file{'s' if kept != 1 else ''} changed on both sides: compare the two "
            "versions, then run 'kb resolve NOTE --mine|--theirs|--both' (mine = the version "
            "in place) and sync again"
        )
        sys.exit(1)
    if report.held_back:
        sys.exit(2)  # refused, as a secret always is: the rest was shared
    if report.ignored:
        sys.exit(1)


# --- kb resolve -----------------------------------------------------------------------------


@click.command()
@click.argument("note", nargs=-1)
@click.option("--mine", "choice", flag_value="mine", help="Keep your version.")
@click.option("--theirs", "choice", flag_value="theirs", help="Keep the other version.")
@click.option(
    "--both",
    "choice",
    flag_value="both",
    help="Keep both texts in the one note (theirs under a heading naming its author).",
)
@click.pass_context
@handle_errors
def resolve(ctx: click.Context, note: tuple[str, ...], choice: str | None) -> None:
    """Settle a conflict kept by kb sync. Without NOTE: list the conflicts waiting (in every
    KB of the config's [kbs]; NAME:NOTE picks the KB)."""
    from kb.sync.conflict_files import resolve

    waiting = _waiting(ctx)
    shelf = current_shelf(ctx)
    several = shelf is not None
    if not note:
        if not waiting:
            click.echo("No conflicts waiting.")
            return
        for name, _kb, conflict in waiting:
            where = f"{name}: " if several else ""
            click.echo(f"{where}{conflict.path}  ←→  {conflict.theirs}")
        if choice is not None:
            # A choice for every conflict at once would settle notes nobody looked at.
            raise KBError("name the note to settle: kb resolve NOTE --mine|--theirs|--both", 2)
        click.echo("Compare them, then: kb resolve NOTE --mine|--theirs|--both")
        return
    wanted = " ".join(note)
    name, colon, rest = wanted.partition(":")
    if shelf is not None and colon and rest and name in shelf.kbs:
        waiting = [entry for entry in waiting if entry[0] == name]
        wanted = rest
    matches = _matching(waiting, wanted)
    if not matches:
        raise KBError(f"no conflict waiting for {wanted!r} (kb resolve lists them)", 1)
    if len(matches) > 1:
        for kb_name, _kb, conflict in matches:
            err(f"  {kb_name + ': ' if several else ''}{conflict.theirs}")
        err("kb: several conflicts for this note; name the .conflict- file to settle")
        sys.exit(2)
    if choice is None:
        raise click.UsageError("say which to keep: --mine, --theirs or --both")
    kb_name, kb, conflict = matches[0]
    done = resolve(kb, conflict, choice)
    where = f"{kb_name}: " if several else ""
    click.echo(where + done[:1].upper() + done[1:] + ".")


def _waiting(ctx: click.Context) -> list[tuple[str, KnowledgeBase, Conflict]]:
    """The conflicts waiting, with their KB's name (every KB of the config's [kbs], or the
    one KB, named "")."""
    from kb.sync.conflict_files import conflicts

    shelf = current_shelf(ctx)
    if shelf is None:
        kb = current_kb(ctx)
        return [("", kb, conflict) for conflict in conflicts(kb.root)]
    return [
        (name, kb, conflict) for name, kb in shelf.kbs.items() for conflict in conflicts(kb.root)
    ]


def _matching(
    waiting: list[tuple[str, KnowledgeBase, Conflict]], wanted: str
) -> list[tuple[str, KnowledgeBase, Conflict]]:
    """The conflicts ``wanted`` names: by the note's path or file, the conflict file, or
    any way the note itself is found (its title)."""
    from kb.notes.naming import AmbiguousNote

    found = [
        entry
        for entry in waiting
        if wanted in (entry[2].path, entry[2].theirs) or entry[2].path.endswith("/" + wanted)
    ]
    if found:
        return found
    for kb in dict.fromkeys(kb for _name, kb, _conflict in waiting):
        try:
            names = {kb.find(wanted).rel}
        except AmbiguousNote as exc:  # the note and its conflict file share a title
            names = {candidate.path for candidate in exc.candidates}
        except KBError:
            continue
        found.extend(
            entry
            for entry in waiting
            if entry[1] is kb and (entry[2].path in names or entry[2].theirs in names)
        )
    return found


COMMANDS = [log, save, sync, resolve]
