"""What every ``kb`` command shares: the KB it works on, one-line errors and exit codes, output
that never prints a control character raw, and progress on stderr.

Exit codes: 0 ok, 1 nothing found / check failed, 2 usage or input error. Errors are one line
on stderr, never a traceback (set ``KB_DEBUG=1`` to see one).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from pathlib import Path

    from kb.knowledgebase import KnowledgeBase
    from kb.notes.problems import Problem
    from kb.shelf import Shelf

F = TypeVar("F", bound=Callable[..., Any])


class KBContext:
    """What every command needs: where the KB is, opened on first use."""

    def __init__(self, kb_dir: str | None, allow_secrets: bool = False) -> None:
        self.kb_dir = kb_dir
        self.allow_secrets = allow_secrets
        #: Print kb.toml problems on stderr when the KB is opened (kb check lists them itself).
        self.warn_settings = True
        self._kb: KnowledgeBase | None = None
        self._shelf: Shelf | None = None
        self._shelf_read = False
        #: A command that only reads (kb search) lets git start on what changed at once.
        self.look_early = False

    @property
    def shelf(self) -> Shelf | None:
        """Every KB of the config's ``[kbs]`` table, opened together; None when one KB is
        meant (``--kb``, ``$KB_DIR``, or a config without ``[kbs]``). A KB that cannot be
        opened is reported once here and left out."""
        if not self._shelf_read:
            self._shelf_read = True
            if self.kb_dir or os.environ.get("KB_DIR"):
                return None
            from kb.notes.user_config import read_kbs
            from kb.shelf import Shelf

            config = read_kbs()
            for problem in config.problems:
                err(f"kb: warning: config: {problem}")
            self._shelf = Shelf.open(config)
            if self._shelf is not None:
                for missing in self._shelf.unavailable:
                    err(f"kb: warning: {missing}")
                for kb in self._shelf.kbs.values():
                    kb.allow_secrets = self.allow_secrets
        return self._shelf

    def named_folder(self) -> Path | None:
        """The folder ``--kb`` names (a folder, or a name of the config's ``[kbs]``); None
        without ``--kb``. ``$KB_DIR`` is not asked: it names the KB to use, not one to make."""
        from pathlib import Path

        if not self.kb_dir:
            return None
        return self._named(self.kb_dir) or Path(self.kb_dir).expanduser()

    @staticmethod
    def _named(name: str) -> Path | None:
        """The folder ``--kb NAME`` names in the config's ``[kbs]`` (None: a folder was given,
        or the config cannot be read, which only matters when no folder is given)."""
        from kb.notes.errors import KBError
        from kb.notes.user_config import read_kbs

        try:
            return read_kbs().folders.get(name)
        except KBError:
            return None

    @staticmethod
    def _unknown_name(given: str, folder: Path) -> None:
        """``--kb`` gave a bare word that is neither a name of the config's ``[kbs]`` nor a
        folder: one line naming both, with the names there are."""
        from kb.notes.errors import KBError
        from kb.notes.user_config import read_kbs

        if "/" in given or os.sep in given or given.startswith("~"):
            return
        try:
            known = list(read_kbs().folders)
        except KBError:
            return
        if known:
            raise KBError(
                f"no KB named {given!r} in the config's [kbs] (known: {', '.join(known)}) "
                f"and no KB folder at {folder}"
            )

    def target(self, name: str | None) -> KnowledgeBase:
        """Where a new note goes: the KB called ``name`` (``--to``), else the default one."""
        if name is None:
            return self.kb
        shelf = self.shelf
        if shelf is None:
            from kb.notes.errors import KBError

            raise KBError("--to needs KBs named in the config's [kbs] table (and no --kb)")
        self._kb = shelf.get(name)
        return self._kb

    def kb_of(self, reference: str) -> tuple[KnowledgeBase, str]:
        """The KB that holds the note ``reference`` (its own KB, when several are configured)
        and the reference to use inside it (``NAME:note`` picks the KB)."""
        shelf = self.shelf
        if shelf is None:
            return self.kb, reference
        _, kb, inside = shelf.holder(reference)
        self._kb = kb
        return kb, inside

    @property
    def kb(self) -> KnowledgeBase:
        """The KB to work on (``--kb``, ``$KB_DIR``, config, or the personal starter KB)."""
        if self._kb is None:
            from kb.notes.user_config import locate

            named = self._named(self.kb_dir) if self.kb_dir else None
            shelf = None if named is not None else self.shelf
            location = None if named is not None or shelf is not None else locate(self.kb_dir)
            folder = named if location is None else location.path
            if self.look_early and folder is not None:
                from kb.git.early_look import look_early

                # git reads every note's time while the modules load and the index opens.
                look_early(folder)
            from kb.knowledgebase import KnowledgeBase

            if named is not None:
                self._kb = KnowledgeBase.open(named)
                self._kb.allow_secrets = self.allow_secrets
                return self._kb
            if shelf is not None:
                self._kb = shelf.default
                return self._kb
            assert location is not None
            if named is None and self.kb_dir and not location.path.exists():
                self._unknown_name(self.kb_dir, location.path)
            if location.source == "personal" and not location.path.exists():
                KnowledgeBase.create_personal(location.path).close()
                err(f"Created your personal KB at {location.path} from the starter notes.")
            self._kb = KnowledgeBase.open(location.path)
            self._kb.allow_secrets = self.allow_secrets
            if self.warn_settings:
                # A broken kb.toml drops the team's secret and ticket rules: say so every time.
                for problem in self._kb.settings.problems:
                    err(f"kb: warning: {problem}")
        return self._kb


def current_kb(ctx: click.Context) -> KnowledgeBase:
    """The KB the command works on (opened on first use)."""
    return ctx.find_object(KBContext).kb  # type: ignore[union-attr]


def current_shelf(ctx: click.Context) -> Shelf | None:
    """Every configured KB, when the command should work on all of them (see KBContext)."""
    return ctx.find_object(KBContext).shelf  # type: ignore[union-attr]


def in_own_kb(ctx: click.Context, reference: str) -> str:
    """Make the KB that holds the note ``reference`` the command's KB (with several KBs
    configured, a note is read and edited in its own KB); the reference to use there."""
    _, inside = kb_context(ctx).kb_of(reference)
    return inside


def kb_context(ctx: click.Context) -> KBContext:
    """What the command knows of its KBs."""
    found = ctx.find_object(KBContext)
    assert found is not None
    return found


#: ``--to NAME``: the KB of the config's [kbs] a new note or question goes to.
to_kb_option = click.option(
    "--to",
    "to_kb",
    metavar="NAME",
    help="The KB to write to, by its name in the config's [kbs] (default: default_kb).",
)


def err(message: str) -> None:
    click.echo(message, err=True)


def fail(message: str, code: int = 2) -> None:
    err(f"kb: {message}")
    sys.exit(code)


def handle_errors(function: F) -> F:
    """Turn every failure into one line on stderr and an exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kb.git.repository import GitError
        from kb.notes.errors import KBError
        from kb.notes.naming import AmbiguousNote
        from kb.search.engine import IndexBusy

        try:
            return function(*args, **kwargs)
        except AmbiguousNote as exc:
            err(f"kb: {exc}:")
            for note in exc.candidates[:20]:
                err(f"  {note.path}  {note.title}")
            sys.exit(exc.code)
        except KBError as exc:
            fail(str(exc), exc.code)
        except IndexBusy as exc:
            fail(str(exc), 2)
        except GitError as exc:
            fail(str(exc), 2)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except BrokenPipeError:
            reader_gone()
        except OSError as exc:
            if os.environ.get("KB_DEBUG"):
                raise
            fail(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", 2)
        except Exception as exc:
            if os.environ.get("KB_DEBUG"):
                raise
            if type(exc).__module__.startswith("git."):
                # GitPython's errors span several lines: the one line of git worth reading.
                from kb.git.repository import first_line

                fail(f"git failed: {first_line(exc)}", 2)
            fail(f"unexpected error: {type(exc).__name__}: {exc} (KB_DEBUG=1 shows details)", 2)

    return wrapper  # type: ignore[return-value]


def reader_gone() -> NoReturn:
    """The reader of kb's output stopped early (``kb search ... | head``): stop quietly.

    Whatever is still buffered for it goes nowhere, so that Python has nothing to complain
    about when it flushes at exit; the exit code is 0, as for any reader that had enough.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ is not None else 1)
    sys.exit(0)


@contextlib.contextmanager
def visible_output() -> Iterator[None]:
    """Route stdout and stderr through :class:`kb.notes.control_chars.VisibleWriter`."""
    from kb.notes.control_chars import VisibleWriter

    saved = sys.stdout, sys.stderr
    if isinstance(sys.stdout, VisibleWriter) or sys.stdout is None or sys.stderr is None:
        yield
        return
    sys.stdout, sys.stderr = VisibleWriter(sys.stdout), VisibleWriter(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def echo_styled(message: str, color: bool) -> None:
    """Print a line kb coloured itself (every field in it already passed through
    :func:`kb.notes.control_chars.visible`): the colours pass, nothing else is raw."""
    from kb.notes.control_chars import raw

    if not color:
        click.echo(message)
        return
    with raw(sys.stdout):
        click.echo(message, color=True)


def report_commit(saved: Any) -> None:
    """Say what happened in git and the index; exit 2 when the save was not committed.

    A note kb saved is committed, or the user is told that it was not, and why, with a
    non-zero exit (scripts must not take a note on disk for a shared one).
    """
    for warning in getattr(saved, "warnings", []):
        err(f"kb: warning: {warning}")
    if saved.index_warning:
        err(f"kb: {saved.path}: saved; {saved.index_warning}")
    if saved.commit is not None and saved.commit.secrets:
        for finding in saved.commit.secrets[:10]:
            err(f"kb: {finding}")
        err(
            f"kb: {saved.path}: saved on disk but not committed: remove the secret and run "
            "'kb save', or run 'kb --allow-secrets save' if it is not one"
        )
        sys.exit(2)
    if saved.commit is not None and saved.commit.warning:
        err(f"kb: {saved.path}: saved on disk but {saved.commit.warning}")
        sys.exit(2)


def warn_problems(problems: list[Problem], quiet: bool = False) -> None:
    shown = problems[:5] if quiet else problems
    for problem in shown:
        err(f"{problem.level}: {problem}")
    if len(problems) > len(shown):
        err(f"... and {len(problems) - len(shown)} more (see 'kb index' or 'kb check')")


def interactive() -> bool:
    return sys.stderr.isatty()


_progress_state = {"last": 0.0, "shown": False}


#: Without a terminal (a log, a pipe), a long indexing says how far it is this often (s).
PROGRESS_LINE_EVERY = 10.0


def progress_printer() -> Callable[[int, int, str], None]:
    """How indexing reports its progress on stderr: a line redrawn in place on a terminal,
    else (a log, a pipe) one line every :data:`PROGRESS_LINE_EVERY` seconds of a long run."""
    if not interactive():
        started = time.monotonic()
        said = {"last": started}

        def log(done: int, total: int, path: str) -> None:
            now = time.monotonic()
            if done == total or now - said["last"] < PROGRESS_LINE_EVERY:
                return
            said["last"] = now
            sys.stderr.write(f"kb: indexing {done}/{total} notes ({now - started:.0f} s so far)\n")
            sys.stderr.flush()

        return log

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


def clear_progress() -> None:
    if _progress_state["shown"]:
        sys.stderr.write("\r" + " " * 80 + "\r")
        sys.stderr.flush()
        _progress_state["shown"] = False
