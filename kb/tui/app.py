"""KBApp: kb's terminal app over one KB (``kb.tui.create_app`` builds it for the CLI and tests).

The app binds the actions of the registry (kb.tui.actions) that work everywhere, keeps the
search index up to date in the background, and opens screens through kb.tui.navigator.
"""

from __future__ import annotations

import datetime as _dt
import gc
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import BindingType
from textual.command import Provider

from kb.tui.access import SharedKB, SharedShelf
from kb.tui.actions import APP, bindings, key_of
from kb.tui.commands import KBCommands, PaletteCommand, palette_commands, screen_scope
from kb.tui.messages import IndexFinished, IndexProgress
from kb.tui.navigation import CommitAnyway
from kb.tui.navigator import Navigator
from kb.tui.pauses import TYPING_PAUSE, Pauses, aside_while_typing
from kb.tui.screens.base import error_text
from kb.tui.screens.home import HomeScreen
from kb.tui.styles import ThemeStylesheet
from kb.tui.tidying import compact_when_quiet

if TYPE_CHECKING:
    from textual.screen import Screen

    from kb.knowledgebase import KnowledgeBase
    from kb.notes.protocol import Saved
    from kb.shelf import Shelf


#: How often the app looks for promises that fell due while it is open (after a pause in
#: typing: kb.tui.pauses).
DUE_CHECK_SECONDS = 30


#: Seconds between two looks for files changed on disk while the app runs (a watch on the
#: files answers in a millisecond or two; git is asked only when something changed).
FRESH_EVERY = 5.0
#: Seconds after start when the screens one key opens are imported in the background, and
#: what they show first is read (kb.tui.preload).
PRELOAD_AFTER = 1.0


