"""Home: one search box over the result list and a rendered preview of the highlighted note."""

from __future__ import annotations

import contextvars
import time
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.worker import get_current_worker

from kb.notes.control_chars import visible
from kb.tui.actions import bindings
from kb.tui.links import to_markdown_links
from kb.tui.messages import SearchFinished
from kb.tui.navigation import AskQuestion, EditNote, LinkNoteToTicket, OpenNote
from kb.tui.screens.hit_screen import HitScreen
from kb.tui.widgets.footer import KBFooter
from kb.tui.widgets.index_status import IndexStatus
from kb.tui.widgets.preview import NotePreview, PreviewDrawn, preview_text, render_body
from kb.tui.widgets.results import ResultsList, RowLook, hit_options
from kb.tui.widgets.search_box import SearchBox

if TYPE_CHECKING:
    from kb.search.results import Hit, Results

#: Hits shown for a query (and recent notes for an empty one).
RESULT_LIMIT = 30
#: Seconds a keystroke's search may take; a slower engine leaves part of the query out
#: and the full search follows when typing pauses for REFINE_AFTER seconds.
KEYSTROKE_BUDGET = 0.06
REFINE_AFTER = 0.25
#: Seconds a hit must stay highlighted, and typing pause, before its note is read and
#: rendered: while the technician types or runs down the list, no note is rendered.
PREVIEW_AFTER = 0.3
#: Seconds the list may lag behind the text before it is dimmed as older than the text.
DIM_AFTER = 0.04
#: Seconds the list may be dimmed before the notice also says results are coming.
PENDING_NOTICE_AFTER = 0.1
PLACEHOLDER = "Search: the caller's words, an error code, tag:vpn …"


def event_id(hit: Hit) -> str:
    """Which note a preview is for (its KB and path)."""
    return f"{hit.kb}:{hit.path}" if hit.kb else hit.path


