"""``kb share``: a personal note, when it is ready, moves into a team KB."""

from __future__ import annotations

import click

from kb.cli.helpers import err, handle_errors, kb_context


@click.command()
@click.argument("note", nargs=-1, required=True)
@click.option("--to", "to_kb", metavar="TEAM", help="The team KB, by its name in [kbs].")
@click.pass_context
@handle_errors
def share(ctx: click.Context, note: tuple[str, ...], to_kb: str | None) -> None:
    """Move NOTE from its KB into the team KB TEAM: one commit in each, ticket links,
    reading progress and flags kept. Refused if TEAM has a note of that name or the note
    holds what looks like a secret. Send it to the team with kb sync.
    """
    from kb.notes.errors import KBError
    from kb.shelf.sharing import share as share_note

    shelf = kb_context(ctx).shelf
    if shelf is None:
        raise KBError("kb share needs two KBs named in the config's [kbs] table (and no --kb)")
    moved = share_note(shelf, " ".join(note), to_kb)
    tickets = f", with {len(moved.tickets)} ticket link(s)" if moved.tickets else ""
    click.echo(f"Shared {moved.path} from {moved.source} to {moved.target}{tickets}.")
    from kb.notes.control_chars import visible

    for line in moved.relinked:
        click.echo(f"Link kept: {visible(line, lines=False)}")
    for warning in moved.warnings:
        err(f"kb: warning: {visible(warning, lines=False)}")
    click.echo(f"Run 'kb sync' to send it to the team ({moved.target}).")


COMMANDS = [share]
