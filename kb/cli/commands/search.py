"""``kb search`` and ``kb index``: ranked fixes for a caller's words, and the index behind them."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import TYPE_CHECKING

import click

from kb.cli.helpers import (
    clear_progress,
    current_kb,
    current_shelf,
    echo_styled,
    err,
    handle_errors,
    kb_context,
    progress_printer,
    warn_problems,
)

if TYPE_CHECKING:
    from kb.knowledgebase.facade import KnowledgeBase
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
    lang:fr keeps the notes of a language folder (pages.fr/), lang:main the others; without
    it, notes in your language ([search] language in the user config) rank above translations.
    With several KBs in the config, all are searched; kb:NAME narrows to one.
    Put -- before a query that could be read as an option. Exit 1 when nothing is found.
    """
    text = " ".join(query)
    shelf = current_shelf(ctx)
    if shelf is not None:
        # Every configured KB at once, each taking in what changed on disk first (a few
        # edited notes without their meaning vectors: kb.search.vectors_owed).
        searched = list(shelf.kbs.values())
        for each in searched:
            each.index.vectors_later = True
        worked = _worked_out(searched)
        results = shelf.search(text, limit=limit)
        kb = shelf.default
    else:
        from kb.git.early_look import forget_early

        kb_context(ctx).look_early = True
        try:
            kb = current_kb(ctx)
            # Only what changed since the last search is read again (git tells which files),
            # a few notes without their meaning vectors (kb.search.vectors_owed).
            kb.index.vectors_later = True
            report = kb.refresh(progress=progress_printer())
        finally:
            forget_early()  # git started early and not needed (a rebuild) is stopped
        clear_progress()
        if report is not None and report.rebuilt:
            # Never silently: a rebuild is why this search took long.
            err(f"kb: search index rebuilt ({report.rebuilt}) in {report.seconds:.1f} s")
            warn_problems(report.problems, quiet=True)
        searched = [kb]
        worked = _worked_out(searched)
        results = kb.search(_one_kb_query(ctx, text), limit=limit, refresh=False)
    if kb.meaning_problem:
        from kb.notes.control_chars import visible

        err(f"warning: {visible(kb.meaning_problem)}; ranked by words alone")
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
    if _worked_out(searched) > worked:
        _give_vectors(searched)
    if not results:
        from kb.notes.control_chars import visible

        # As typed (a pasted path keeps single backslashes), control characters shown escaped.
        shown = text if len(text) <= 60 else text[:57] + "..."
        err(f"Nothing found for “{visible(shown, lines=False)}”.")
        sys.exit(1)


def _worked_out(kbs: list[KnowledgeBase]) -> int:
    """How many hits' meaning vectors the models of these KBs worked out in this process."""
    models = {id(model): model for kb in kbs if (model := kb.meaning) is not None}
    return sum(model.worked_out for model in models.values())


def _give_vectors(kbs: list[KnowledgeBase]) -> None:
    """This search worked out the meaning of notes indexed without it (their vectors owed:
    kb.search.vectors_owed), so the model is loaded by now: those notes get their vectors in
    the index, once the hits are out, and the next search does not pay again. Only when the
    index is free at once: a busy one leaves them to another update."""
    from kb.search.engine import IndexBusy

    sys.stdout.flush()
    for kb in kbs:
        with contextlib.suppress(IndexBusy, OSError):
            kb.index.fill_vectors(timeout=0)


def _one_kb_query(ctx: click.Context, text: str) -> str:
    """The query for a search of one KB: a ``kb:NAME`` word naming that KB (the name ``--kb``
    gave) is dropped; one naming another KB is a usage error (exit 2), never words to find."""
    if "kb:" not in text:
        return text  # the common case: nothing more to import
    from kb.notes.errors import KBError
    from kb.shelf.shelf import split_kb_filter

    rest, names = split_kb_filter(text)
    if not names:
        return text
    own = kb_context(ctx).kb_dir
    others = [name for name in names if name != own]
    if others:
        where = f"--kb {own}" if own else "one KB"
        raise KBError(f"kb:{others[0]} asks for another KB than this search's ({where})", 2)
    return rest


