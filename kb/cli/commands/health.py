"""``kb stats`` (how healthy the KB is), ``kb check`` (what needs fixing) and ``kb flag``
(mark a note for rework)."""

from __future__ import annotations

import json
import sys

import click

from kb.cli.helpers import current_kb, current_shelf, err, handle_errors, report_commit


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
@click.option(
    "--days",
    type=click.IntRange(0, 100_000),
    default=None,
    metavar="N",
    help="Questions and wip notes older than N days are stale (default: kb.toml "
    "[health] stale_days, else 14).",
)
@click.option(
    "--today",
    "today_text",
    metavar="YYYY-MM-DD",
    hidden=True,
    help="Compute the figures as on this date.",
)
@click.pass_context
@handle_errors
def stats(ctx: click.Context, as_json: bool, days: int | None, today_text: str | None) -> None:
    """Link rate, reuse, counts, stale and flagged notes, content gaps, failed searches."""
    import datetime as _dt

    from kb.health.stats import compute, report
    from kb.notes.errors import KBError

    today = None
    if today_text:
        try:
            today = _dt.date.fromisoformat(today_text)
        except ValueError:
            raise KBError(f"--today {today_text!r} is not a date (use YYYY-MM-DD)") from None
    shelf = current_shelf(ctx)
    if shelf is not None:
        from kb.cli.several import stats_all

        stats_all(shelf, as_json, today, days)
        return
    kb = current_kb(ctx)
    health = compute(kb, today=today, stale_days=days)
    if as_json:
        click.echo(json.dumps(health.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(report(health))


@click.command()
@click.argument("note")
@click.argument("reason", nargs=-1)
@click.option("--clear", is_flag=True, help="Remove the note's flag.")
@click.pass_context
@handle_errors
def flag(ctx: click.Context, note: str, reason: tuple[str, ...], clear: bool) -> None:
    """Flag NOTE for rework with REASON (shown in search results, kb stats and the app).

    NOTE is a path, a file name or title words in quotes. Editing the note with real changes
    (kb edit or the app's editor) clears the flag; --clear removes it by hand.
    """
    from kb.health.flags import clear_flag, flag_note
    from kb.notes.errors import KBError

    kb = current_kb(ctx)
    if clear:
        if reason:
            raise KBError("--clear takes no reason")
        saved, old = clear_flag(kb, note)
        if saved is None:
            err(f"kb: {kb.note_not_ticket(note).path} is not flagged")
            sys.exit(1)
        assert old is not None
        report_commit(saved)
        click.echo(f"Flag cleared on {saved.path} (it said: {old.reason})")
        return
    if not reason:
        raise KBError("say why the note needs rework: kb flag NOTE REASON (or --clear)")
    saved = flag_note(kb, note, " ".join(reason))
    report_commit(saved)
    click.echo(f"Flagged {saved.path}: {' '.join(' '.join(reason).split())}")


# --- kb check -----------------------------------------------------------------------------


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print problems as a JSON list.")
@click.pass_context
@handle_errors
def check(ctx: click.Context, as_json: bool) -> None:
    """Find broken links, bad front matter, missing sections, past review dates. Exit 1 if any.

    With several KBs in the config's [kbs], every KB is checked, each line marked with its KB.
    """
    shelf = current_shelf(ctx)
    kbs = list(shelf.kbs.items()) if shelf is not None else [("", current_kb(ctx))]
    rows: list[dict[str, object]] = []
    found_any = False
    for name, kb in kbs:
        problems = kb.check()
        found_any = found_any or bool(problems)
        where = f"{name}: " if name else ""
        if as_json:
            for p in problems:
                row: dict[str, object] = {
                    "path": p.path,
                    "line": p.line,
                    "level": p.level,
                    "message": p.message,
                }
                if name:
                    row["kb"] = name
                rows.append(row)
            continue
        for problem in problems:
            click.echo(f"{where}{problem}")
        sources, _ = kb.sources()
        click.echo(
            f"{where}{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
            f"{len(sources)} files."
            if problems
            else f"{where}No problems in {len(sources)} files."
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    if found_any:
        sys.exit(1)


COMMANDS = [stats, flag, check]