class HomeScreen(HitScreen):
    """Search as you type; up/down move through the hits while the search box keeps focus."""

    CSS_PATH = "home.tcss"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"),
        (110, "-wide"),
    ]
    SCOPE: ClassVar[str] = "home"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self) -> None:
        super().__init__()
        #: The query whose results are shown (None before the first search returns).
        self.shown_query: str | None = None
        self._preview_wanted: str | None = None
        #: When the last key changed the search box (time.monotonic()).
        self._typed_at = 0.0
        #: An action on the selected hit asked for while the list was older than the text:
        #: (the text it was asked for, the action), run when that text's hits arrive.
        self._deferred: tuple[str, str] | None = None
        from kb.tui.search_log import SettledSearches

        #: Logs settled searches that found nothing strong (kb stats lists them).
        self.settled = SettledSearches(self)

    def compose(self) -> ComposeResult:
        search = SearchBox(placeholder=PLACEHOLDER, id="search")
        shelf = self.app.shelf
        names = " + ".join(shelf.kbs) if shelf is not None else self.shared.kb.root.name
        search.border_title = f"kb · {names}"
        yield search
        yield IndexStatus(id="index-status")
        yield Static("", id="notice")
        with Container(id="body"):
            yield ResultsList(id="results")
            yield NotePreview(id="preview")
        yield KBFooter()

    def on_mount(self) -> None:
        """Start with the recently changed notes."""
        self.query_one("#search", Input).focus()
        self.refresh_results()

    def on_screen_suspend(self) -> None:
        """A result opened or another screen shown: the search shown is settled."""
        self.settled.settle()

    def on_unmount(self) -> None:
        """Quitting settles the search shown."""
        self.settled.settle(now=True)

    def on_screen_resume(self) -> None:
        """Back from a note or the editor: hits and preview may have changed."""
        if self.shown_query is not None:
            self.refresh_results()

    @property
    def query_text(self) -> str:
        """What is typed in the search box."""
        return self.query_one("#search", Input).value

    # -- searching ------------------------------------------------------------------------------

    def refresh_results(self) -> None:
        """Search again for what is typed (after an edit or an index update)."""
        # The notes may have changed: the preview is read again even for the same hit.
        self._preview_wanted = None
        self.run_search(self.query_text)

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        # The key's own frame holds the character alone: the search starts, and the list is
        # marked old, once that frame is painted (a list redrawn in it would delay it).
        self._typed_at = self.app.typed_at = time.monotonic()
        self.call_after_refresh(self._search_typed, event.value)

    def _search_typed(self, value: str) -> None:
        typed = self.query_text
        if value != typed:
            return  # a burst of keys: only the text the box holds now is searched
        if self._deferred is not None:
            if self._deferred[0] == typed:
                return  # Enter came first and already searches this text in full
            self._deferred = None  # typing on after Enter: the text Enter was for is gone
        if typed == self.shown_query:
            self._mark_pending(False)
        elif not self.query_one(ResultsList).dimmed:
            # Most searches answer within DIM_AFTER: the list is then redrawn once, with the
            # new hits, not also dimmed and undimmed around them.
            self.set_timer(DIM_AFTER, self._dim_if_pending)
        self.run_search(typed)

    @property
    def pending(self) -> bool:
        """True while the list shows the hits of an earlier text than the one typed."""
        return self.shown_query != self.query_text

    def _mark_pending(self, pending: bool) -> None:
        results = self.query_one(ResultsList)
        if pending == results.dimmed:
            return
        results.dimmed = pending
        if pending:
            self.set_timer(PENDING_NOTICE_AFTER, self._say_pending)

    def _dim_if_pending(self) -> None:
        if self.pending:
            self._mark_pending(True)

    def _say_pending(self) -> None:
        if self.pending and self.query_text.strip():
            self.query_one("#notice", Static).update("Searching…", layout=False)

    def run_search(self, query: str, full: bool = False) -> None:
        """Search in a thread; a newer keystroke cancels this one."""
        hits = self.query_one(ResultsList)
        self._search(query, full, hits.prompt_width, hits.row_look(), contextvars.copy_context())

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _search(
        self,
        query: str,
        full: bool,
        width: int,
        look: RowLook | None,
        context: contextvars.Context,
    ) -> None:
        # The hits' lines are styled, measured and drawn here too: the loop only puts them on
        # screen.
        worker = get_current_worker()

        def stale() -> bool:
            # A newer keystroke's search took over: stop at once and leave it the interpreter.
            return worker.is_cancelled

        budget = None if full else KEYSTROKE_BUDGET
        results = self.app.searched.search(query, RESULT_LIMIT, stale, budget)
        if results is None or stale():
            return
        options = hit_options(results, width, context, stale)
        if look is not None and not stale():
            self.query_one(ResultsList).draw_rows(options, look, context, stale)
        if not stale():
            self.post_message(SearchFinished(query, results, full=full, options=options))

    def _refine(self, query: str) -> None:
        # Typing paused on a query answered from part of the index: search it fully.
        if query == self.query_text:
            self.run_search(query, full=True)

    def on_search_finished(self, message: SearchFinished) -> None:
        """Show the hits, unless the box already holds a newer query."""
        if message.query != self.query_text:
            return
        # A full search is final, even when it ran out of time: only a keystroke's is refined.
        if message.results.partial and not message.full:
            self.set_timer(REFINE_AFTER, lambda: self._refine(message.query))
        results = self.query_one(ResultsList)
        # Coming back to the same query keeps the hit the technician was on.
        previous = results.selected_hit if message.query == self.shown_query else None
        self.shown_query = message.query
        if not message.results.partial:
            self.settled.shown(message.query, message.results)
        results.show_hits(message.results, message.options)
        self._size_results()
        if previous is not None:
            results.select_path(previous.path, previous.kb)
        self._mark_pending(False)
        self._show_notice(message.query, message.results)
        hit = results.selected_hit
        if hit is None:
            self.query_one(NotePreview).clear()
            self._preview_wanted = None
        else:
            # The same top hit as before keeps its preview: nothing is read or drawn again.
            self._want_preview(hit)
        # An action waiting for this text acts on its complete hits, never on part of them.
        if message.results.partial and not message.full:
            return
        deferred, self._deferred = self._deferred, None
        if deferred is not None and deferred[0] == message.query:
            self._act_on_selected(deferred[1])

    def on_resize(self) -> None:
        """Narrow or wide now: the list's height follows."""
        self._size_results()

    def _size_results(self) -> None:
        # Narrow, the list is as tall as its hits (up to its max-height): a height given, not
        # computed from the content, so that new hits do not lay the whole screen out again.
        found = self.query(ResultsList)
        if not found:
            return  # resized before the list is composed
        results = found.first()
        narrow = self.has_class("-narrow")
        lines = 3 * len(results.hits) + results.styles.gutter.height  # its border below
        results.styles.height = lines if narrow else None

    def _show_notice(self, query: str, results: Results) -> None:
        notice = self.query_one("#notice", Static)
        text: str | Content
        if not query.strip():
            text = "Recently changed notes" if results else self._empty_kb_text()
        elif not results:
            ask = self.key("ask")
            # As typed: plain text, not markup ("\[" stays), control characters shown escaped.
            typed = visible(query.strip(), lines=False)
            text = Content(f"Nothing found for “{typed}”. Press {ask} to capture it as a question.")
        elif results.weak:
            text = "No strong match — closest notes:"
        elif results.corrected:
            text = f"{len(results)} found, allowing for typos"
        else:
            text = f"{len(results)} found" if len(results) < RESULT_LIMIT else "Best matches"
        notice.update(text, layout=False)  # one line of fixed size: no layout needed
        notice.set_class(bool(query.strip()) and (not results or results.weak), "-quiet-warning")

    def _empty_kb_text(self) -> str:
        new = self.key("new-note")
        return f"No notes yet. Press {new} to write the first one."

    # -- the preview ----------------------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#results")
    def _hit_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        hit = self.query_one(ResultsList).hit_at(event.option_index)
        if hit is not None:
            self._want_preview(hit)

    def _want_preview(self, hit: Hit) -> None:
        wanted = event_id(hit)
        if wanted == self._preview_wanted:
            return
        self._preview_wanted = wanted
        self.load_preview(hit, self.query_one(NotePreview).text_width, contextvars.copy_context())

    def _opening(self, hit: Hit) -> None:
        # The note, its editor and dialogs work on the hit's own KB.
        if hit.kb:
            self.app.opening = self.kb_of(hit)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview")
    def load_preview(self, hit: Hit, width: int, context: contextvars.Context) -> None:
        """Read and draw the highlighted note in a thread, once it stayed highlighted and
        typing paused a moment: the loop only puts the drawn lines on screen, and never
        while keys come (showing a note lays the screen out, up to tens of ms)."""
        worker = get_current_worker()
        # A newer highlight cancels this worker while it waits: nothing read, nothing drawn.
        highlighted = time.monotonic()
        while (left := max(highlighted, self._typed_at) + PREVIEW_AFTER - time.monotonic()) > 0:
            time.sleep(min(left, 0.02))
            if worker.is_cancelled:
                return
        note = self.kb_of(hit).kb.note(hit.path)
        if worker.is_cancelled:
            return
        source = preview_text(to_markdown_links(note.body_text))
        # Drawn and turned into the screen's own text here (in the app's context, for its
        # theme's colours): putting a long note on screen costs the loop nothing more.
        body = context.run(Content.from_rich_text, render_body(source, width))
        if not worker.is_cancelled:
            self.post_message(PreviewDrawn(event_id(hit), note, body, source))

    def on_preview_drawn(self, message: PreviewDrawn) -> None:
        """Show the note, if it is still the highlighted one (once typing pauses: a note
        drawn while keys came waits for it)."""
        if message.path != self._preview_wanted:
            return
        wait = self._typed_at + PREVIEW_AFTER - time.monotonic()
        if wait > 0:
            self.set_timer(wait, lambda: self.on_preview_drawn(message))
            return
        self.query_one(NotePreview).show_note(message.note, message.body, message.source)

    # -- actions --------------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#results")
    def _hit_clicked(self, event: OptionList.OptionSelected) -> None:
        hit = self.query_one(ResultsList).hit_at(event.option_index)
        if hit is not None:
            self._opening(hit)
            self._learn(hit)
            self.post_message(OpenNote(hit.path))

    def _act_on_selected(self, action: str) -> None:
        """Run an action on the highlighted hit of the text typed: when the list still shows
        an earlier text's hits, the action waits for the typed text's own.

        The key that asks arrives before the search box has taken the keys typed just before
        it (they wait in the box's own queue), so the action runs from that queue, after them.
        """
        self.query_one("#search", Input).call_later(self._act_on_typed, action)

    def _act_on_typed(self, action: str) -> None:
        if self.pending:
            self._deferred = (self.query_text, action)
            # Searched at once and in full: no budget, no waiting for a typing pause.
            self.run_search(self.query_text, full=True)
            return
        hit = self.query_one(ResultsList).selected_hit
        if action == "open":
            if hit is not None:
                self._opening(hit)
                self._learn(hit)
                self.post_message(OpenNote(hit.path))
        elif action == "edit":
            if hit is not None:
                self._opening(hit)
                self.post_message(EditNote(hit.path))
        elif hit is None:
            self.notify("Highlight a note to link first", severity="warning")
        elif hit.kind == "ticket":
            self.notify("That is a ticket record; link a note to it", severity="warning")
        else:
            # Back from the dialog, on_screen_resume searches again (the link shows in the hit).
            self._opening(hit)
            self._learn(hit)
            self.post_message(LinkNoteToTicket(hit.path, hit.title))

    def action_open(self) -> None:
        """Open the highlighted hit of the text typed (waiting for its hits if need be)."""
        self._act_on_selected("open")

    def action_edit_selected(self) -> None:
        """Open the highlighted note in the built-in editor."""
        self._act_on_selected("edit")

    def action_cursor_down(self) -> None:
        """Highlight the next hit."""
        self.query_one(ResultsList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """Highlight the previous hit."""
        self.query_one(ResultsList).action_cursor_up()

    def action_preview_page_down(self) -> None:
        """Scroll the preview down a page."""
        self.query_one(NotePreview).scroll_page_down()

    def action_preview_page_up(self) -> None:
        """Scroll the preview up a page."""
        self.query_one(NotePreview).scroll_page_up()

    def action_link_ticket(self) -> None:
        """Link the highlighted note to a ticket (the recent ticket offered)."""
        self._act_on_selected("link")

    def action_ask(self) -> None:
        """Capture what was searched for as a new question."""
        # Opened now, not when a message reaches the app: keys typed straight after the Ask
        # key then go to the dialog, not on into the search box.
        opener = getattr(self.app, "action_ask", None)
        if opener is not None:
            opener(self.query_text.strip())
        else:
            self.post_message(AskQuestion(self.query_text.strip()))

    def action_clear_search(self) -> None:
        """Empty the search box (back to recent notes)."""
        self.settled.settle()
        search = self.query_one("#search", Input)
        search.value = ""
        search.focus()

    def action_focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one("#search", Input).focus()
