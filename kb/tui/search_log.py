"""Logging the app's settled searches that found nothing strong (for ``kb stats``).

A search is settled when the technician opens a result, leaves the search (another screen,
clearing the box, quitting) or stops typing for :data:`SETTLE_AFTER` seconds; keystrokes in
between are never logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.timer import Timer

    from kb.search.results import Results

#: Seconds without typing after which the query shown is taken as settled.
SETTLE_AFTER = 3.0


class SettledSearches:
    """Remembers the last search shown and logs it once it is settled."""

    def __init__(self, screen: Screen[object]) -> None:
        self.screen = screen
        self._pending: tuple[str, int, bool] | None = None
        self._logged: str | None = None
        self._timer: Timer | None = None

    def shown(self, query: str, results: Results) -> None:
        """Results are on screen for ``query``: log them if typing stops here."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        text = " ".join(query.split())
        if text != self._logged:
            self._logged = None
        if not text or (results and not results.weak):
            self._pending = None
            return
        self._pending = (text, len(results), results.weak)
        self._timer = self.screen.set_timer(SETTLE_AFTER, self.settle)

    def settle(self, *, now: bool = False) -> None:
        """The search shown is final: log it (in a worker, or at once with ``now``)."""
        pending, self._pending = self._pending, None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if pending is None or pending[0] == self._logged:
            return
        self._logged = pending[0]
        from functools import partial

        from kb.search import log as searchlog

        root = self.screen.app.kb.root  # type: ignore[attr-defined]
        record = partial(searchlog.record, root, *pending, "app")
        if now:
            record()
        else:
            self.screen.run_worker(record, thread=True, group="search-log", exit_on_error=False)
