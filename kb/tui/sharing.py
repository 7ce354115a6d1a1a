"""Sharing a note from the app: which team KB, then ``kb share`` in a thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.shelf.sharing import SharedNote
    from kb.tui.screens.base import KBScreen


def ask_and_share(screen: KBScreen, path: str) -> None:
    """Ask which KB the note at ``path`` goes to (the only other one is offered), then share."""
    from kb.tui.screens.prompt import PromptScreen

    app: Any = screen.app
    shelf = app.shelf
    if shelf is None:
        app.notify("Sharing needs a team KB: name it in the config's [kbs]", severity="warning")
        return
    here = shelf.name_of(screen.shared)
    others = [name for name in shelf.kbs if name != here]
    if not others:
        app.notify("No other KB to share to", severity="warning")
        return

    def chosen(name: str | None) -> None:
        if name and name.strip():
            _share(app, f"{here}:{path}", name.strip())

    app.push_screen(
        PromptScreen(
            f"Share {path} from {here} to which KB? ({', '.join(others)})",
            label="Team KB",
            value=others[0],
            enter="shares",
            back="cancels",
        ),
        chosen,
    )


def _share(app: Any, reference: str, to: str) -> None:
    def run() -> None:
        from contextlib import ExitStack

        from kb.shelf.sharing import share

        shelf = app.shelf
        try:
            # Every KB's write lock, in the config's order, so that no other save interleaves.
            with ExitStack() as held:
                for shared in shelf.kbs.values():
                    held.enter_context(shared.writing())
                moved = share(shelf.shelf, reference, to)
        except Exception as exc:  # the refusal or failure, as one line
            from kb.tui.screens.base import error_text

            app.call_from_thread(app.notify, error_text(exc), severity="error", markup=False)
            return
        app.call_from_thread(_shared, app, moved)

    app.run_worker(run, thread=True, exit_on_error=False, group="share")


def _shared(app: Any, moved: SharedNote) -> None:
    app.notify(f"Shared {moved.path} to {moved.target}; F5 sends it to the team", markup=False)
    for line in moved.relinked:
        app.notify(f"Link kept: {line}", markup=False)
    for warning in moved.warnings:
        app.notify(warning, severity="warning", markup=False)
    while len(app.screen_stack) > 1:
        app.pop_screen()
    app.home.refresh_results()
