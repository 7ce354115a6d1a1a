"""Sync with the team from the app: progress as it goes, the result, and conflicts to settle."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from kb.tui.actions import bindings
from kb.tui.navigation import ResultsStale
from kb.tui.screens.base import KBModalScreen, error_text
from kb.tui.screens.conflict import ConflictScreen

if TYPE_CHECKING:
    from kb.notes.secrets import Finding
    from kb.sync.conflict_files import Conflict
    from kb.sync.report import SyncReport
    from kb.tui.access import SharedKB


class SyncStep(Message):
    """The sync moved on to a new step."""

    def __init__(self, text: str, done: bool = False) -> None:
        super().__init__()
        self.text = text
        #: A line that says what happened, not a step under way.
        self.done = done


class SyncDone(Message):
    """The sync ended: a report, or the one-line reason it stopped."""

    def __init__(
        self,
        report: SyncReport | None,
        error: str | None = None,
        secrets: list[Finding] | None = None,
        kb: str = "",
    ) -> None:
        super().__init__()
        self.report = report
        self.error = error
        self.secrets = secrets or []
        #: The short name of the KB synced, when every configured KB is ("" otherwise).
        self.kb = kb


class ConflictsFound(Message):
    """The conflicts waiting in the KB."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__()
        self.conflicts = conflicts


def report_lines(report: SyncReport) -> list[str]:
    """What a sync did, in a few lines (as the command line says it)."""
    from kb.sync.report import report_lines as lines_of

    return [line.text for line in lines_of(report)]


