"""``kb ask``, ``kb update``, ``kb answer``, ``kb followups``: find out, and get back."""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb.cli.helpers import (
    current_kb,
    current_shelf,
    echo_styled,
    fail,
    handle_errors,
    in_own_kb,
    kb_context,
    report_commit,
    to_kb_option,
)
from kb.notes.control_chars import visible

if TYPE_CHECKING:
    from kb.questions.asking import Question

ANSWER_GUIDE = """<!-- kb: Write the answer below this comment: the steps that solved it, as you
     would read them to the caller, and how to confirm it worked. It becomes the note's
     Resolution section; the question stays as the Issue and the update log is kept.
     Question: {title}
     Save and close the editor to save the answer; leave it empty to change nothing. -->

"""


def _now() -> _dt.datetime:
    return _dt.datetime.now().replace(second=0, microsecond=0)


# --- kb ask -------------------------------------------------------------------------------------


@click.command()
@click.argument("question", nargs=-1, required=True)
@click.option("--ticket", metavar="ID", help="The ticket the caller is on (e.g. INC0041005).")
@click.option(
    "--asked-by",
    metavar="WHO",
    help="Who is waiting, and how to reach them (e.g. 'Tom Kowalski x4412').",
)
@click.option(
    "--promised",
    metavar="WHEN",
    help="When you promised to get back: 'tomorrow 10:00', '+2h', 'fri', 'eod', "
    "'2026-11-24 15:00' (default: kb.toml [questions] default_promise).",
)
@to_kb_option
@click.option(
    "--late",
    is_flag=True,
    help="Record a promise whose time has already passed (it is listed as overdue at once).",
)
@click.pass_context
@handle_errors
def ask(
    ctx: click.Context,
    question: tuple[str, ...],
    ticket: str | None,
    asked_by: str | None,
    promised: str | None,
    to_kb: str | None,
    late: bool,
) -> None:
    """Capture a QUESTION you promised to find out about, and who is waiting for the answer.

    Similar notes are shown first (maybe it is already known); then the question is saved as
    a note (type: question), committed and listed by 'kb followups' until it is answered.
    """
    from kb import questions

    kb = kb_context(ctx).target(to_kb)
    text = " ".join(question)
    now = _now()
    # Bad input fails before anything is searched or written.
    if not text.strip():
        fail("write the question to find out, for example: kb ask 'Why does ...?'")
    questions.check_ticket(kb, ticket)
    moment = questions.parse_promise(kb, promised, now)
    if moment < now and not late:
        from kb.notes import when

        fail(
            f"the promised time {when.describe(moment, now)} has already passed; "
            "give a time to come (+2h, tomorrow 10:00), or add --late to record it as overdue"
        )
    similar = questions.similar(kb, text)
    if similar:
        click.echo("Maybe already known:")
        for hit in similar:
            facts = " · ".join(part for part in (hit.type or hit.kind, hit.status) if part)
            click.echo(f"  {hit.path}  {hit.title}  ({facts})")
        click.echo("")
    asked = questions.ask(kb, text, now=now, ticket=ticket, asked_by=asked_by, promised=promised)
    report_commit(asked.saved)
    click.echo(f"Saved {asked.saved.path}")
    click.echo(questions.promise_line(asked.question, now))


# --- kb update ----------------------------------------------------------------------------------


@click.command()
@click.argument("note")
@click.argument("message", nargs=-1, required=True)
@click.pass_context
@handle_errors
def update(ctx: click.Context, note: str, message: tuple[str, ...]) -> None:
    """Log an update given to the person waiting: MESSAGE goes at the end of NOTE's ## Updates.

    NOTE is a path, a file name or title words (quote several words). Each entry is stamped
    with the time and your git name, and committed.
    """
    from kb import questions

    note = in_own_kb(ctx, note)
    kb = current_kb(ctx)
    saved = questions.append_update(kb, note, " ".join(message), now=_now())
    report_commit(saved)
    click.echo(f"Logged the update in {saved.path}")


# --- kb answer ----------------------------------------------------------------------------------


