"""What ``kb sync``, ``kb followups`` and ``kb stats`` do when the config names several KBs:
every KB in turn, each line marked with its KB, one failing never stopping the others."""

from __future__ import annotations

import datetime as _dt
import json
import sys
from typing import TYPE_CHECKING

import click

from kb.cli.helpers import err

if TYPE_CHECKING:
    from kb.shelf import Shelf


def sync_all(shelf: Shelf) -> int:
    """Sync every KB that has a remote, one line each; the exit code (1 when one failed or
    kept a conflict for review)."""
    from kb.notes.errors import KBError
    from kb.sync.remote import has_remote
    from kb.sync.report import report_lines
    from kb.sync.syncing import sync

    code = 0
    for name, kb in shelf.kbs.items():
        remote = kb.settings.remote
        if not has_remote(kb.root, remote):
            click.echo(f"{name}: no remote {remote!r}, not synced")
            continue
        try:
            report = sync(kb)
        except (KBError, OSError) as exc:
            err(f"kb: {name}: sync failed: {exc}")
            code = max(code, 1)
            continue
        except Exception as exc:  # a git failure in one KB: the next still syncs
            err(f"kb: {name}: sync failed: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            code = max(code, 1)
            continue
        lines = report_lines(report)
        said = " ".join(line.text for line in lines if not line.warning)
        click.echo(f"{name}: {said}")
        for line in lines:
            if line.warning:
                err(f"kb: {name}: {line.text}")
        if report.conflicts or report.waiting or report.ignored:
            code = 1
    return code


def followups_all(shelf: Shelf, now: _dt.datetime, overdue: bool, as_json: bool) -> None:
    """The open questions of every KB, soonest promise first, each marked with its KB."""
    from kb import questions
    from kb.notes.control_chars import visible

    found = [
        (name, question)
        for name, kb in shelf.kbs.items()
        for question in questions.followups(kb, now=now, overdue_only=overdue)
    ]
    found.sort(
        key=lambda pair: (
            (pair[1].promised is None, pair[1].promised.timestamp())
            if pair[1].promised is not None
            else (True, 0.0)
        )
    )
    if as_json:
        rows = [{**question.to_json(now), "kb": name} for name, question in found]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No overdue questions." if overdue else "No open questions.")
        return
    noun = "question" if len(found) == 1 else "questions"
    click.echo(f"{len(found)} {'overdue' if overdue else 'open'} {noun} in {len(shelf.kbs)} KBs:")
    color = sys.stdout.isatty()
    for name, question in found:
        late = " OVERDUE" if question.is_overdue(now) else ""
        waiting = f" · waiting: {visible(question.asked_by)}" if question.asked_by else ""
        marker = click.style(name, fg="cyan") if color else name
        click.echo(f"  [{marker}] {visible(question.title)}{late}")
        click.echo(f"      {visible(question.path)}{waiting}")


def stats_all(shelf: Shelf, as_json: bool, today: _dt.date | None, days: int | None) -> None:
    """The health figures of every KB, one after the other (``--kb NAME`` gives one)."""
    from kb.health.stats import compute, report

    figures = {name: compute(kb, today=today, stale_days=days) for name, kb in shelf.kbs.items()}
    if as_json:
        data = {name: health.to_json() for name, health in figures.items()}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for number, (name, health) in enumerate(figures.items()):
        if number:
            click.echo("")
        click.echo(f"== {name} ({shelf.kbs[name].root}) ==")
        click.echo(report(health))
