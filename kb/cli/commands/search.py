"""``kb search`` and ``kb index``: ranked fixes for a caller's words, and the index behind them."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from kb.cli.helpers import (
    clear_progress,
    current_kb,
    echo_styled,
    err,
    handle_errors,
    interactive,
    progress_printer,
    warn_problems,
)

if TYPE_CHECKING:
    from kb.search.results import Hit


# --- kb search ----------------------------------------------------------------------------


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print hits as a JSON list.")
@click.pass_context
@handle_errors
def search(ctx: click.Context, query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Search notes and tickets. QUERY words, "phrases", -exclusions and filters

    tag: type: status: ticket: system: author: (for example: kb search vpn dns -mac tag:remote).
    Put -- before a query that could be read as an option. Exit 1 when nothing is found.
    """
    kb = current_kb(ctx)
    # Only what changed since the last search is read again (git tells which files).
    report = kb.refresh(progress=progress_printer() if interactive() else None)
    clear_progress()
    if report is not None and report.rebuilt:
        warn_problems(report.problems, quiet=True)
    text = " ".join(query)
    results = kb.search(text, limit=limit, refresh=False)
    from kb.search import log

    log.record(kb.root, text, len(results), results.weak, "cli")
    if as_json:
        click.echo(json.dumps([hit.to_json() for hit in results], indent=2, ensure_ascii=False))
    else:
        if results and results.weak:
            click.echo("No strong match. Closest notes:")
        if results.corrected:
            click.echo("(some words matched with spelling corrected)")
        color = sys.stdout.isatty()
        for rank, hit in enumerate(results, start=1):
            echo_styled(_format_hit(rank, hit, color), color)
    if not results:
        shown = text if len(text) <= 60 else text[:57] + "..."
        err(f"Nothing found for {shown!r}.")
        sys.exit(1)


def _format_hit(rank: int, hit: Hit, color: bool) -> str:
    from kb.notes.control_chars import visible
    from kb.search.results import age

    badge = "ticket" if hit.kind == "ticket" else (hit.type or "note")
    facts = [visible(hit.path), badge]
    if hit.status:
        facts.append(visible(hit.status))
    if hit.ticket_count and hit.kind != "ticket":
        facts.append(f"{hit.ticket_count} ticket{'s' if hit.ticket_count != 1 else ''}")
    if hit.modified:
        when = age(hit.modified)
        facts.append(when if when in ("today", "yesterday") else f"{when} ago")
    if hit.flag:
        flag = f"flagged: {visible(hit.flag)}"
        facts.append(click.style(flag, fg="red") if color else flag)
    title = click.style(visible(hit.title), bold=True) if color else visible(hit.title)
    snippet = _highlight(hit.snippet, hit.highlights, color)
    return f"{rank:>2}. {title}\n    {' · '.join(facts)}\n    {snippet}"


def _highlight(text: str, spans: list[tuple[int, int]], color: bool) -> str:
    from kb.notes.control_chars import visible

    if not color or not spans:
        return visible(text)
    out, last = [], 0
    for start, end in spans:
        out.append(visible(text[last:start]))
        out.append(click.style(visible(text[start:end]), fg="yellow", bold=True))
        last = end
    out.append(visible(text[last:]))
    return "".join(out)


# --- kb index -----------------------------------------------------------------------------


@click.command()
@click.option("--rebuild", is_flag=True, help="Build the index from scratch.")
@click.pass_context
@handle_errors
def index(ctx: click.Context, rebuild: bool) -> None:
    """Bring the search index up to date (only changed files, unless --rebuild)."""
    kb = current_kb(ctx)
    report = kb.reindex(rebuild=rebuild, progress=progress_printer() if interactive() else None)
    clear_progress()
    warn_problems(report.problems)
    how = f"rebuilt ({report.rebuilt})" if report.rebuilt else "updated"
    click.echo(
        f"Index {how} in {report.seconds:.1f} s: {len(report.added)} added, "
        f"{len(report.changed)} changed, {len(report.deleted)} removed, "
        f"{report.unchanged} unchanged; {len(report.problems)} warning"
        f"{'s' if len(report.problems) != 1 else ''}."
    )


COMMANDS = [search, index]
