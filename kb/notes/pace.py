"""Long reads that step aside: work that reads every file stops at its checkpoints while
someone else needs the interpreter more (the app's typing), and goes on after.

A caller wraps the work in :func:`paced` with a function that returns once the work may go
on (the app's: once typing pauses); the loops that read every file call :func:`checkpoint`
every :data:`EVERY` files. Outside :func:`paced` (the command line, the API, tests), a
checkpoint costs one context-variable lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: Files read between two checkpoints of a loop over every file (a few milliseconds).
EVERY = 256

_wait: ContextVar[Callable[[], None] | None] = ContextVar("kb_pace_wait", default=None)


@contextmanager
def paced(wait: Callable[[], None]) -> Iterator[None]:
    """Within this block (in this thread), each :func:`checkpoint` calls ``wait`` first."""
    token = _wait.set(wait)
    try:
        yield
    finally:
        _wait.reset(token)


def checkpoint() -> None:
    """Let the work step aside here if its caller asked (:func:`paced`)."""
    wait = _wait.get()
    if wait is not None:
        wait()