def _format_hit(rank: int, hit: Hit, color: bool) -> str:
    from kb.notes.control_chars import visible
    from kb.search.results import age

    badge = "ticket" if hit.kind == "ticket" else (hit.type or "note")
    facts = [visible(hit.path), badge]
    if hit.kb:
        facts.insert(0, click.style(hit.kb, fg="cyan") if color else hit.kb)
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
    if hit.conflict:
        waiting = "conflict waiting: kb resolve"
        facts.append(click.style(waiting, fg="yellow") if color else waiting)
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
    """Bring the search index up to date (only changed files, unless --rebuild).

    With several KBs in the config's [kbs], every KB's index, one line each.
    """
    from kb.notes.local_state import new_warnings

    shelf = current_shelf(ctx)
    kbs = list(shelf.kbs.items()) if shelf is not None else [("", current_kb(ctx))]
    for name, kb in kbs:
        report = kb.reindex(rebuild=rebuild, progress=progress_printer())
        clear_progress()
        # Errors every time; a warning once (kb check lists them all).
        errors = [problem for problem in report.problems if problem.level == "error"]
        warnings = [problem for problem in report.problems if problem.level != "error"]
        fresh = set(new_warnings(kb.root, [str(problem) for problem in warnings]))
        warn_problems([*errors, *[p for p in warnings if str(p) in fresh]])
        how = f"rebuilt ({report.rebuilt})" if report.rebuilt else "updated"
        click.echo(
            f"{name + ': ' if name else ''}Index {how} in {report.seconds:.1f} s: "
            f"{len(report.added)} added, {len(report.changed)} changed, "
            f"{len(report.deleted)} removed, {report.unchanged} unchanged; "
            f"{len(report.problems)} warning{'s' if len(report.problems) != 1 else ''}."
        )
        if report.compacted:
            versions = "version" if report.compacted == 1 else "versions"
            click.echo(
                f"{name + ': ' if name else ''}Index compacted: dropped {report.compacted} old "
                f"{versions} of edited or removed notes."
            )


# --- kb words -----------------------------------------------------------------------------


@click.command("words")
@click.argument("note", required=False)
@click.option("--add", "add", metavar="QUERY", help="Teach NOTE the plain words of QUERY.")
@click.option("--forget", is_flag=True, help="Remove NOTE's learned words (or only WORD...).")
@click.option("--word", "words", multiple=True, metavar="WORD", help="With --forget: this word.")
@click.option("--json", "as_json", is_flag=True, help="Print the words as JSON.")
@click.pass_context
@handle_errors
def words_command(
    ctx: click.Context,
    note: str | None,
    add: str | None,
    forget: bool,
    words: tuple[str, ...],
    as_json: bool,
) -> None:
    """Search words learned from use: a search that ended in opening, copying from or linking
    a note makes its words find that note next time, for the whole team.

    Without NOTE, list every note's learned words. With NOTE: its words; --add QUERY teaches it
    QUERY's words; --forget removes them all, or only those given with --word.
    """
    from kb.notes.control_chars import visible

    kb = current_kb(ctx)
    if (add or forget or words) and note is None:
        raise click.UsageError("--add and --forget need a NOTE")
    if add is not None and forget:
        raise click.UsageError("use --add or --forget, not both")
    if words and not forget:
        raise click.UsageError("--word goes with --forget")
    if note is not None and (add is not None or forget):
        outcome = (
            kb.learn(add, note) if add is not None else kb.forget_words(note, list(words) or None)
        )
        if as_json:
            click.echo(
                json.dumps(
                    {"path": outcome.note, "changed": outcome.words, "words": outcome.standing}
                )
            )
            return
        what = "learned" if add is not None else "forgot"
        if outcome.words:
            click.echo(f"{visible(outcome.note)}: {what} {', '.join(outcome.words)}")
        else:
            click.echo(f"{visible(outcome.note)}: nothing to change")
        return
    learned = kb.learned_words()
    if note is not None:
        path = kb.note_not_ticket(note).path
        learned = {path: learned.get(path, [])}
    if as_json:
        click.echo(json.dumps([{"path": p, "words": w} for p, w in sorted(learned.items())]))
        return
    if not any(learned.values()):
        click.echo("No learned search words." if note is None else f"{note}: no learned words.")
        return
    for path, found in sorted(learned.items()):
        click.echo(f"{visible(path)}: {', '.join(found)}")


COMMANDS = [search, index, words_command]
