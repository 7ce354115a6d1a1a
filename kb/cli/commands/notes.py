"""``kb show``, ``kb new`` and ``kb edit``: making and reading notes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from kb.cli.helpers import (
    current_kb,
    err,
    fail,
    handle_errors,
    in_own_kb,
    interactive,
    kb_context,
    report_commit,
    to_kb_option,
)

# --- kb show ------------------------------------------------------------------------------


@click.command()
@click.argument("note", nargs=-1, required=True)
@click.option("--at", "revision", metavar="REV", help="The note as it was at a git revision.")
@click.pass_context
@handle_errors
def show(ctx: click.Context, note: tuple[str, ...], revision: str | None) -> None:
    """Print a NOTE (a path, file name or title words). With --at, a note's path reads it
    from history even after it was deleted or moved to another KB."""
    reference = in_own_kb(ctx, " ".join(note))
    kb = current_kb(ctx)
    if revision and _gone_path(kb.root, reference):
        from kb import git

        text = git.show(kb.root, reference, revision)
        click.echo(text, nl=not text.endswith("\n"))
        return
    source = kb.find(reference)
    if revision:
        from kb import git

        text = git.show(kb.root, source.rel, revision)
    else:
        kb.require_text(source)
        text = kb.read_text(source.rel)
    click.echo(text, nl=not text.endswith("\n"))


def _gone_path(root: Path, reference: str) -> bool:
    """True for the path of a Markdown file inside the KB that is no longer on disk."""
    parts = reference.split("/")
    return (
        reference.endswith(".md")
        and not reference.startswith("/")
        and "\\" not in reference
        and all(part not in ("", ".", "..") for part in parts)
        and not os.path.lexists(root / reference)
    )


# --- kb new -------------------------------------------------------------------------------


@click.command()
@click.option("--title", "-t", required=True, help="The note's title.")
@click.option(
    "--type",
    "note_type",
    type=click.Choice(["fix", "question", "guide", "reference"]),
    default=None,
    help="The note type (default: the body's own type:, else fix).",
)
@click.option(
    "--ticket", "tickets", multiple=True, metavar="ID", help="A ticket it solved (repeatable)."
)
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option(
    "--body-file",
    type=click.File("r", encoding="utf-8"),
    help="Markdown for the note ('-' reads stdin). Without it, the template is used.",
)
@to_kb_option
@click.pass_context
@handle_errors
def new(
    ctx: click.Context,
    title: str,
    note_type: str | None,
    tickets: tuple[str, ...],
    tags: tuple[str, ...],
    body_file: Any,
    to_kb: str | None,
) -> None:
    """Write a new note notes/<slug-of-title>.md and print its path."""
    kb = kb_context(ctx).target(to_kb)
    body = None
    if body_file is not None:
        try:
            body = body_file.read()
        except UnicodeDecodeError:
            fail("the body file is not UTF-8 text")
    saved = kb.new_note(
        title, note_type=note_type, tickets=list(tickets), tags=list(tags), body=body
    )
    report_commit(saved)
    click.echo(saved.path)


# --- kb edit ------------------------------------------------------------------------------


@click.command()
@click.argument("note", nargs=-1, required=True)
@click.pass_context
@handle_errors
def edit(ctx: click.Context, note: tuple[str, ...]) -> None:
    """Open NOTE in $VISUAL/$EDITOR; when it changed, commit and reindex it."""
    from kb.notes import paths
    from kb.notes.editor import configured_editor, editor_command

    reference = in_own_kb(ctx, " ".join(note))
    kb = current_kb(ctx)
    source = kb.find(reference)
    kb.require_text(source)
    # The editor writes where it is told: only at a real path inside the KB.
    paths.writable(kb.root, source.rel)
    if configured_editor() is None and not sys.stdin.isatty():
        fail("set $EDITOR to edit notes (no terminal to open an editor in)")
    path = kb.root / source.rel
    command = editor_command(path)
    before = path.read_bytes()
    try:
        completed = subprocess.run(command, check=False)
    except OSError as exc:
        fail(f"cannot start the editor {command[0]!r}: {exc}")
        return
    if completed.returncode != 0:
        fail(f"the editor exited with status {completed.returncode}; nothing saved by kb", 2)
    if path.read_bytes() == before:
        click.echo("No changes.")
        return
    if not _front_matter_kept(kb.root, source.rel, before, command):
        return
    # The editor saved the file: kb commits and reindexes it as it is, byte for byte, except
    # that fixing a flagged note clears its flag (in the same commit).
    from kb.notes.flags import clear_after_external_edit

    cleared = clear_after_external_edit(kb.root, source.rel, before)
    if cleared is not None:
        click.echo(f"Flag cleared (it said: {cleared.reason})")
    edited = kb.note(source.rel)
    saved = kb.record_edit(source.rel, f"Edit: {edited.title}")
    for problem in edited.problems:
        err(f"warning: {problem}")
    report_commit(saved)
    click.echo(f"Saved {saved.path}")


def _front_matter_kept(root: Path, rel: str, before: bytes, command: list[str]) -> bool:
    """True when the edited note may be committed: its front matter is intact, or the user
    saw what would be lost and said to save anyway.

    Otherwise the note goes back to what it was and the edited text is kept aside; without a
    terminal to ask on, the save is refused with one line (exit 2).
    """
    from kb.notes import atomic
    from kb.notes.front_matter_guard import front_matter_damage, set_aside

    path = root / rel
    old = before.decode("utf-8", errors="replace")
    while True:
        new = path.read_bytes().decode("utf-8", errors="replace")
        damage = front_matter_damage(old, new)
        if damage is None:
            return True
        if not (sys.stdin.isatty() and interactive()):
            kept = set_aside(root, rel, new)
            atomic.write_bytes(path, before, root=root)
            fail(f"not saved: {damage.summary}; the note is unchanged, your text is in {kept}")
        err(f"kb: {damage.summary}. These lines would be lost:")
        err(damage.difference())
        choice = click.prompt(
            "Edit again, save anyway, or discard your edit?",
            type=click.Choice(["edit", "save", "discard"]),
            default="edit",
            err=True,
        )
        if choice == "save":
            return True
        if choice == "discard":
            kept = set_aside(root, rel, new)
            atomic.write_bytes(path, before, root=root)
            click.echo(f"Not saved; the note is unchanged (your text is in {kept}).")
            return False
        subprocess.run(command, check=False)


COMMANDS = [show, new, edit]
