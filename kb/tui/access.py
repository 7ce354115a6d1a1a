"""The KB as the app's worker threads share it: one search and one write at a time.

The core is safe for one searching thread and one writing thread. Cancelled thread workers
keep running until their call returns, so without these locks fast typing could put several
searches (or a save and the startup reindex) into the core at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.knowledgebase import KnowledgeBase
    from kb.search.results import Results
    from kb.shelf import Shelf

#: How often a waiting worker looks whether it was cancelled (seconds).
_POLL = 0.05


class SharedKB:
    """A KnowledgeBase plus the locks and the "index is usable" flag its workers share."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._searching = threading.Lock()
        self._writing = threading.Lock()
        #: Set once there is an index to search (at once when one exists, else after building).
        self.index_ready = threading.Event()

    def search(
        self,
        text: str,
        limit: int,
        cancelled: Callable[[], bool],
        budget: float | None = None,
    ) -> Results | None:
        """Hits for ``text`` (recent notes when blank); None when cancelled before it ran.

        ``budget`` (seconds) lets a slow engine answer a keystroke from part of the index.
        """
        if not self._wait(cancelled):
            return None
        with self._searching:
            # A newer keystroke may have replaced this query while it queued for the lock.
            if cancelled():
                return None
            if not text.strip():
                return self.kb.recent(limit, refresh=False)
            return self.kb.search(text, limit=limit, refresh=False, budget=budget)

    def _wait(self, cancelled: Callable[[], bool]) -> bool:
        # Waiting in short steps lets a cancelled worker (or the app quitting) end the thread.
        while not self.index_ready.wait(_POLL):
            if cancelled():
                return False
        return True

    @contextmanager
    def writing(self) -> Iterator[KnowledgeBase]:
        """Hold the write lock around a save, a new note or a reindex."""
        with self._writing:
            yield self.kb


class SharedShelf:
    """Every configured KB as the app's workers share them: one SharedKB each, and searches
    over all of them at once (each hit marked with its KB)."""

    def __init__(self, shelf: Shelf) -> None:
        self.shelf = shelf
        #: One SharedKB per KB, by short name, in the config's order.
        self.kbs = {name: SharedKB(kb) for name, kb in shelf.kbs.items()}

    @property
    def default(self) -> SharedKB:
        """The KB new notes go to unless another is picked."""
        return self.kbs[self.shelf.default_name]

    def name_of(self, shared: SharedKB) -> str:
        """The short name of one of the shelf's KBs."""
        return next(name for name, candidate in self.kbs.items() if candidate is shared)

    def search(
        self,
        text: str,
        limit: int,
        cancelled: Callable[[], bool],
        budget: float | None = None,
    ) -> Results | None:
        """Hits from every KB in one ranked list (recent notes of all when blank); None when
        cancelled before it ran."""
        for shared in self.kbs.values():
            if not shared._wait(cancelled):
                return None
        # Every KB's search lock, always in the same order: no two searches deadlock.
        with ExitStack() as held:
            for shared in self.kbs.values():
                held.enter_context(shared._searching)
            if cancelled():
                return None
            if not text.strip():
                return self.shelf.recent(limit)
            return self.shelf.search(text, limit=limit, refresh=False, budget=budget)
