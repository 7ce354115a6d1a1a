"""What keeps pauses out of the app's loop while the technician types.

A search runs Python in a worker thread: the loop must get the interpreter back within a
millisecond of a key, not after the default 5 ms turn of that thread. A full garbage
collection stops every thread for 15-30 ms on a big KB: what start made is moved out of the
collector's reach (``gc.freeze``, once the first frame is drawn), and full collections come
ten times less often (young objects are still collected as often as before). Work that
reads every file waits for a pause in typing, and steps aside when typing starts again.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import os
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar, cast

from kb.notes import pace

#: Seconds a thread may hold the interpreter while the loop waits for it.
SWITCH_INTERVAL = 0.001
#: Collections of the middle generation between two full ones (Python's default: 10).
FULL_COLLECTION_AFTER = 100
#: Seconds without a key in the search box before work that reads every file goes on (the
#: preload at start, the overdue notice, the half-minute promise check).
TYPING_PAUSE = 1.0
#: How nice a background tidy-up is (0 normal, 19 the least urgent).
BACKGROUND_NICENESS = 10

T = TypeVar("T")


def wait_for_typing_pause(app: Any) -> None:
    """In a thread: return once the technician has not typed for :data:`TYPING_PAUSE`
    seconds (``app.typed_at``): work that reads every file must not take turns from keys."""
    while (left := app.typed_at + TYPING_PAUSE - time.monotonic()) > 0:
        time.sleep(left)


def aside_while_typing(app: Any) -> AbstractContextManager[None]:
    """In a thread, around work that reads every file: it starts once typing pauses, and
    when a key comes meanwhile it stops at its next checkpoint (:mod:`kb.notes.pace`, a few
    milliseconds away) until typing pauses again."""
    wait_for_typing_pause(app)
    return pace.paced(lambda: wait_for_typing_pause(app))


def at_low_priority(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own at a lower priority and wait for it: a tidy-up
    beside the technician's typing leaves the processors to the app first. On Linux a thread
    has its own niceness, which the threads it starts (Tantivy's) inherit; a thread of its
    own, because a thread cannot be made urgent again and the app's workers are pooled.
    Elsewhere the work runs at the usual priority."""
    context = contextvars.copy_context()  # the pace of aside_while_typing goes with it
    outcome: dict[str, Any] = {}

    def run() -> None:
        native_id = threading.get_native_id()
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                now = os.getpriority(os.PRIO_PROCESS, native_id)
                os.setpriority(os.PRIO_PROCESS, native_id, max(BACKGROUND_NICENESS, now))
        try:
            outcome["value"] = context.run(work)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="kb-low-priority", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return cast(T, outcome["value"])


class Pauses:
    """The interpreter's settings the app changes while it runs, and their values before."""

    def __init__(self) -> None:
        self._switch = sys.getswitchinterval()
        self._threshold = gc.get_threshold()

    def shorten(self) -> None:
        """Short turns for threads, rarer full collections (until :meth:`restore`)."""
        self._switch = sys.getswitchinterval()
        self._threshold = gc.get_threshold()
        sys.setswitchinterval(SWITCH_INTERVAL)
        gc.set_threshold(*self._threshold[:2], FULL_COLLECTION_AFTER)

    def restore(self) -> None:
        """The settings as they were (another app in this process, a test, starts from
        them), and what start made back in the collector's reach."""
        sys.setswitchinterval(self._switch)
        gc.set_threshold(*self._threshold)
        gc.unfreeze()
