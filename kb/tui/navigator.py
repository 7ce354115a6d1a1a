"""How the app moves between screens: the requests screens post, and the app-wide actions
that open a screen (help, sync, guides ...). The one module that knows every screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App

from kb.tui.actions import key_of, keymap_of
from kb.tui.navigation import (
    AskQuestion,
    EditNote,
    LinkNoteToTicket,
    OpenGuide,
    OpenNote,
    ResultsStale,
    SearchHome,
    ShowHistory,
)
from kb.tui.screens.base import KBModalScreen, KBScreen
from kb.tui.screens.home import HomeScreen

if TYPE_CHECKING:
    from kb.tui.access import SharedKB


class Navigator(App[None]):
    """The part of the app that opens screens, for keys, the palette and screens' requests."""

    #: The KB the next screen opened works on (set by home for a hit of another KB, and by
    #: the new-note form for the KB it wrote to); taken by the next push_screen.
    opening: SharedKB | None = None

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        """Open a screen on the KB it is meant for: the one named by ``opening``, else the KB
        of the screen it opens from (a note's history, editor and links stay in its KB)."""
        if isinstance(screen, KBScreen | KBModalScreen) and screen.bound_kb is None:
            below = self.screen_stack[-1] if self.screen_stack else None
            inherited = getattr(below, "bound_kb", None)
            screen.bound_kb = self.opening or inherited
            self.opening = None
        return super().push_screen(screen, *args, **kwargs)

    @property
    def home(self) -> HomeScreen:
        """The home (search) screen, always at the bottom of the stack."""
        screen = self.screen_stack[0]
        assert isinstance(screen, HomeScreen)
        return screen

    # -- requests from screens ------------------------------------------------------------------

    def on_open_note(self, message: OpenNote) -> None:
        """A screen asked to show a note (at a revision when it names one)."""
        if message.revision:
            self.open_revision(message.path, message.revision, message.ticket)
        else:
            self.open_note(message.path)

    def on_edit_note(self, message: EditNote) -> None:
        """A screen asked to edit a note."""
        self.edit_note(message.path)

    def on_show_history(self, message: ShowHistory) -> None:
        """A screen asked for a note's history."""
        self.show_history(message.path)

    def on_open_guide(self, message: OpenGuide) -> None:
        """The list of guides asked to read one."""
        from kb.tui.screens.guide_reader import GuideReaderScreen

        self.push_screen(GuideReaderScreen(message.path))

    def on_link_note_to_ticket(self, message: LinkNoteToTicket) -> None:
        """A screen asked to link a note to a ticket."""
        self.link_note_to_ticket(message.path, message.title)

    def on_search_home(self, message: SearchHome) -> None:
        """A screen asked for a home search (find fixes for a ticket)."""
        self.search_home(message.query)

    def on_ask_question(self, message: AskQuestion) -> None:
        """Home asked to capture what was searched for as a question."""
        self.action_ask(message.question)

    def on_results_stale(self, _message: ResultsStale) -> None:
        """Notes changed under home's results: search again."""
        self.home.refresh_results()

    # -- opening things -------------------------------------------------------------------------

    def open_note(self, path: str) -> None:
        """Show a note full screen (on top of the current screen)."""
        from kb.tui.screens.note import NoteScreen

        self.push_screen(NoteScreen(path))

    def open_revision(self, path: str, revision: str, ticket: str = "") -> None:
        """Show a note as it was at a revision (the version given for ``ticket``)."""
        from kb.tui.screens.revision import NoteRevisionScreen

        self.push_screen(NoteRevisionScreen(path, revision, ticket))

    def edit_note(self, path: str) -> None:
        """Open a note in the built-in editor."""
        from kb.tui.screens.editor import EditorScreen

        self.push_screen(EditorScreen(path))

    def new_note(self, title: str = "", note_type: str = "fix") -> None:
        """Open the New note form; the note it creates opens in the editor."""
        from kb.tui.screens.new_note import NewNoteScreen

        def created(path: str | None) -> None:
            if path:
                self.open_note(path)
                self.edit_note(path)

        form = NewNoteScreen(title, note_type)
        # New notes go to the default KB (the form's key picks another), wherever it opens.
        form.bound_kb = getattr(self, "shared", None)
        self.push_screen(form, created)

    def show_history(self, path: str) -> None:
        """A note's history, with the diff between any two versions."""
        from kb.tui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen(path))

    def open_ticket(self, ticket: str) -> None:
        """Show a ticket and its linked notes."""
        from kb.tui.screens.ticket import TicketScreen

        self.push_screen(TicketScreen(ticket))

    def link_note_to_ticket(self, path: str, title: str = "") -> None:
        """Ask for a ticket and link the note to it."""
        from kb.tui.screens.ticket_dialogs import LinkTicketDialog

        def requested(request: Any) -> None:
            if request is not None:
                self.notify(f"Linking {request.ticket} …", markup=False, timeout=3)
                self.save_link(request)

        self.push_screen(LinkTicketDialog(path, title), requested)

    @work(thread=True, exit_on_error=False, group="link-ticket")
    def save_link(self, request: Any) -> None:
        """Record a link (commit, reindex) off the event loop, then say what it did."""
        from kb.notes.errors import KBError
        from kb.notes.local_state import remember_ticket
        from kb.tui.screens.ticket_dialogs import link_report

        try:
            with self.shared.writing() as kb:  # type: ignore[attr-defined]
                outcome = kb.link(request.path, request.ticket, request.kind)
                remember_ticket(kb.root, outcome.ticket)
        except (KBError, OSError) as exc:
            self.call_from_thread(self.notify, f"Not linked: {exc}", severity="error", markup=False)
            return
        self.call_from_thread(self.notify, link_report(outcome), markup=False)
        for warning in outcome.warnings:
            self.call_from_thread(self.notify, warning, severity="warning", markup=False)
        # What is on screen reads its links again: home's results, or the note's tickets.
        self.call_from_thread(self._after_link)

    def _after_link(self) -> None:
        from kb.tui.screens.note import NoteScreen

        self.home.refresh_results()
        if isinstance(self.screen, NoteScreen):
            self.screen.load_tickets()

    def search_home(self, query: str) -> None:
        """Back to home with ``query`` typed in the search box."""
        from textual.widgets import Input

        home = self.home
        # The query is searched fully at once, not as a keystroke within a budget; home must
        # not search its previous query again when it comes back to the top.
        home.shown_query = None
        with home.prevent(Input.Changed):
            home.query_one("#search", Input).value = query
        home.run_search(query, full=True)
        self.action_focus_search()

    # -- app-wide actions (keys and the command palette) ----------------------------------------

    def action_new_note(self) -> None:
        """A new fix note from the template."""
        self.new_note()

    def action_ask(self, question: str = "") -> None:
        """Capture a question to find out and get back about (prefilled with ``question``)."""
        from kb.tui.screens.ask import AskScreen

        self.push_screen(AskScreen(question))

    def action_ticket_lookup(self) -> None:
        """Look a ticket up by id: its record, its linked notes, find fixes."""
        from kb.tui.screens.ticket_dialogs import TicketPrompt

        def chosen(ticket: str | None) -> None:
            if ticket:
                self.open_ticket(ticket)

        self.push_screen(TicketPrompt(), chosen)

    def action_followups(self) -> None:
        """The open questions: who is waiting, promised when, overdue first."""
        from kb.tui.screens.followups import FollowupsScreen

        if not isinstance(self.screen, FollowupsScreen):
            self.push_screen(FollowupsScreen())

    def action_sync(self) -> None:
        """Share with the team: commit, get their changes, merge safely, send yours."""
        from kb.tui.screens.sync import SyncScreen

        if not isinstance(self.screen, SyncScreen):
            self.push_screen(SyncScreen())

    def action_conflicts(self) -> None:
        """Notes an earlier sync found changed on both sides: compare and settle them."""
        from kb.tui.screens.sync import SyncScreen

        self.push_screen(SyncScreen(run=False))

    def action_help(self) -> None:
        """Keys and query syntax."""
        from kb.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(dict(keymap_of(self))))

    def action_guides(self) -> None:
        """Onboarding guides with your reading progress."""
        from kb.tui.screens.guides import GuidesScreen

        if not isinstance(self.screen, GuidesScreen):
            self.push_screen(GuidesScreen())

    def action_health(self) -> None:
        """KB health: link rate, reuse, stale and flagged notes, content gaps."""
        from kb.tui.screens.health import HealthScreen

        if not isinstance(self.screen, HealthScreen):
            self.push_screen(HealthScreen())

    def action_focus_search(self) -> None:
        """Back to home with the cursor in the search box (editors stay open if unsaved)."""
        from kb.tui.screens.answer import AnswerScreen
        from kb.tui.screens.editor import EditorScreen
        from kb.tui.screens.new_note import NewNoteScreen

        writing = EditorScreen | NewNoteScreen | AnswerScreen
        if any(isinstance(s, writing) for s in self.screen_stack):
            save, leave = key_of(self, "save"), key_of(self, "back")
            self.notify(
                f"Finish the note you are writing first ({save} saves, {leave} leaves)",
                severity="warning",
            )
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.home.action_focus_search()
