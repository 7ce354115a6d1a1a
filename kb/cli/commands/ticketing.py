"""``kb link``, ``kb unlink``, ``kb ticket`` and ``kb import``: notes tied to the tickets they
solved, and service-desk exports read into ticket records."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb.cli.helpers import current_kb, current_shelf, err, fail, handle_errors, in_own_kb

if TYPE_CHECKING:
    from kb.notes.protocol import Saved
    from kb.tickets.importers.save import ImportProgress
    from kb.tickets.linking import TicketNote, TicketView


@click.command()
@click.argument("note")
@click.argument("ticket", required=False)
@click.option(
    "--reference",
    is_flag=True,
    help="The note informed the ticket but did not solve it (not counted as reuse).",
)
@click.option("--json", "as_json", is_flag=True, help="With NOTE alone: its tickets as JSON.")
@click.pass_context
@handle_errors
def link(ctx: click.Context, note: str, ticket: str | None, reference: bool, as_json: bool) -> None:
    """Record that NOTE solved TICKET (or informed it, with --reference).

    The link keeps the note's revision at this moment (the version given to the caller), the
    date and who linked it; unsaved changes to the note are committed first. With NOTE alone,
    list the tickets the note is tied to. NOTE is a path, a file name or title words (quote
    several words).
    """
    note = in_own_kb(ctx, note)
    kb = current_kb(ctx)
    if ticket is None:
        _list_note_tickets(ctx, note, as_json)
        return
    outcome = kb.link(note, ticket, "reference" if reference else "resolution")
    from kb.git.revisions import short

    if not outcome.changed:
        click.echo(
            f"{outcome.ticket} is already linked to {outcome.note} ({outcome.kind}"
            f"{f', revision {short(outcome.rev)}' if outcome.rev else ''}); nothing changed."
        )
        return
    if outcome.edit is not None and outcome.edit.commit is not None and outcome.edit.commit.sha:
        err(f"Committed your changes to {outcome.note} first (Edit: {outcome.title}).")
    for warning in outcome.warnings:
        err(f"kb: warning: {warning}")
    _report(outcome.saved)
    revision = f", revision {short(outcome.rev)}" if outcome.rev else ""
    click.echo(f"Linked {outcome.ticket} → {outcome.note} ({outcome.kind}{revision})")


@click.command()
@click.argument("note")
@click.argument("ticket")
@click.pass_context
@handle_errors
def unlink(ctx: click.Context, note: str, ticket: str) -> None:
    """Remove the link between NOTE and TICKET (the history keeps that it existed)."""
    outcome = current_kb(ctx).unlink(in_own_kb(ctx, note), ticket)
    _report(outcome.saved)
    click.echo(f"Unlinked {outcome.ticket} from {outcome.note}")


@click.command()
@click.argument("ticket_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the ticket and its notes as JSON.")
@click.pass_context
@handle_errors
def ticket(ctx: click.Context, ticket_id: str, as_json: bool) -> None:
    """Show ticket ID and every note linked to it, with the revision that was given.

    Exit 1 when the KB has no record of the ticket and no note names it.
    """
    shelf = current_shelf(ctx)
    if shelf is None:
        view, names = current_kb(ctx).ticket(ticket_id), list[str]()
    else:
        from kb.shelf.tickets import ticket_everywhere

        view, names = ticket_everywhere(list(shelf.kbs.items()), ticket_id)
    if as_json:
        data = view.to_json()
        for row, name in zip(data["notes"], names, strict=False):
            row["kb"] = name
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    _print_ticket(view, names)


@click.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["servicenow", "jira", "zendesk", "glpi", "csv", "json"]),
    help="The export's format (default: told from the file). csv and json use "
    "[import.mapping] in kb.toml.",
)
@click.pass_context
@handle_errors
def import_(ctx: click.Context, file: str, export_format: str | None) -> None:
    """Import a service-desk export (FILE) into tickets/ as ticket records.

    ServiceNow CSV or JSON, Jira/JSM CSV, Zendesk JSON (its admin CSV has no descriptions),
    GLPI CSV, or any CSV/JSON mapped in kb.toml. Importing the same file again changes
    nothing; changed tickets are updated; records written by hand are never overwritten.
    """
    from kb.tickets.importers.detect import FORMAT_NAMES
    from kb.tickets.importers.save import import_tickets

    kb = current_kb(ctx)
    shown = _ImportProgress(Path(file).name, sys.stderr.isatty())
    try:
        report = import_tickets(kb, file, export_format, progress=shown)
    finally:
        shown.clear()
    how = "detected" if report.detected else "as asked"
    click.echo(f"{report.file}: {FORMAT_NAMES.get(report.format, report.format)} export ({how})")
    for warning in report.warnings:
        err(f"kb: warning: {warning}")
    if report.finished:
        noun = "record" if report.finished == 1 else "records"
        click.echo(
            f"Committed {report.finished:,} ticket {noun} an interrupted import had left "
            "uncommitted."
        )
    noun = "ticket" if report.tickets == 1 else "tickets"
    click.echo(f"{report.tickets:,} {noun}: {report.summary()}")
    for line, why in report.bad[:20]:
        err(f"  {report.unit} {line}: {why}")
    if report.bad_count > 20:
        err(f"  … and {report.bad_count - 20:,} more bad rows")
    if report.refused:
        # The records are on disk but not in git: a run that shares nothing is no success.
        for finding in report.refused[:10]:
            err(f"kb: {finding}")
    if report.saved is not None:
        _report(report.saved)
    written = report.new + report.updated
    if report.commits and written:
        commits = len(report.commits) - report.finished_commits
        how_many = f" in {commits:,} commits" if commits > 1 else ""
        click.echo(f"Committed{how_many}: {report.commit_message()}")
    elif report.tickets and not written:
        click.echo("Nothing changed; nothing committed.")
    if report.refused:
        fail(
            f"{len(report.refused):,} imported ticket record(s) are saved on disk but not "
            "committed: remove the secret (from the record, or from the export and import "
            "again) and run 'kb save', or run 'kb --allow-secrets save' if it is not one"
        )
    if not report.tickets:
        fail(f"no ticket could be imported from {report.file}", 1)


class _ImportProgress:
    """Shows how far a long import is on stderr: a line kept up to date on a terminal,
    else a line every PROGRESS_EVERY seconds (so that a log shows it is alive)."""

    #: Seconds between lines when stderr is not a terminal.
    PROGRESS_EVERY = 10.0

    def __init__(self, file: str, interactive: bool) -> None:
        self.file = file
        self.interactive = interactive
        self.last = time.monotonic()
        self.shown = False

    def __call__(self, progress: ImportProgress) -> None:
        now = time.monotonic()
        wait = 0.1 if self.interactive else self.PROGRESS_EVERY
        if now - self.last < wait:
            return
        self.last = now
        if progress.total:
            rows = f"{progress.rows:,}/{progress.total:,} rows"
        else:
            rows = f"{progress.rows:,} rows"
        line = (
            f"Importing {rows} ({progress.rate:,.0f} rows/s), {progress.written:,} written, "
            f"{progress.committed:,} committed"
        )
        if progress.step in ("committing", "indexing", "finishing"):
            line += f"; {progress.step}"
        if self.interactive:
            sys.stderr.write("\r" + line[:110].ljust(110) + "\r")
            self.shown = True
        else:
            sys.stderr.write(f"kb: {self.file}: {line}\n")
        sys.stderr.flush()

    def clear(self) -> None:
        """Take the progress line away (on a terminal)."""
        if self.shown:
            sys.stderr.write("\r" + " " * 110 + "\r")
            sys.stderr.flush()
            self.shown = False


# --- output helpers --------------------------------------------------------------------------


def _report(saved: Saved | None) -> None:
    # A change kb made that is not committed is a failure: say why, exit non-zero.
    if saved is None:
        return
    if saved.index_warning:
        err(f"kb: warning: {saved.index_warning}")
    if saved.commit is not None and saved.commit.warning:
        err(f"kb: {saved.path}: saved on disk but {saved.commit.warning}")
        sys.exit(2)


def _list_note_tickets(ctx: click.Context, reference: str, as_json: bool) -> None:
    from kb.tickets.linking import note_tickets

    kb = current_kb(ctx)
    note = kb.note(reference)
    tied = note_tickets(kb, note)
    if as_json:
        click.echo(
            json.dumps(
                [{**entry.to_json(), "ticket": entry.path, "path": None} for entry in tied],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not tied:
        fail(f"{note.path} is linked to no ticket (link one: kb link NOTE TICKET)", 1)
    click.echo(f"{note.title}  ({note.path})")
    for entry in tied:
        click.echo("  " + _tie_line(entry, entry.path))


def _tie_line(entry: TicketNote, subject: str) -> str:
    from kb.git.revisions import short

    when = entry.at.replace("T", " ")[:16] if entry.at else ""
    facts = [f"{entry.kind:<10}", short(entry.rev) or "-" * 7]
    facts.extend(part for part in (when, entry.by) if part)
    title = f"  {entry.title}" if entry.title else ""
    return f"{'  '.join(facts)}  {subject}{title}"


def _print_ticket(view: TicketView, names: list[str]) -> None:
    """The ticket for a reader; ``names``: each linked note's KB (none with one KB)."""
    record = view.record
    if record is not None:
        fields = record.fields
        title = " ".join(str(fields.get("title") or "").split()) or record.title
        from kb.cli.helpers import echo_styled
        from kb.notes.control_chars import visible

        heading = visible(f"{view.id}  {title}")
        color = sys.stdout.isatty()
        echo_styled(click.style(heading, bold=True) if color else heading, color)
        facts = [
            f"{label} {value}"
            for label, key in (
                ("status", "status"),
                ("opened", "opened"),
                ("resolved", "resolved"),
                ("caller", "caller"),
                ("assignee", "assignee"),
                ("category", "category"),
            )
            if (value := " ".join(str(fields.get(key) or "").split()))
        ]
        if facts:
            click.echo(" · ".join(facts))
        click.echo(f"Record: {record.path}")
    else:
        click.echo(view.id)
        click.echo("No ticket record in tickets/ (kb import reads service-desk exports).")
    if view.url:
        click.echo(f"Open: {view.url}")
    if record is not None:
        from kb.tickets.records import sections

        parts = sections(record.body_text)
        for section in ("description", "resolution"):
            text = parts.get(section, "").strip()
            if text:
                click.echo(f"\n{section.capitalize()}:")
                click.echo(_excerpt(text))
    click.echo(f"\nLinked notes ({len(view.notes)}):" if view.notes else "\nNo note linked yet.")
    where = [f"{name}:" for name in names] or [""] * len(view.notes)
    for entry, prefix in zip(view.notes, where, strict=True):
        click.echo("  " + _tie_line(entry, prefix + entry.path))
    given = next(
        ((entry, prefix) for entry, prefix in zip(view.notes, where, strict=True) if entry.rev),
        None,
    )
    if given is not None:
        from kb.git.revisions import short

        entry, prefix = given
        click.echo(f"\nThe version given: kb show {prefix}{entry.path} --at {short(entry.rev)}")


def _excerpt(text: str, lines: int = 8) -> str:
    shown = [line for line in text.splitlines() if line.strip()]
    body = "\n".join(f"  {line}" for line in shown[:lines])
    return body + ("\n  …" if len(shown) > lines else "")


COMMANDS = [link, unlink, ticket, import_]
