"""``kb guide``: list the onboarding guides with your progress, or print one for a pager."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from kb.cli.helpers import current_kb, current_shelf, err, handle_errors

if TYPE_CHECKING:
    from kb.guides.guide import Guide, Step
    from kb.knowledgebase import KnowledgeBase
    from kb.notes.note import Note
    from kb.shelf import Shelf

RULE_WIDTH = 78


@click.command()
@click.argument("name", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the guides (or the guide) as JSON.")
@click.pass_context
@handle_errors
def guide(ctx: click.Context, name: tuple[str, ...], as_json: bool) -> None:
    """List guides with their steps and your reading progress, or print guide NAME.

    NAME is a path, a file name or words of the title. The guide is printed first, then each
    note of its reading path in order, ready for a pager: kb guide using kb | less.
    Read guides in the app (kb) to have your progress remembered. With several KBs in the
    config's [kbs], the guides of every KB (NAME:guide picks the KB).
    """
    from kb.guides.progress import ReadingProgress

    shelf = current_shelf(ctx)
    if shelf is not None and not name:
        _list_all(shelf, as_json)
        return
    kb, chosen = _chosen(ctx, " ".join(name)) if name else (current_kb(ctx), None)
    progress = ReadingProgress(kb.root)
    if progress.warning:
        err(f"kb: warning: {progress.warning}")
    read = progress.read
    if chosen is None:
        from kb.guides.guide import load_guides

        guides, _problems = load_guides(kb)
        _list(guides, read, progress.reader, as_json)
        return
    if as_json:
        click.echo(json.dumps(_guide_json(kb, chosen, read), indent=2, ensure_ascii=False))
    else:
        _print_guide(kb, chosen, read)
    for step in chosen.broken:
        err(f"kb: warning: step {step.number} of the guide leads nowhere: {step.problem}")


def _chosen(ctx: click.Context, wanted: str) -> tuple[KnowledgeBase, Guide]:
    """The guide ``wanted`` names, and its KB: with several KBs configured, the one KB whose
    guides match (``NAME:guide`` picks the KB)."""
    from kb.guides.guide import find_guide, load_guides
    from kb.notes.errors import KBError
    from kb.notes.naming import AmbiguousNote

    shelf = current_shelf(ctx)
    if shelf is None:
        kb = current_kb(ctx)
        return kb, find_guide(kb, wanted, load_guides(kb)[0])
    name, colon, rest = wanted.partition(":")
    if colon and rest and name in shelf.kbs:
        kb = shelf.kbs[name]
        return kb, find_guide(kb, rest, load_guides(kb)[0])
    found: list[tuple[str, KnowledgeBase, Guide]] = []
    ambiguous: list[tuple[str, AmbiguousNote]] = []
    for name, kb in shelf.kbs.items():
        try:
            found.append((name, kb, find_guide(kb, wanted, load_guides(kb)[0])))
        except AmbiguousNote as exc:
            ambiguous.append((name, exc))
        except KBError:
            continue
    if len(found) == 1 and not ambiguous:
        return found[0][1], found[0][2]
    if len(ambiguous) == 1 and not found:
        raise ambiguous[0][1]
    if not found and not ambiguous:
        raise KBError(f"no guide matches {wanted!r} in any KB (see 'kb guide' for the list)", 1)
    matched = {name for name, _kb, _guide in found} | {name for name, _exc in ambiguous}
    where = ", ".join(name for name in shelf.kbs if name in matched)
    raise KBError(
        f"{wanted!r} matches guides in several KBs ({where}): put the KB's name first "
        f"(NAME:{wanted})",
        2,
    )


def _list_all(shelf: Shelf, as_json: bool) -> None:
    """The guides of every configured KB, each marked with its KB."""
    from kb.guides.guide import load_guides
    from kb.guides.progress import ReadingProgress

    rows: list[dict[str, Any]] = []
    for name, kb in shelf.kbs.items():
        progress = ReadingProgress(kb.root)
        if progress.warning:
            err(f"kb: warning: {name}: {progress.warning}")
        for item in load_guides(kb)[0]:
            rows.append(
                {
                    "kb": name,
                    "path": item.path,
                    "title": item.title,
                    "steps": len(item.steps),
                    "read": item.read_count(progress.read),
                    "broken": len(item.broken),
                }
            )
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        err("kb: no guides in any KB; write one with: kb new --type guide --title '...'")
        sys.exit(1)
    click.echo("Guides (your progress):")
    for row in rows:
        broken = f"  [{row['broken']} broken step(s)]" if row["broken"] else ""
        done = f"{row['read']}/{row['steps']}"
        click.echo(f"  {done:>5}  [{row['kb']}] {row['title']}{broken}")
        click.echo(f"         {row['kb']}:{row['path']}")
    if sys.stdout.isatty():
        click.echo("Read one: kb guide NAME | less   (or in the app: kb, then f4)")


def _list(guides: list[Guide], read: set[str], reader: str, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "path": item.path,
                        "title": item.title,
                        "steps": len(item.steps),
                        "read": item.read_count(read),
                        "broken": len(item.broken),
                    }
                    for item in guides
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
    elif guides:
        click.echo(f"Guides ({reader}'s progress):")
        for item in guides:
            progress = f"{item.read_count(read)}/{len(item.steps)}"
            broken = f"  [{len(item.broken)} broken step(s)]" if item.broken else ""
            click.echo(f"  {progress:>5}  {item.title}{broken}")
            click.echo(f"         {item.path}")
        if sys.stdout.isatty():
            click.echo("Read one: kb guide NAME | less   (or in the app: kb, then f4)")
    if not guides:
        err("kb: no guides in this KB; write one with: kb new --type guide --title '...'")
        sys.exit(1)


def _print_guide(kb: KnowledgeBase, chosen: Guide, read: set[str]) -> None:
    total = len(chosen.steps)
    done = chosen.read_count(read)
    click.echo("=" * RULE_WIDTH)
    click.echo(f"GUIDE  {chosen.title}")
    click.echo(f"{chosen.path} · {total} step{'s' if total != 1 else ''} · read {done}/{total}")
    click.echo("=" * RULE_WIDTH)
    click.echo()
    click.echo(chosen.note.body_text.strip("\n"))
    for step in chosen.steps:
        click.echo()
        click.echo("-" * RULE_WIDTH)
        mark = " (read)" if step.path in read else ""
        click.echo(f"STEP {step.number} of {total}{mark}  {step.title}")
        note, problem = _step_note(kb, step)
        if note is None:
            click.echo(f"{problem} (kb check lists broken links)")
            click.echo("-" * RULE_WIDTH)
            continue
        facts = [note.path, note.type] + ([note.status] if note.status else [])
        click.echo(" · ".join(facts))
        click.echo("-" * RULE_WIDTH)
        click.echo()
        click.echo(note.body_text.strip("\n"))


def _step_note(kb: KnowledgeBase, step: Step) -> tuple[Note | None, str]:
    from kb.notes.errors import KBError

    if step.broken or step.path is None:
        return None, step.problem or "not found"
    try:
        return kb.note(step.path), ""
    except KBError as exc:
        return None, str(exc)


def _guide_json(kb: KnowledgeBase, chosen: Guide, read: set[str]) -> dict[str, Any]:
    steps = []
    for step in chosen.steps:
        note, problem = _step_note(kb, step)
        steps.append(
            {
                "number": step.number,
                "link": step.link.target,
                "path": step.path,
                "title": step.title,
                "type": note.type if note else None,
                "status": note.status if note else None,
                "read": step.path in read,
                "problem": problem or None,
                "body": note.body_text if note else None,
            }
        )
    return {
        "path": chosen.path,
        "title": chosen.title,
        "body": chosen.note.body_text,
        "steps": steps,
        "read": chosen.read_count(read),
        "total": len(chosen.steps),
    }


COMMANDS = [guide]
