"""The ``kb`` command group: options every command shares, and the commands of each area.

The commands live in :mod:`kb.cli.commands`, one module per area, and are added here: they
know nothing of the group, so importing one never imports the others.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from typing import Any

import click

from kb.cli.helpers import KBContext, err, handle_errors, reader_gone, visible_output

#: Each command and the module of kb.cli.commands that holds it: a command imports its own
#: module only, so ``kb search`` never pays for git history, sync or ticket imports.
COMMAND_AREAS: dict[str, str] = {
    "init": "joining", "clone": "joining",
    "show": "notes", "new": "notes", "edit": "notes",
    "search": "search", "index": "search", "words": "search",
    "log": "history", "save": "history", "sync": "history", "resolve": "history",
    "ask": "questions", "update": "questions", "answer": "questions", "followups": "questions",
    "guide": "guides",
    "stats": "health", "flag": "health", "check": "health",
    "link": "ticketing", "unlink": "ticketing", "ticket": "ticketing", "import": "ticketing",
    "share": "sharing",
}  # fmt: skip


class KBGroup(click.Group):
    """The ``kb`` group: usage errors are one line on stderr too, like every other error.
    Commands are imported when they are run (or listed), not when kb starts."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, sorted (as click lists them)."""
        return sorted(COMMAND_AREAS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported now; None for a name kb does not know."""
        area = COMMAND_AREAS.get(cmd_name)
        if area is None:
            return None
        module = importlib.import_module(f"kb.cli.commands.{area}")
        for command in module.COMMANDS:
            if command.name == cmd_name:
                return command
        return None

    def main(self, *args: Any, standalone_mode: bool = True, **extra: Any) -> Any:
        """Run the command line; a usage error prints one line and exits 2.

        Everything printed shows control characters escaped: titles, snippets, names and
        error messages come from teammates' notes and service-desk exports.
        """
        try:
            with visible_output():
                try:
                    return self._main(*args, standalone_mode=standalone_mode, **extra)
                finally:
                    # Only a command that used the team's patterns can have dropped one.
                    patterns = sys.modules.get("kb.notes.user_patterns")
                    with contextlib.suppress(OSError, ValueError):  # stderr may be closed
                        for line in patterns.timed_out() if patterns is not None else ():
                            err(f"kb: warning: {line}")
                    # Written out now, while a reader that went away can still be told apart.
                    sys.stdout.flush()
        except BrokenPipeError:
            reader_gone()

    def _main(self, *args: Any, standalone_mode: bool = True, **extra: Any) -> Any:
        # Typed as Any: click's overloads of main() do not take these arguments passed on.
        group: Any = super()
        if not standalone_mode:
            return group.main(*args, standalone_mode=False, **extra)
        try:
            result = group.main(*args, standalone_mode=False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "kb"
            message = exc.format_message().rstrip(".")
            err(f"kb: {message} (see '{where} --help')")
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            err("kb: aborted")
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


#: Commands that commit: on a terminal, kb makes sure git knows who the user is first.
COMMITTING = frozenset(
    ["new", "edit", "link", "ask", "update", "answer", "save", "sync", "import", "share", "flag"]
)


@click.group(
    cls=KBGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--kb",
    "kb_dir",
    metavar="DIR|NAME",
    help="The KB to use, a folder or a name of the config's [kbs] (default: $KB_DIR, then "
    "every KB of the config, then your personal KB).",
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
    if ctx.invoked_subcommand in COMMITTING and sys.stdin.isatty():
        # Before the commit, not after it failed: on a terminal kb asks who the user is.
        from kb.cli.commands.joining import ensure_identity

        ensure_identity(ctx.obj.kb.root)
    if ctx.invoked_subcommand is not None:
        return
    kb = ctx.obj.kb
    if sys.stdin.isatty() and sys.stdout.isatty():
        from kb.tui import create_app

        create_app(knowledge_base=kb, shelf=ctx.obj.shelf).run()
        return
    # No terminal (a script, cron): an overview instead of the app (of every configured KB).
    shelf = ctx.obj.shelf
    for name, each in shelf.kbs.items() if shelf is not None else [("", kb)]:
        sources, _ = each.sources()
        notes = sum(1 for source in sources if source.kind == "note")
        mark = f" ({name}{', the default' if each is kb else ''})" if name else ""
        click.echo(f"KB: {each.root}{mark}")
        click.echo(f"{notes} notes, {len(sources) - notes} ticket records.")
    click.echo("Search with:  kb search 'words the caller said'")
    click.echo("All commands: kb --help")
