"""What every kb screen shares: the shared KB, worker errors as notifications, save reports,
its keys and palette commands from the action registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from textual import events
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from kb.notes.errors import KBError
from kb.tui.actions import key_of
from kb.tui.commands import palette_commands
from kb.tui.navigation import CommitAnyway
from kb.tui.screens.dialog import DIALOG_SCREEN

if TYPE_CHECKING:
    from kb.notes.protocol import Saved
    from kb.tui.access import SharedKB
    from kb.tui.commands import PaletteCommand


def error_text(error: BaseException | None) -> str:
    """One line for the user: kb's own message, or the kind of failure and its message."""
    if error is None:
        return "something went wrong"
    if isinstance(error, KBError | OSError):
        return str(error) or type(error).__name__
    return f"{type(error).__name__}: {error}"


def report_worker_error(screen: Screen[Any], event: Worker.StateChanged) -> None:
    """Turn a failed worker into an error notification (never a traceback on screen)."""
    if event.state == WorkerState.ERROR:
        screen.app.notify(error_text(event.worker.error), severity="error", markup=False)


def report_saved(screen: Screen[Any], saved: Saved) -> None:
    """Tell the user a note was saved, and anything git or the index could not do."""
    app = screen.app
    app.notify(f"Saved {saved.path}", markup=False)
    for warning in saved.warnings:
        app.notify(warning, severity="warning", markup=False)
    if saved.commit is not None and saved.commit.secrets:
        from kb.tui.screens.confirm import ConfirmScreen

        finding = saved.commit.secrets[0]
        extra = len(saved.commit.secrets) - 1

        def decided(anyway: bool | None) -> None:
            if anyway:
                # The screen that saved may be gone by now: the app commits.
                app.post_message(CommitAnyway(saved))
            else:
                app.notify(
                    f"Not committed: remove it from line {finding.line} and save again",
                    severity="warning",
                )

        app.push_screen(
            ConfirmScreen(
                f"Line {finding.line} looks like {finding.kind}."
                + (f"\n(and {extra} more)" if extra else "")
                + "\nNotes are shared with the team. Commit it anyway?",
                "Commit anyway",
                "Not now",
            ),
            decided,
        )
        return
    if saved.commit is not None and saved.commit.warning:
        app.notify(saved.commit.warning, severity="warning", markup=False)
    if saved.index_warning:
        app.notify(saved.index_warning, severity="warning", markup=False)


class KBHost(Protocol):
    """What screens use of the app they run in (the app itself stays out of their imports)."""

    shared: SharedKB
    #: What a screen last read, by screen (shown at once the next time it opens).
    last_read: dict[str, object]


class _KBPart:
    """What every screen and dialog of the app shares: the KB, keys, palette, error reports."""

    app: Any
    #: The screen's name in the action registry: its keys, help section and palette entries.
    SCOPE: ClassVar[str] = ""
    #: The KB this screen works on when several are configured (set as it is opened);
    #: None for the app's default KB.
    bound_kb: SharedKB | None = None

    @property
    def shared(self) -> SharedKB:
        """The KB, shared with the worker threads: the one the screen was opened for."""
        return self.bound_kb or cast("KBHost", self.app).shared

    def open_kb(self, name: str | None) -> bool:
        """Make the next screen opened work on the KB called ``name`` (a ``[[NAME:note]]``
        link's KB; None: this screen's own). False, said once, when the app has not opened
        that KB (it works on one KB, or the KB could not be read)."""
        if name is None:
            self.app.opening = self.shared
            return True
        shelf = getattr(self.app, "shelf", None)
        if shelf is not None and name in shelf.kbs:
            self.app.opening = shelf.kbs[name]
            return True
        self.app.notify(
            f"That note lives in KB {name!r}, which the app has not opened "
            "(start kb without --kb to work on every KB of [kbs])",
            severity="warning",
            markup=False,
        )
        return False

    def key(self, action_id: str) -> str:
        """The first key of an action as the user has it bound ("ctrl+a"), for hints."""
        return key_of(self.app, action_id)

    def palette_commands(self) -> list[PaletteCommand]:
        """Commands this screen adds to the command palette (from the action registry)."""
        return palette_commands(self, self.SCOPE) if self.SCOPE else []  # type: ignore[arg-type]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report a failed worker."""
        report_worker_error(self, event)  # type: ignore[arg-type]


class KBScreen(_KBPart, Screen[Any]):
    """A full screen of the app."""


class KBModalScreen(_KBPart, ModalScreen[Any]):
    """A dialog over another screen (centred by the app's stylesheet).

    Keys typed while the dialog opens reach the screen before any field has focus; the
    printable ones are handed on, in order, to the field that has focus once it is there,
    so that a fast typist's first words are not lost.
    """

    DEFAULT_CLASSES = DIALOG_SCREEN

    def on_key(self, event: events.Key) -> None:
        """A printable key that came to the dialog itself goes to the focused field."""
        from textual.widgets import Input, TextArea

        focused = self.focused
        if not event.is_printable or not isinstance(focused, Input | TextArea):
            return
        # A focused field takes printable keys itself; one that reaches the screen was
        # typed before the field had focus.
        event.stop()
        event.prevent_default()
        focused.post_message(events.Key(event.key, event.character))