class KBApp(Navigator):
    """Search, read, copy from, edit and write notes of one KB, without leaving the keyboard."""

    TITLE = "kb"
    #: What every screen shares (dialogs above all); each screen adds its own file.
    # Every screen's stylesheet is read at start (after app.tcss, so each still wins for its
    # own parts): reading one when its screen first opens restyles the whole app, a visible
    # pause of a third of a second or more on a busy machine.
    CSS_PATH: ClassVar[list[str | PurePath]] = [  # type: ignore[misc]
        "app.tcss",
        *sorted(
            f"screens/{css.name}" for css in (Path(__file__).parent / "screens").glob("*.tcss")
        ),
    ]
    # A mode (not get_default_screen) so that the home screen's CSS_PATH is loaded.
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {"home": HomeScreen}
    DEFAULT_MODE: ClassVar[str] = "home"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {KBCommands}
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(APP))

    def __init__(
        self,
        kb_path: str | None = None,
        *,
        knowledge_base: KnowledgeBase | None = None,
        keymap: Mapping[str, str] | None = None,
        keymap_warnings: Iterable[str] = (),
        shelf: Shelf | None = None,
    ) -> None:
        """The app over ``knowledge_base`` with ``keymap`` (action id -> keys, as kb.tui.keys
        reads it); create_app gathers both. Given a path instead, it opens the KB there and
        reads the user's ``[keys]`` itself. With a ``shelf``, home searches every KB of it
        and new notes go to its default KB unless the form picks another."""
        super().__init__()
        # Switching themes parses the app's rules once per theme, not at every switch.
        self.stylesheet = ThemeStylesheet(variables=self.get_css_variables())
        #: Every configured KB (None when the app works on one KB).
        self.shelf = SharedShelf(shelf) if shelf is not None and shelf.kbs else None
        if self.shelf is not None:
            from kb.tui.display import colour_kbs

            colour_kbs(list(self.shelf.kbs))
            self.shared = self.shelf.default
        else:
            if knowledge_base is None:
                from kb.knowledgebase import KnowledgeBase

                knowledge_base = KnowledgeBase.open(kb_path)
            self.shared = SharedKB(knowledge_base)
        if keymap is None:
            from kb.tui.keys import load_keymap

            keymap, keymap_warnings = load_keymap()
        #: The user's keys (action id -> keys), applied with set_keymap on mount.
        self.user_keymap: dict[str, str] = dict(keymap)
        self._keymap_warnings = list(keymap_warnings)
        self._index_asked = False
        #: The user's git name (owner of their promises), read when the app starts.
        self._me: str | None = None
        #: When promises falling due were last looked for, and the ones already announced.
        self._due_checked: _dt.datetime | None = None
        self._announced_due: set[str] = set()
        #: When a key last changed home's search box (time.monotonic()).
        self.typed_at = 0.0
        self._pauses = Pauses()
        #: What a screen last read (by the screen's name), shown at once the next time it
        #: opens while it is read again in a thread (see FollowupsScreen).
        self.last_read: dict[str, object] = {}

    @property
    def kb(self) -> KnowledgeBase:
        """The open KB."""
        return self.shared.kb

    @property
    def searched(self) -> SharedKB | SharedShelf:
        """What home searches: every configured KB, or the one KB."""
        return self.shelf if self.shelf is not None else self.shared

    @property
    def every_kb(self) -> list[SharedKB]:
        """Every KB the app works on (the configured ones, or the one KB)."""
        return list(self.shelf.kbs.values()) if self.shelf is not None else [self.shared]

    def on_mount(self) -> None:
        """Apply the user's keys and bring the index up to date in the background."""
        self.sub_title = " + ".join(self.shelf.kbs) if self.shelf is not None else self.kb.root.name
        self._pauses.shorten()  # kb.tui.pauses
        self.set_keymap(self.user_keymap)
        for warning in self._keymap_warnings:
            self.notify(warning, severity="warning", markup=False)
        for problem in self.kb.settings.problems:
            self.notify(str(problem), severity="warning", markup=False, timeout=10)
        # What start made (modules, styles, the first screen) lives as long as the app: out
        # of the collector's reach, a full collection no longer walks it, and those pauses
        # (up to 150 ms, at random moments: a screen opening, a key) become short.
        self.call_after_refresh(gc.freeze)
        # After the first frame: the update's thread would otherwise compete with it.
        self.call_after_refresh(self.update_index)
        self.set_interval(FRESH_EVERY, self.keep_fresh)
        self.call_after_refresh(self.look_for_conflicts)
        self.call_after_refresh(self.announce_overdue)
        self.call_after_refresh(self.check_identity)
        self.set_timer(PRELOAD_AFTER, self.preload)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preload")
    def preload(self) -> None:
        """What start leaves for later, off the loop (:func:`kb.tui.preload.warm_up`)."""
        from kb.tui.preload import warm_up

        warm_up(self)

    @work(thread=True, exclusive=True, exit_on_error=False, group="identity")
    def check_identity(self) -> None:
        """Offer once, at start, to set who the user is when git does not know: nothing
        could be committed otherwise (skipping it names the exact commands instead)."""
        from kb import git
        from kb.git import identity

        root = self.kb.root
        if git.is_repo(root) and identity.git_identity(root) is None:
            self.call_from_thread(self.ask_identity)

    def ask_identity(self) -> None:
        """The dialog asking for a name and an e-mail, stored in the KB's git config."""
        from kb.tui.screens.identity import IdentityScreen

        self.push_screen(IdentityScreen(), self.store_identity)

    @work(thread=True, exclusive=True, exit_on_error=False, group="identity")
    def store_identity(self, answer: tuple[str, str] | None) -> None:
        """Write the answer to the KB's git config (off the event loop), and say so."""
        from kb.git import identity

        root = self.kb.root
        warning = True
        if answer is None:
            told = identity.missing_advice(root)
        else:
            try:
                identity.set_identity(root, *answer)
            except ValueError as exc:
                told = f"{exc}; {identity.missing_advice(root)}"
            else:
                told, warning = f"Saved as {answer[0]} <{answer[1]}> for this KB", False
                self._me = identity.user_name(root)
        self.call_from_thread(
            self.notify,
            told,
            severity="warning" if warning else "information",
            markup=False,
            timeout=30,
        )

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
        self._pauses.restore()
        for shared in self.every_kb:
            shared.kb.close()

    def key_display(self, action_id: str) -> str:
        """The first key of an action as a person types it ("ctrl+a"), after remapping."""
        return key_of(self, action_id)

    # -- the index ------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="index")
    def update_index(
        self, rebuild: bool = False, every_file: bool = False, quiet: bool = False
    ) -> None:
        """Bring the indexes in step with the files; searching works meanwhile where one
        exists (every configured KB in turn, the default first).

        By default only what changed since an index last caught up is read (git says
        which files): cheap enough to run at start and every few seconds. ``every_file``
        compares every file, ``rebuild`` starts from scratch; ``quiet`` says nothing when an
        update fails (the next look tries again).
        """
        from kb.search.index import IndexReport

        kbs = self.every_kb
        kbs.sort(key=lambda shared: shared is not self.shared)
        for shared in kbs:
            if not (rebuild or not shared.kb.has_index()):
                shared.index_ready.set()
        for shared in kbs:
            building = rebuild or not shared.kb.has_index()
            if building or every_file:
                self.post_message(IndexProgress(0, 0, "", building=building))

            def progress(done: int, total: int, path: str, building: bool = building) -> None:
                self.post_message(IndexProgress(done, total, path, building=building))

            try:
                with shared.writing() as kb:
                    if building or every_file:
                        report = kb.reindex(rebuild=rebuild, progress=progress)
                    else:
                        report = kb.refresh(progress=progress) or IndexReport()
            except Exception as exc:
                if not quiet:
                    self.post_message(IndexFinished(None, error_text(exc)))
                continue
            finally:
                shared.index_ready.set()
            self.post_message(IndexFinished(report))
            if not (building or every_file or report.touched):
                compact_when_quiet(self, shared.kb)

    def keep_fresh(self) -> None:
        """Take in what changed on disk (a pull, another editor), unless an update runs."""
        if not self.screen_stack:
            return
        if not any(worker.group == "index" and not worker.is_finished for worker in self.workers):
            self.update_index(quiet=True)

    def on_index_progress(self, message: IndexProgress) -> None:
        """Show how far the index update is."""
        from textual.css.query import NoMatches

        from kb.tui.widgets.index_status import IndexStatus

        if not self.screen_stack:
            return  # the app is closing
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

        if not self.screen_stack:
            return  # the app is closing: a look for changes finished too late to matter
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

    @work(thread=True, exclusive=True, exit_on_error=False, group="overdue")
    def announce_overdue(self) -> None:
        """A quiet notice at start when the user's own call-backs are overdue; then a check
        every half minute for promises that fall due while the app is open."""
        from kb import questions
        from kb.git import identity

        now = _dt.datetime.now()
        self._me = identity.user_name(self.kb.root)
        with aside_while_typing(self):
            late = questions.my_overdue(self.kb, self._me, now)
        self._due_checked = now
        if late:
            key = self.key_display("followups")
            noun = "call-back" if len(late) == 1 else "call-backs"
            self.call_from_thread(
                self.notify, f"You have {len(late)} overdue {noun} — {key} to see them", timeout=10
            )
        self.call_from_thread(self.set_interval, DUE_CHECK_SECONDS, self.due_tick)

    def due_tick(self) -> None:
        """Look for promises falling due, once the technician pauses typing."""
        if time.monotonic() - self.typed_at < TYPING_PAUSE:
            self.set_timer(TYPING_PAUSE, self.due_tick)
        else:
            self.check_due()

    @work(thread=True, exclusive=True, exit_on_error=False, group="overdue")
    def check_due(self, now: _dt.datetime | None = None) -> None:
        """Tell the user, once, about each of their promises that fell due since the last
        check (a colleague's promises are theirs)."""
        from kb import questions

        now = now or _dt.datetime.now()
        since = self._due_checked or now
        with aside_while_typing(self):
            due = questions.falling_due(self.kb, self._me, since, now)
        self._due_checked = max(since, now)
        key = self.key_display("followups")
        for question in due:
            if question.path in self._announced_due:
                continue
            self._announced_due.add(question.path)
            who = question.asked_by or "the person waiting"
            self.call_from_thread(
                self.notify,
                f"Call-back due now: {who} — {question.title} ({key} to see it)",
                title="Promise due",
                severity="warning",
                markup=False,
                timeout=30,
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

    def on_commit_anyway(self, message: CommitAnyway) -> None:
        """The user confirmed a save that looked like it held a secret."""
        self.commit_anyway(message.saved)

    def action_reindex(self) -> None:
        """Update the search index now (it also updates by itself at start and after saves)."""
        self._index_asked = True
        self.update_index(every_file=True)

    def action_rebuild_index(self) -> None:
        """Build the search index again from scratch."""
        self._index_asked = True
        self.update_index(rebuild=True)

    def palette_commands(self, screen: Screen[Any] | None = None) -> list[PaletteCommand]:
        """The app-wide commands of the command palette, with the keys they have on
        ``screen`` (the current screen by default) or everywhere."""
        scope = screen_scope(screen if screen is not None else self.screen)
        return palette_commands(self, APP, (scope, APP))


def create_app(
    kb_path: str | None = None,
    *,
    knowledge_base: KnowledgeBase | None = None,
    keys: Mapping[str, Any] | None = None,
    shelf: Shelf | None = None,
) -> KBApp:
    """The app over one KB, ready to run (the ``kb`` command and the tests build it here).

    The KB is ``knowledge_base``, else the one at ``kb_path`` found as ``kb`` finds it (a
    KBError when there is none). The keys are ``keys``, a table like the config's ``[keys]``,
    else the user's ``[keys]``: checked either way, earlier ids read as today's. With a
    ``shelf`` (the config's ``[kbs]``), the app works on all its KBs at once.
    """
    from kb.tui.keys import load_keymap, read_keymap

    if knowledge_base is None and shelf is None:
        from kb.knowledgebase import KnowledgeBase

        knowledge_base = KnowledgeBase.open(kb_path)
    keymap, warnings = load_keymap() if keys is None else read_keymap(dict(keys))
    return KBApp(
        knowledge_base=knowledge_base, keymap=keymap, keymap_warnings=warnings, shelf=shelf
    )
