"""KBApp: kb's terminal app, and ``run()``, which the ``kb`` command calls with no subcommand."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import Provider

from kb.tui.access import SharedKB
from kb.tui.commands import KBCommands, PaletteCommand
from kb.tui.messages import IndexFinished, IndexProgress
from kb.tui.screens.base import error_text
from kb.tui.screens.home import HomeScreen

if TYPE_CHECKING:
    from textual.screen import Screen

    from kb.knowledgebase import KnowledgeBase
    from kb.notes.protocol import Saved


class KBApp(App[None]):
    """Search, read, copy from, edit and write notes of one KB, without leaving the keyboard."""

    TITLE = "kb"
    # A mode (not get_default_screen) so that the home screen's CSS_PATH is loaded.
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {"home": HomeScreen}
    DEFAULT_MODE: ClassVar[str] = "home"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {KBCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help", id="help"),
        Binding("ctrl+n", "new_note", "New note", id="new-note"),
        Binding("f2", "followups", "Follow-ups", id="followups"),
        Binding("ctrl+g", "ticket_lookup", "Ticket", id="ticket-lookup"),
        Binding("ctrl+r", "reindex", "Reindex", show=False, id="reindex"),
        Binding("ctrl+t", "toggle_dark", "Light/dark", show=False, id="toggle-dark"),
        Binding("f5", "sync", "Sync", id="sync"),
        Binding("f4", "guides", "Guides", show=False, id="guides"),
        Binding("f3", "health", "Health", show=False, id="health"),
    ]

    def __init__(
        self, kb_path: str | None = None, *, knowledge_base: KnowledgeBase | None = None
    ) -> None:
        super().__init__()
        if knowledge_base is None:
            from kb.knowledgebase import KnowledgeBase

            knowledge_base = KnowledgeBase.open(kb_path)
        self.shared = SharedKB(knowledge_base)
        from kb.tui.keys import load_keymap

        #: The user's ``[keys]`` (binding id -> keys), applied with set_keymap on mount.
        self.user_keymap, self._keymap_warnings = load_keymap()
        self._index_asked = False

    @property
    def kb(self) -> KnowledgeBase:
        """The open KB."""
        return self.shared.kb

    @property
    def home(self) -> HomeScreen:
        """The home (search) screen, always at the bottom of the stack."""
        screen = self.screen_stack[0]
        assert isinstance(screen, HomeScreen)
        return screen

    def on_mount(self) -> None:
        """Apply the user's keys and bring the index up to date in the background."""
        self.sub_title = self.kb.root.name
        self.set_keymap(self.user_keymap)
        for warning in self._keymap_warnings + unknown_binding_ids(self.user_keymap):
            self.notify(warning, severity="warning", markup=False)
        for problem in self.kb.settings.problems:
            self.notify(str(problem), severity="warning", markup=False, timeout=10)
        # After the first frame: the update's thread would otherwise compete with it.
        self.call_after_refresh(self.update_index)
        self.call_after_refresh(self.look_for_conflicts)
        self.call_after_refresh(self.announce_overdue)

    @work(thread=True, exclusive=True, exit_on_error=False, group="conflicts")
    def look_for_conflicts(self) -> None:
        """A quiet reminder when an earlier sync kept two versions of a note."""
        from kb.sync.conflict_files import conflicts

        waiting = conflicts(self.kb.root)
        if waiting:
            self.call_from_thread(
                self.notify,
                f"{len(waiting)} note(s) changed on both sides are waiting for you: "
                "command palette > Conflicts",
                severity="warning",
                timeout=8,
            )

    async def on_unmount(self) -> None:
        """Let go of the index files."""
        self.kb.close()

    def key_display(self, binding_id: str, default: str) -> str:
        """The first key of a binding as a person types it ("ctrl+a"), after remapping."""
        return self.user_keymap.get(binding_id, default).split(",")[0].strip()

    # -- the index ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="index")
    def update_index(self, rebuild: bool = False) -> None:
        """Bring the index in step with the files; searching works meanwhile if it exists."""
        shared = self.shared
        building = rebuild or not shared.kb.has_index()
        if not building:
            shared.index_ready.set()
        self.post_message(IndexProgress(0, 0, "", building=building))

        def progress(done: int, total: int, path: str) -> None:
            self.post_message(IndexProgress(done, total, path, building=building))

        try:
            with shared.writing() as kb:
                report = kb.reindex(rebuild=rebuild, progress=progress)
        except Exception as exc:
            self.post_message(IndexFinished(None, error_text(exc)))
            return
        finally:
            shared.index_ready.set()
        self.post_message(IndexFinished(report))

    def on_index_progress(self, message: IndexProgress) -> None:
        """Show how far the index update is."""
        from textual.css.query import NoMatches

        from kb.tui.widgets.index_status import IndexStatus

        try:
            status = self.home.query_one(IndexStatus)
        except NoMatches:  # home is not composed yet; the next message will show
            return
        if message.total:
            status.show_progress(message.done, message.total, message.building)
        else:
            status.show_started(message.building)

    def on_index_finished(self, message: IndexFinished) -> None:
        """Hide the progress; say what happened when asked or when something went wrong."""
        from kb.tui.display import plural
        from kb.tui.widgets.index_status import IndexStatus

        self.home.query_one(IndexStatus).show_idle()
        asked, self._index_asked = self._index_asked, False
        report = message.report
        if report is None:
            self.notify(
                f"The search index could not be updated: {message.error}",
                severity="error",
                markup=False,
            )
            return
        if report.touched or report.rebuilt:
            self.home.refresh_results()
        if report.problems:
            self.notify(
                f"{plural(len(report.problems), 'file')} could not be fully read "
                "(run 'kb check' for details)",
                severity="warning",
                markup=False,
            )
        if asked or report.rebuilt:
            done = "built" if report.rebuilt else "up to date"
            self.notify(
                f"Search index {done}: {len(report.added)} added, {len(report.changed)} changed,"
                f" {len(report.deleted)} removed",
                markup=False,
            )

    # -- opening things -------------------------------------------------------------------------

    def open_note(self, path: str) -> None:
        """Show a note full screen (on top of the current screen)."""
        from kb.tui.screens.note import NoteScreen

        self.push_screen(NoteScreen(path))

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

        self.push_screen(NewNoteScreen(title, note_type), created)

    # -- tickets --------------------------------------------------------------------------------

    def open_ticket(self, ticket: str) -> None:
        """Show a ticket and its linked notes."""
        from kb.tui.screens.ticket import TicketScreen

        self.push_screen(TicketScreen(ticket))

    def link_note_to_ticket(
        self, path: str, title: str = "", done: Callable[[], object] | None = None
    ) -> None:
        """Ask for a ticket and link the note to it; ``done`` runs after a link was saved."""
        from kb.tui.screens.ticket_dialogs import LinkTicketDialog, link_report

        def linked(outcome: Any) -> None:
            if outcome is None:
                return
            self.notify(link_report(outcome), markup=False)
            for warning in outcome.warnings:
                self.notify(warning, severity="warning", markup=False)
            if done is not None:
                done()

        self.push_screen(LinkTicketDialog(path, title), linked)

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

    def action_ticket_lookup(self) -> None:
        """Look a ticket up by id: its record, its linked notes, find fixes."""
        from kb.tui.screens.ticket_dialogs import TicketPrompt

        def chosen(ticket: str | None) -> None:
            if ticket:
                self.open_ticket(ticket)

        self.push_screen(TicketPrompt(), chosen)

    # -- actions (keys and the command palette) -------------------------------------------------

    def action_new_note(self) -> None:
        """A new fix note from the template."""
        self.new_note()

    def action_ask(self, question: str = "") -> None:
        """Capture a question to find out and get back about (prefilled with ``question``)."""
        from kb.tui.screens.ask import AskScreen

        self.push_screen(AskScreen(question))

    def action_followups(self) -> None:
        """The open questions: who is waiting, promised when, overdue first."""
        from kb.tui.screens.followups import FollowupsScreen

        if not isinstance(self.screen, FollowupsScreen):
            self.push_screen(FollowupsScreen())

    @work(thread=True, exclusive=True, exit_on_error=False, group="overdue")
    def announce_overdue(self) -> None:
        """A quiet notice at start when call-backs are overdue."""
        import datetime as _dt

        from kb import questions

        late = questions.followups(self.kb, now=_dt.datetime.now(), overdue_only=True)
        if late:
            key = self.key_display("followups", "f2")
            noun = "call-back" if len(late) == 1 else "call-backs"
            self.call_from_thread(
                self.notify, f"{len(late)} overdue {noun} — {key} to see them", timeout=10
            )

    @work(thread=True, exit_on_error=False, group="save")
    def commit_anyway(self, saved: Saved) -> None:
        """Commit a save that looked like it held a secret, as the user confirmed."""
        from kb import git

        with self.shared.writing() as kb:
            result = git.commit(kb.root, saved.paths, saved.message, allow_secrets=True)
        if result.warning:
            self.call_from_thread(self.notify, result.warning, severity="warning", markup=False)
        elif result.sha:
            self.call_from_thread(self.notify, f"Committed {saved.path}", markup=False)

    def action_sync(self) -> None:
        """Share with the team: commit, get their changes, merge safely, send yours."""
        from kb.tui.screens.sync import SyncScreen

        if not isinstance(self.screen, SyncScreen):
            self.push_screen(SyncScreen())

    def action_conflicts(self) -> None:
        """Notes an earlier sync found changed on both sides: compare and settle them."""
        from kb.tui.screens.sync import SyncScreen

        self.push_screen(SyncScreen(run=False))

    def show_history(self, path: str) -> None:
        """A note's history, with the diff between any two versions."""
        from kb.tui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen(path))

    def action_help(self) -> None:
        """Keys and query syntax."""
        from kb.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.user_keymap))

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

    def action_reindex(self) -> None:
        """Update the search index now (it also updates by itself at start and after saves)."""
        self._index_asked = True
        self.update_index()

    def action_rebuild_index(self) -> None:
        """Build the search index again from scratch."""
        self._index_asked = True
        self.update_index(rebuild=True)

    def action_focus_search(self) -> None:
        """Back to home with the cursor in the search box (editors stay open if unsaved)."""
        from kb.tui.screens.answer import AnswerScreen
        from kb.tui.screens.editor import EditorScreen
        from kb.tui.screens.new_note import NewNoteScreen

        writing = EditorScreen | NewNoteScreen | AnswerScreen
        if any(isinstance(s, writing) for s in self.screen_stack):
            self.notify(
                "Finish the note you are writing first (ctrl+s saves, escape leaves)",
                severity="warning",
            )
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.home.action_focus_search()

    def palette_commands(self) -> list[PaletteCommand]:
        """The app-wide commands of the command palette."""
        return [
            PaletteCommand("Focus search", "Back to the search box", self.action_focus_search),
            PaletteCommand("New note", "A fix note from the template", self.action_new_note),
            PaletteCommand(
                "Ask a question", "A question note to find out and get back", self.action_ask
            ),
            PaletteCommand(
                "Sync with the team", "Commit, get changes, merge, send (f5)", self.action_sync
            ),
            PaletteCommand(
                "Conflicts",
                "Notes changed on both sides: compare and settle",
                self.action_conflicts,
            ),
            PaletteCommand(
                "Follow-ups", "Open questions: who is waiting, promised when", self.action_followups
            ),
            PaletteCommand(
                "Guides", "Onboarding reading paths and your progress (f4)", self.action_guides
            ),
            PaletteCommand(
                "Health", "Link rate, reuse, stale, flagged, content gaps (f3)", self.action_health
            ),
            PaletteCommand(
                "Look up a ticket",
                "A ticket, its linked notes, find fixes (ctrl+g)",
                self.action_ticket_lookup,
            ),
            PaletteCommand("Open help", "Keys and query syntax", self.action_help),
            PaletteCommand("Reindex", "Update the search index now", self.action_reindex),
            PaletteCommand(
                "Rebuild index", "Build the search index from scratch", self.action_rebuild_index
            ),
            PaletteCommand("Toggle dark mode", "Light or dark colours", self.action_toggle_dark),
            PaletteCommand("Change theme", "Pick a colour theme", self.action_change_theme),
            PaletteCommand(
                "Show keys",
                "Keys of the focused widget, in a side panel",
                self.action_show_help_panel,
            ),
            PaletteCommand("Quit", "Leave kb", self.action_quit),
        ]


