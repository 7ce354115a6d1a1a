"""What the app does once start is over, in a thread: import the screens one key opens and
read what some of them show first, so that their first opening costs what every later one
does; load the meaning model and say if it cannot be read."""

from __future__ import annotations

import contextlib
import gc
import importlib
from typing import Any

from kb.search.meaning_table import MeaningError
from kb.tui.pauses import aside_while_typing, wait_for_typing_pause

#: The screens one key opens, and what they read with (health's modules alone take 170 ms).
PRELOADED = (
    "kb.tui.screens.help",
    "kb.tui.screens.ask",
    "kb.tui.screens.followups",
    "kb.tui.screens.guides",
    "kb.tui.screens.guide_reader",
    "kb.tui.screens.health",
    "kb.tui.screens.ticket_dialogs",
    "kb.tui.screens.note",
    "kb.tui.screens.editor",
    "kb.tui.screens.new_note",
    "kb.tui.screens.sync",
    "kb.health.stats",
    "kb.questions",
    "kb.guides",
)


def warm_up(app: Any) -> None:
    """For ``app`` (the KB app, which imports this module): import :data:`PRELOADED`; read
    the open questions and the guides, so that the first F2 and F4 show them with their first
    frame (health reads every note: it is worked out when first asked for); load the meaning
    model, and say once if it cannot be read; then leave what start made to the garbage
    collector's permanent generation. Notes owed their meaning vectors get them."""
    # Each step starts in a pause of typing: an import, the tokenizer's load and a full
    # collection hold the interpreter for tens of milliseconds at a time.
    for name in PRELOADED:
        wait_for_typing_pause(app)
        importlib.import_module(name)
    from kb.tui.screens import guides
    from kb.tui.screens.followups import read_followups

    # Each look reads every note's front matter once: not while the technician types.
    with aside_while_typing(app):
        app.last_read["followups"] = read_followups(app.shared, app.shelf)
    with aside_while_typing(app):
        app.last_read[guides.seen_key(app.shared, app.shelf)] = guides.read_guides(
            app.shared, app.shelf
        )
    model = app.kb.meaning
    if model is not None:
        # The tokenizer too: the first search typed then pays nothing for it.
        wait_for_typing_pause(app)
        with contextlib.suppress(MeaningError):
            model.tokenizer  # noqa: B018
    for shared in app.every_kb:
        # Notes a `kb search` took in without their meaning vectors get them (a search no
        # longer works them out); a busy or broken index waits for the next start.
        wait_for_typing_pause(app)
        with contextlib.suppress(Exception), shared.writing() as kb:
            kb.index.fill_vectors()
    if not app.is_headless:
        # What start made lives as long as the app: the collector's full passes, which stop
        # every thread, no longer walk it while the technician types (not in tests: a full
        # collection for each of their apps would slow the suite). Start's garbage goes
        # first.
        wait_for_typing_pause(app)
        gc.collect()
        gc.freeze()
    if app.kb.meaning_problem:
        message = f"{app.kb.meaning_problem}; ranked by words alone"
        app.call_from_thread(app.notify, message, severity="warning", markup=False)