@click.command()
@click.argument("note", nargs=-1, required=True)
@click.option(
    "--body-file",
    type=click.File("r", encoding="utf-8"),
    help="The answer in Markdown ('-' reads stdin). Without it, $EDITOR opens (on a terminal).",
)
@click.pass_context
@handle_errors
def answer(ctx: click.Context, note: tuple[str, ...], body_file: Any) -> None:
    """Answer the question NOTE: it becomes a fix note (not-validated) with your answer as the
    Resolution, and kb says who is waiting for it.
    """
    from kb import questions

    reference = in_own_kb(ctx, " ".join(note))
    kb = current_kb(ctx)
    source = kb.find(reference)
    current = kb.note(source.rel)
    if current.type != questions.QUESTION_TYPE:
        fail(
            f"{source.rel} is a {current.type or 'fix'} note, not a question; only questions "
            "can be answered"
        )
    if body_file is not None:
        try:
            text = body_file.read()
        except UnicodeDecodeError:
            fail("the answer file is not UTF-8 text")
            return
    elif sys.stdin.isatty():
        text = _answer_in_editor(current.title)
    else:
        fail("give the answer with --body-file FILE or - (stdin)")
        return
    now = _now()
    answered = questions.answer(kb, source.rel, text, now=now)
    report_commit(answered.saved)
    click.echo(f"Answered: {answered.saved.path} is now a fix note (not-validated).")
    line = questions.waiting_line(answered.question, now)
    overdue = answered.question.is_overdue(now)
    color = sys.stdout.isatty()
    line = visible(line)
    echo_styled(
        click.style(line, fg="red" if overdue else None, bold=True) if color else line, color
    )
    click.echo(f"When you have told them: kb update {answered.saved.path} 'called back: ...'")


def _answer_in_editor(title: str) -> str:
    from kb.notes.editor import editor_command

    editor = editor_command()
    handle, name = tempfile.mkstemp(prefix="kb-answer-", suffix=".md")
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(ANSWER_GUIDE.format(title=" ".join(title.split())))
        try:
            completed = subprocess.run([*editor, str(path)], check=False)
        except OSError as exc:
            fail(f"cannot start the editor {editor[0]!r}: {exc}")
        if completed.returncode != 0:
            fail(f"the editor exited with status {completed.returncode}; nothing changed")
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            fail("the answer is not UTF-8 text; nothing changed")
            return ""
    finally:
        path.unlink(missing_ok=True)


# --- kb followups -------------------------------------------------------------------------------


@click.command()
@click.option("--overdue", is_flag=True, help="Only questions whose promised time has passed.")
@click.option("--json", "as_json", is_flag=True, help="Print the questions as a JSON list.")
@click.pass_context
@handle_errors
def followups(ctx: click.Context, overdue: bool, as_json: bool) -> None:
    """Open questions, soonest promise first: who is waiting, for what, promised when.

    Exit 0 also when there are none.
    """
    from kb import questions

    now = _now()
    shelf = current_shelf(ctx)
    if shelf is not None:
        from kb.cli.several import followups_all

        followups_all(shelf, now, overdue, as_json)
        return
    kb = current_kb(ctx)
    found = questions.followups(kb, now=now, overdue_only=overdue)
    if as_json:
        click.echo(json.dumps([q.to_json(now) for q in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("No overdue questions." if overdue else "No open questions.")
        return
    late = sum(1 for question in found if question.is_overdue(now))
    noun = "question" if len(found) == 1 else "questions"
    heading = f"{len(found)} open {noun}" if not overdue else f"{len(found)} overdue {noun}"
    if late and not overdue:
        heading += f", {late} overdue"
    click.echo(heading + ":")
    color = sys.stdout.isatty()
    for question in found:
        click.echo("")
        echo_styled(_format_question(question, now, color), color)


def _format_question(question: Question, now: _dt.datetime, color: bool) -> str:
    from kb.notes import when
    from kb.search.results import age

    overdue = question.is_overdue(now)
    if question.promised is None:
        mark = "no promise"
    elif overdue:
        mark = f"OVERDUE {when.duration(now - question.promised)}"
    else:
        mark = f"due {when.relative(question.promised, now)}"
    title = visible(question.title)
    if color:
        title = click.style(title, bold=True)
        mark = click.style(mark, fg="red" if overdue else "green", bold=overdue)
    lines = [f"{'!' if overdue else ' '} {title}  [{mark}]"]
    waiting = [f"waiting: {visible(question.asked_by) or '(nobody named)'}"]
    if question.ticket:
        waiting.append(f"ticket {visible(question.ticket)}")
    if question.promised is not None:
        waiting.append(f"promised {when.describe(question.promised, now)}")
    lines.append("    " + " · ".join(waiting))
    facts = [f"owner: {visible(question.owner) or '(unknown)'}"]
    if question.created is not None:
        created = _dt.datetime.combine(question.created, _dt.time()).timestamp()
        asked = age(created, now.timestamp())
        facts.append(f"asked {asked if asked in ('today', 'yesterday') else asked + ' ago'}")
    last = question.last_update
    if last is None:
        facts.append("no update yet")
    else:
        count = len(question.updates)
        facts.append(f"{count} update{'s' if count != 1 else ''}, last: {visible(last.text)}")
    lines.append("    " + " · ".join(facts))
    lines.append(f"    {visible(question.path)}")
    return "\n".join(lines)


COMMANDS = [ask, update, answer, followups]
