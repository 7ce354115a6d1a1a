"""The ``kb`` command line: a scriptable face over :class:`kb.knowledgebase.KnowledgeBase`.

Exit codes: 0 ok, 1 nothing found / check failed, 2 usage or input error. Errors are one line
on stderr, never a traceback (set ``KB_DEBUG=1`` to see one).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from kb.knowledgebase import KnowledgeBase
    from kb.problems import Problem
    from kb.search import Hit

F = TypeVar("F", bound=Callable[..., Any])


class KBContext:
    """What every command needs: where the KB is, opened on first use."""

    def __init__(self, kb_dir: str | None, allow_secrets: bool = False) -> None:
        self.kb_dir = kb_dir
        self.allow_secrets = allow_secrets
        #: Print kb.toml problems on stderr when the KB is opened (kb check lists them itself).
        self.warn_settings = True
        self._kb: KnowledgeBase | None = None

    @property
    def kb(self) -> KnowledgeBase:
        """The KB to work on (``--kb``, ``$KB_DIR``, config, or the personal starter KB)."""
        if self._kb is None:
            from kb.config import locate
            from kb.knowledgebase import KnowledgeBase

            location = locate(self.kb_dir)
            if location.source == "personal" and not location.path.exists():
                from kb.starter import create_personal_kb

                create_personal_kb(location.path)
                _err(f"Created your personal KB at {location.path} from the starter notes.")
            self._kb = KnowledgeBase.open(location.path)
            self._kb.allow_secrets = self.allow_secrets
            if self.warn_settings:
                # A broken kb.toml drops the team's secret and ticket rules: say so every time.
                for problem in self._kb.settings.problems:
                    _err(f"kb: warning: {problem}")
        return self._kb


def _err(message: str) -> None:
    click.echo(message, err=True)


def _fail(message: str, code: int = 2) -> None:
    _err(f"kb: {message}")
    sys.exit(code)


def handle_errors(function: F) -> F:
    """Turn every failure into one line on stderr and an exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kb.engine import IndexBusy
        from kb.errors import KBError
        from kb.git import GitError
        from kb.knowledgebase import AmbiguousNote

        try:
            return function(*args, **kwargs)
        except AmbiguousNote as exc:
            _err(f"kb: {exc}:")
            for note in exc.candidates[:20]:
                _err(f"  {note.path}  {note.title}")
            sys.exit(exc.code)
        except KBError as exc:
            _fail(str(exc), exc.code)
        except IndexBusy as exc:
            _fail(str(exc), 2)
        except GitError as exc:
            _fail(str(exc), 2)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:
            if os.environ.get("KB_DEBUG"):
                raise
            _fail(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", 2)
        except Exception as exc:
            if os.environ.get("KB_DEBUG"):
                raise
            if type(exc).__module__.startswith("git."):
                # GitPython's errors span several lines: the one line of git worth reading.
                from kb.git import first_line

                _fail(f"git failed: {first_line(exc)}", 2)
            _fail(f"unexpected error: {type(exc).__name__}: {exc} (KB_DEBUG=1 shows details)", 2)

    return wrapper  # type: ignore[return-value]


class KBGroup(click.Group):
    """The ``kb`` group: usage errors are one line on stderr too, like every other error."""

    def main(self, *args: Any, standalone_mode: bool = True, **extra: Any) -> Any:
        """Run the command line; a usage error prints one line and exits 2.

        Everything printed shows control characters escaped: titles, snippets, names and
        error messages come from teammates' notes and service-desk exports.
        """
        with _visible_output():
            try:
                return self._main(*args, standalone_mode=standalone_mode, **extra)
            finally:
                from kb.user_patterns import timed_out

                with contextlib.suppress(OSError, ValueError):  # stderr may be closed
                    for line in timed_out():
                        _err(f"kb: warning: {line}")

    def _main(self, *args: Any, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **extra)
        try:
            result = super().main(*args, standalone_mode=False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "kb"
            message = exc.format_message().rstrip(".")
            _err(f"kb: {message} (see '{where} --help')")
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            _err("kb: aborted")
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@contextlib.contextmanager
def _visible_output() -> Iterator[None]:
    """Route stdout and stderr through :class:`kb.control_chars.VisibleWriter`."""
    from kb.control_chars import VisibleWriter

    saved = sys.stdout, sys.stderr
    if isinstance(sys.stdout, VisibleWriter) or sys.stdout is None or sys.stderr is None:
        yield
        return
    sys.stdout, sys.stderr = VisibleWriter(sys.stdout), VisibleWriter(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _echo_styled(message: str, color: bool) -> None:
    """Print a line kb coloured itself (every field in it already passed through
    :func:`kb.control_chars.visible`): the colours pass, nothing else is raw."""
    from kb.control_chars import raw

    if not color:
        click.echo(message)
        return
    with raw(sys.stdout):
        click.echo(message, color=True)


@click.group(
    cls=KBGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--kb",
    "kb_dir",
    metavar="DIR",
    help="The KB to use (default: $KB_DIR, then the config file, then your personal KB).",
)
@click.option(
    "--allow-secrets",
    is_flag=True,
    help="Commit and push text that looks like a password, key or token anyway.",
)
@click.version_option(package_name="kb", message="kb %(version)s")
@click.pass_context
@handle_errors
def main(ctx: click.Context, kb_dir: str | None, allow_secrets: bool) -> None:
    """kb: find the fix mid-call, keep the find-out promise, share it through git.

    Run kb alone to open the app (or, without a terminal, an overview of the KB).
    """
    ctx.obj = KBContext(kb_dir, allow_secrets)
    ctx.obj.warn_settings = ctx.invoked_subcommand != "check"
    if ctx.invoked_subcommand is not None:
        return
    kb = ctx.obj.kb
    if sys.stdin.isatty() and sys.stdout.isatty():
        from kb.tui import create_app

        create_app(knowledge_base=kb).run()
        return
    # No terminal (a script, cron): an overview instead of the app.
    sources, _ = kb.sources()
    notes = sum(1 for source in sources if source.kind == "note")
    click.echo(f"KB: {kb.root}")
    click.echo(f"{notes} notes, {len(sources) - notes} ticket records.")
    click.echo("Search with:  kb search 'words the caller said'")
    click.echo("All commands: kb --help")


def _kb(ctx: click.Context) -> KnowledgeBase:
    return ctx.find_object(KBContext).kb  # type: ignore[union-attr]


# --- kb init ------------------------------------------------------------------------------


@main.command()
@click.argument("directory", required=False, default=".")
@handle_errors
def init(directory: str) -> None:
    """Create a KB in DIRECTORY (default: here): folders, kb.toml, templates, git."""
    from kb.knowledgebase import KnowledgeBase

    kb = KnowledgeBase.init(directory)
    if kb.init_warning:
        _err(f"kb: warning: {kb.init_warning}")
    click.echo(f"KB ready at {kb.root}")
    click.echo(f"Use it with: kb --kb {kb.root} ...  (or export KB_DIR={kb.root})")


# --- kb search ----------------------------------------------------------------------------


@main.command(context_settings={"ignore_unknown_options": True})
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
    kb = _kb(ctx)
    report = kb.reindex(progress=_progress_printer() if _interactive() else None)
    _clear_progress()
    if report.rebuilt:
        _warn_problems(report.problems, quiet=True)
    text = " ".join(query)
    results = kb.search(text, limit=limit, refresh=False)
    from kb import searchlog

    searchlog.record(kb.root, text, len(results), results.weak, "cli")
    if as_json:
        click.echo(json.dumps([hit.to_json() for hit in results], indent=2, ensure_ascii=False))
    else:
        if results and results.weak:
            click.echo("No strong match. Closest notes:")
        if results.corrected:
            click.echo("(some words matched with spelling corrected)")
        color = sys.stdout.isatty()
        for rank, hit in enumerate(results, start=1):
            _echo_styled(_format_hit(rank, hit, color), color)
    if not results:
        shown = text if len(text) <= 60 else text[:57] + "..."
        _err(f"Nothing found for {shown!r}.")
        sys.exit(1)


def _format_hit(rank: int, hit: Hit, color: bool) -> str:
    from kb.control_chars import visible
    from kb.search import age

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
    from kb.control_chars import visible

    if not color or not spans:
        return visible(text)
    out, last = [], 0
    for start, end in spans:
        out.append(visible(text[last:start]))
        out.append(click.style(visible(text[start:end]), fg="yellow", bold=True))
        last = end
    out.append(visible(text[last:]))
    return "".join(out)


# --- kb show ------------------------------------------------------------------------------


@main.command()
@click.argument("note", nargs=-1, required=True)
@click.option("--at", "revision", metavar="REV", help="The note as it was at a git revision.")
@click.pass_context
@handle_errors
def show(ctx: click.Context, note: tuple[str, ...], revision: str | None) -> None:
    """Print a NOTE (a path, file name or title words)."""
    kb = _kb(ctx)
    source = kb.find(" ".join(note))
    if revision:
        from kb import git

        text = git.show(kb.root, source.rel, revision)
    else:
        kb.require_text(source)
        text = kb.read_text(source.rel)
    click.echo(text, nl=not text.endswith("\n"))


# --- kb new -------------------------------------------------------------------------------


@main.command()
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
@click.pass_context
@handle_errors
def new(
    ctx: click.Context,
    title: str,
    note_type: str | None,
    tickets: tuple[str, ...],
    tags: tuple[str, ...],
    body_file: Any,
) -> None:
    """Write a new note notes/<slug-of-title>.md and print its path."""
    kb = _kb(ctx)
    body = None
    if body_file is not None:
        try:
            body = body_file.read()
        except UnicodeDecodeError:
            _fail("the body file is not UTF-8 text")
    saved = kb.new_note(
        title, note_type=note_type, tickets=list(tickets), tags=list(tags), body=body
    )
    _report_commit(saved)
    click.echo(saved.path)


def _report_commit(saved: Any) -> None:
    """Say what happened in git and the index; exit 2 when the save was not committed.

    A note kb saved is committed, or the user is told that it was not, and why, with a
    non-zero exit (scripts must not take a note on disk for a shared one).
    """
    for warning in getattr(saved, "warnings", []):
        _err(f"kb: warning: {warning}")
    if saved.index_warning:
        _err(f"kb: {saved.path}: saved; {saved.index_warning}")
    if saved.commit is not None and saved.commit.secrets:
        for finding in saved.commit.secrets[:10]:
            _err(f"kb: {finding}")
        _err(
            f"kb: {saved.path}: saved on disk but not committed: remove the secret and run "
            "'kb save', or run 'kb --allow-secrets save' if it is not one"
        )
        sys.exit(2)
    if saved.commit is not None and saved.commit.warning:
        _err(f"kb: {saved.path}: saved on disk but {saved.commit.warning}")
        sys.exit(2)


# --- kb edit ------------------------------------------------------------------------------


@main.command()
@click.argument("note", nargs=-1, required=True)
@click.pass_context
@handle_errors
def edit(ctx: click.Context, note: tuple[str, ...]) -> None:
    """Open NOTE in $VISUAL/$EDITOR; when it changed, commit and reindex it."""
    from kb import paths

    kb = _kb(ctx)
    source = kb.find(" ".join(note))
    kb.require_text(source)
    # The editor writes where it is told: only at a real path inside the KB.
    paths.writable(kb.root, source.rel)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        if not sys.stdin.isatty():
            _fail("set $EDITOR to edit notes (no terminal to open an editor in)")
        editor = "nano" if _on_path("nano") else "vi"
    path = kb.root / source.rel
    before = path.read_bytes()
    try:
        completed = subprocess.run([*shlex.split(editor), str(path)], check=False)
    except (OSError, ValueError) as exc:
        _fail(f"cannot start the editor {editor!r}: {exc}")
        return
    if completed.returncode != 0:
        _fail(f"the editor exited with status {completed.returncode}; nothing saved by kb", 2)
    if path.read_bytes() == before:
        click.echo("No changes.")
        return
    # The editor saved the file: kb commits and reindexes it as it is, byte for byte, except
    # that fixing a flagged note clears its flag (in the same commit).
    from kb.flags import clear_after_external_edit

    cleared = clear_after_external_edit(kb.root, source.rel, before)
    if cleared is not None:
        click.echo(f"Flag cleared (it said: {cleared.reason})")
    edited = kb.note(source.rel)
    saved = kb.record_edit(source.rel, f"Edit: {edited.title}")
    for problem in edited.problems:
        _err(f"warning: {problem}")
    _report_commit(saved)
    click.echo(f"Saved {saved.path}")


def _on_path(name: str) -> bool:
    import shutil

    return shutil.which(name) is not None


# --- kb index -----------------------------------------------------------------------------


@main.command()
@click.option("--rebuild", is_flag=True, help="Build the index from scratch.")
@click.pass_context
@handle_errors
def index(ctx: click.Context, rebuild: bool) -> None:
    """Bring the search index up to date (only changed files, unless --rebuild)."""
    kb = _kb(ctx)
    report = kb.reindex(rebuild=rebuild, progress=_progress_printer() if _interactive() else None)
    _clear_progress()
    _warn_problems(report.problems)
    how = f"rebuilt ({report.rebuilt})" if report.rebuilt else "updated"
    click.echo(
        f"Index {how} in {report.seconds:.1f} s: {len(report.added)} added, "
        f"{len(report.changed)} changed, {len(report.deleted)} removed, "
        f"{report.unchanged} unchanged; {len(report.problems)} warning"
        f"{'s' if len(report.problems) != 1 else ''}."
    )


def _warn_problems(problems: list[Problem], quiet: bool = False) -> None:
    shown = problems[:5] if quiet else problems
    for problem in shown:
        _err(f"{problem.level}: {problem}")
    if len(problems) > len(shown):
        _err(f"... and {len(problems) - len(shown)} more (see 'kb index' or 'kb check')")


def _interactive() -> bool:
    return sys.stderr.isatty()


_progress_state = {"last": 0.0, "shown": False}


def _progress_printer() -> Callable[[int, int, str], None]:
    def show(done: int, total: int, path: str) -> None:
        now = time.monotonic()
        if done != total and now - _progress_state["last"] < 0.1:
            return
        _progress_state["last"] = now
        _progress_state["shown"] = True
        width = 50
        name = path if len(path) <= width else "…" + path[-width + 1 :]
        sys.stderr.write(f"\rIndexing {done}/{total} {name:<{width}}")
        sys.stderr.flush()

    return show


def _clear_progress() -> None:
    if _progress_state["shown"]:
        sys.stderr.write("\r" + " " * 80 + "\r")
        sys.stderr.flush()
        _progress_state["shown"] = False


# --- kb check -----------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print problems as a JSON list.")
@click.pass_context
@handle_errors
def check(ctx: click.Context, as_json: bool) -> None:
    """Find broken links, bad front matter, missing sections, past review dates. Exit 1 if any."""
    kb = _kb(ctx)
    problems = kb.check()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {"path": p.path, "line": p.line, "level": p.level, "message": p.message}
                    for p in problems
                ],
                indent=2,
            )
        )
    else:
        for problem in problems:
            click.echo(f"{problem}")
        sources, _ = kb.sources()
        click.echo(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {len(sources)} files."
            if problems
            else f"No problems in {len(sources)} files."
        )
    if problems:
        sys.exit(1)


# --- more commands, one module per area -------------------------------------------------------
# Each module adds its commands to ``main`` when imported (they use the helpers above).
from kb.commands import history  # noqa: E402, F401, I001  (log, save, sync, resolve)
from kb.commands import questions  # noqa: E402, F401  (ask, update, answer, followups)
from kb.commands import guides, health  # noqa: E402, F401
from kb.commands import ticketing  # noqa: E402, F401