class SyncScreen(KBModalScreen):
    """Runs ``kb sync`` in a thread (or only lists conflicts) and shows what happened."""

    CSS_PATH = "sync.tcss"
    SCOPE: ClassVar[str] = "sync"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, run: bool = True) -> None:
        super().__init__()
        self.run = run
        self.running = False
        self.conflicts: list[Conflict] = []
        #: KBs whose sync has not reported yet (when every configured KB is synced).
        self.pending = 0
        #: KBs whose sync failed or kept a conflict (when every configured KB is synced).
        self.troubled: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(
                "Sync with the team" if self.run else "Conflicts",
                id="sync-title",
                classes="dialog-title",
            )
            yield Static("", id="sync-log")
            yield OptionList(id="conflicts")
            yield Label(f"{self.key('back')} closes", id="sync-hint", classes="dialog-hint")

    def on_mount(self) -> None:
        """Start the sync, or look for conflicts."""
        self.query_one("#conflicts", OptionList).display = False
        self.log_lines: list[Text] = []
        if self.run:
            self.start(allow_secrets=False)
        else:
            self.find_conflicts()

    def _log(self, text: str, style: str = "") -> None:
        self.log_lines.append(Text(text, style=style))
        self.query_one("#sync-log", Static).update(Text("\n").join(self.log_lines))

    def start(self, allow_secrets: bool) -> None:
        """Run the sync in a worker."""
        self.running = True
        self.sync_worker(allow_secrets)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def sync_worker(self, allow_secrets: bool) -> None:
        """Commit, fetch, merge, push and reindex, holding the KB's write lock (every
        configured KB that has a remote in turn; one failing does not stop the others)."""
        shelf = self.app.shelf
        if shelf is None:
            self._sync_one(self.shared, allow_secrets)
            return
        from kb.sync.remote import has_remote

        with_remote = []
        for name, shared in shelf.kbs.items():
            if has_remote(shared.kb.root, shared.kb.settings.remote):
                with_remote.append((name, shared))
            else:
                self.post_message(SyncStep(f"{name}: no remote, not synced", done=True))
        # Counted before the first report is posted: the screen knows when the last one ends.
        self.troubled = []
        self.pending = len(with_remote)
        if not with_remote:
            self.post_message(SyncStep("No configured KB has a remote to sync with.", done=True))
        for name, shared in with_remote:
            self._sync_one(shared, allow_secrets, name)

    def _sync_one(self, shared: SharedKB, allow_secrets: bool, name: str = "") -> None:
        from kb.notes.errors import KBError
        from kb.sync.report import SecretsFound
        from kb.sync.syncing import sync

        def step(text: str) -> None:
            self.post_message(SyncStep(f"{name}: {text}" if name else text))

        with shared.writing() as kb:
            before = kb.allow_secrets
            kb.allow_secrets = allow_secrets or before
            try:
                report = sync(kb, step)
            except SecretsFound as exc:
                self.post_message(SyncDone(None, str(exc), exc.findings, kb=name))
                return
            except KBError as exc:
                self.post_message(SyncDone(None, str(exc), kb=name))
                return
            except Exception as exc:  # a git failure kb did not foresee: one line, no crash
                self.post_message(SyncDone(None, error_text(exc), kb=name))
                return
            finally:
                kb.allow_secrets = before
        self.post_message(SyncDone(report, kb=name))

    def on_sync_step(self, message: SyncStep) -> None:
        """Show progress."""
        if message.done:
            self._log(message.text)
        else:
            self._log(f"{message.text}…", "dim")

    def on_sync_done(self, message: SyncDone) -> None:
        """Show the result; offer what comes next."""
        if message.kb:
            self._every_kb_done(message)
            return
        self.running = False
        if message.secrets:
            for finding in message.secrets[:5]:
                self._log(str(finding), "bold red")
            from kb.tui.screens.confirm import ConfirmScreen

            def decided(anyway: bool | None) -> None:
                if anyway:
                    self._log("Sending anyway, as you confirmed.", "yellow")
                    self.start(allow_secrets=True)

            self.app.push_screen(
                ConfirmScreen(
                    "This looks like a password, key or token. Share it with the team anyway?",
                    "Share anyway",
                    "Stop",
                ),
                decided,
            )
            return
        if message.error:
            self._log(message.error, "bold red")
            self.app.notify(f"Sync stopped: {message.error}", severity="error", markup=False)
            return
        assert message.report is not None
        for line in report_lines(message.report):
            self._log(line)
        self.post_message(ResultsStale())
        kept = message.report.conflicts + message.report.waiting
        if kept:
            self._log(
                f"{len(kept)} file(s) changed on both sides: both versions are kept. "
                "Choose one to settle:",
                "bold yellow",
            )
            self.show_conflicts(kept)
        else:
            self.app.notify("Sync finished")

    def _every_kb_done(self, message: SyncDone) -> None:
        # One KB of several: its lines marked with its name; conflicts are settled in it
        # with kb resolve (this screen settles those of one KB).
        self.pending -= 1
        self.running = self.pending > 0
        name = message.kb
        if message.secrets:
            self.troubled.append(name)
            for finding in message.secrets[:5]:
                self._log(f"{name}: {finding}", "bold red")
            self._log(f"{name}: not sent (remove the secret, or run kb --kb {name} sync)", "red")
        elif message.error:
            self.troubled.append(name)
            self._log(f"{name}: {message.error}", "bold red")
        elif message.report is not None:
            for line in report_lines(message.report):
                self._log(f"{name}: {line}")
            kept = message.report.conflicts + message.report.waiting
            if kept:
                self.troubled.append(name)
                self._log(
                    f"{name}: {len(kept)} file(s) changed on both sides, both versions kept: "
                    f"settle with kb resolve {name}:NOTE",
                    "bold yellow",
                )
        if not self.running:
            self.post_message(ResultsStale())
            if self.troubled:
                self.app.notify(
                    f"Sync finished; not settled in {', '.join(self.troubled)} (see the log)",
                    severity="warning",
                    markup=False,
                )
            else:
                self.app.notify("Sync finished")

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def find_conflicts(self) -> None:
        """The conflicts waiting from earlier syncs."""
        from kb.sync.conflict_files import conflicts

        self.post_message(ConflictsFound(conflicts(self.shared.kb.root)))

    def on_conflicts_found(self, message: ConflictsFound) -> None:
        """List them, or say there are none."""
        if not message.conflicts:
            self._log("No conflicts waiting.")
            return
        self.show_conflicts(message.conflicts)

    def show_conflicts(self, conflicts: list[Conflict]) -> None:
        """A list to pick a conflict from."""
        self.conflicts = conflicts
        options = self.query_one("#conflicts", OptionList)
        options.clear_options()
        options.add_options(
            [
                Option(Text.assemble((c.path, "bold"), f"  and the {c.who} version"), id=str(i))
                for i, c in enumerate(conflicts)
            ]
        )
        options.display = True
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Open the two versions side by side."""
        conflict = self.conflicts[int(event.option.id or 0)]

        def settled(done: bool | None) -> None:
            if done:
                self.conflicts.remove(conflict)
                if self.conflicts:
                    self.show_conflicts(self.conflicts)
                else:
                    self.dismiss()

        self.app.push_screen(ConflictScreen(conflict), settled)

    def action_close(self) -> None:
        """Close (the sync goes on in the background if it is still running)."""
        if self.running:
            self.app.notify("The sync goes on in the background")
        self.dismiss()