def unknown_binding_ids(keymap: dict[str, str]) -> list[str]:
    """Warnings for ``[keys]`` entries that name no binding of the app."""
    from kb.tui.screens.answer import AnswerScreen
    from kb.tui.screens.ask import AskScreen
    from kb.tui.screens.confirm import ConfirmScreen
    from kb.tui.screens.editor import EditorScreen
    from kb.tui.screens.flag import FlagDialog
    from kb.tui.screens.followups import FollowupsScreen
    from kb.tui.screens.guide_reader import GuideReaderScreen
    from kb.tui.screens.guides import GuidesScreen
    from kb.tui.screens.health import HealthScreen
    from kb.tui.screens.help import HelpScreen
    from kb.tui.screens.history import HistoryScreen
    from kb.tui.screens.home import HomeScreen
    from kb.tui.screens.links import LinkPicker
    from kb.tui.screens.new_note import NewNoteScreen
    from kb.tui.screens.note import NoteScreen
    from kb.tui.screens.prompt import PromptScreen
    from kb.tui.screens.sync import ConflictScreen, SyncScreen
    from kb.tui.screens.ticket import TicketScreen
    from kb.tui.screens.ticket_dialogs import LinkTicketDialog, TicketPrompt

    owners = (
        KBApp,
        HomeScreen,
        NoteScreen,
        EditorScreen,
        NewNoteScreen,
        HelpScreen,
        ConfirmScreen,
        LinkPicker,
        HistoryScreen,
        SyncScreen,
        ConflictScreen,
        AskScreen,
        FollowupsScreen,
        AnswerScreen,
        PromptScreen,
        GuidesScreen,
        GuideReaderScreen,
        HealthScreen,
        FlagDialog,
        TicketScreen,
        TicketPrompt,
        LinkTicketDialog,
    )
    known = {
        binding.id
        for owner in owners
        for binding in owner.BINDINGS
        if isinstance(binding, Binding) and binding.id
    }
    return [
        f"[keys] {name}: no such key binding id (see help)" for name in keymap if name not in known
    ]


def run(kb_path: str | None) -> None:
    """Open the KB and run the app; a KB that cannot be opened is one line on stderr, exit 2."""
    from kb.knowledgebase import KnowledgeBase
    from kb.notes.errors import KBError

    try:
        knowledge_base = KnowledgeBase.open(kb_path)
    except KBError as exc:
        print(f"kb: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        KBApp(kb_path, knowledge_base=knowledge_base).run()
    finally:
        knowledge_base.close()
