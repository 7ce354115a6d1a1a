"""Home's hits and their KBs, and the words searches teach the notes they end at (learned
from use): the part of home that acts on a hit without searching."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from kb.tui.screens.base import KBScreen
from kb.tui.widgets.results import ResultsList

if TYPE_CHECKING:
    from kb.search.results import Hit
    from kb.tui.access import SharedKB


class HitScreen(KBScreen):
    """A screen listing search hits, maybe of several KBs, that learns from the hit a search
    ends at (home is one)."""

    #: The query whose results are shown (None before the first search returns).
    shown_query: str | None = None

    def kb_of(self, hit: Hit) -> SharedKB:
        """The KB a hit comes from (the app's KB when one is searched)."""
        shelf = self.app.shelf
        return shelf.kbs[hit.kb] if shelf is not None and hit.kb in shelf.kbs else self.shared

    def _learn(self, hit: Hit) -> None:
        # The search ended at this note: its words the note lacks will find it next time.
        query = (self.shown_query or "").strip()
        if query and not hit.path.startswith("tickets/"):
            self.learn_words(query, hit)

    @work(thread=True, exit_on_error=False, group="learn")
    def learn_words(self, query: str, hit: Hit) -> None:
        """Teach a note the words of the search that ended at it (in a thread), in its own KB."""
        from kb.notes.errors import KBError

        try:
            learned = self.kb_of(hit).kb.learn(query, hit.path)
        except (KBError, OSError):
            return  # learning is a bonus: never an error for the technician
        if learned.words:
            words = ", ".join(learned.words)
            self.app.call_from_thread(self.notify, f"Learned search words: {words}", timeout=3)

    def action_search_words(self) -> None:
        """Show the words searches taught the highlighted note."""
        self._highlighted_words(forget=False)

    def action_forget_search_words(self) -> None:
        """Forget every word searches taught the highlighted note."""
        self._highlighted_words(forget=True)

    def _highlighted_words(self, forget: bool) -> None:
        hit = self.query_one(ResultsList).selected_hit
        if hit is None:
            self.notify("Highlight a note first", severity="warning")
        else:
            self.show_search_words(hit, forget=forget)

    @work(thread=True, exit_on_error=False, group="learn")
    def show_search_words(self, hit: Hit, forget: bool) -> None:
        """Read (or forget) a note's learned words in a thread, and say what they are."""
        from kb.notes.control_chars import visible
        from kb.notes.errors import KBError

        kb, path = self.kb_of(hit).kb, hit.path
        try:
            if forget:
                gone = kb.forget_words(path).words
                text = f"Forgot: {', '.join(gone)}" if gone else "No learned search words"
            else:
                words = kb.learned_words().get(path, [])
                text = (
                    f"Learned search words: {', '.join(words)}"
                    if words
                    else "No learned search words for this note"
                )
        except (KBError, OSError) as exc:
            text = f"Search words: {exc}"
        self.app.call_from_thread(self.notify, visible(text, lines=False))
