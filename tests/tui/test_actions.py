"""The app's actions: one registry for keys, footer, help and palette; one id per action on
every screen (earlier ids still read); screens that move by messages; one app factory."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from kb import KnowledgeBase
from kb.notes.errors import KBError
from kb.tui import create_app
from kb.tui.actions import ACTIONS, aliases, binding_ids, bindings
from kb.tui.app import KBApp
from kb.tui.keys import read_keymap
from kb.tui.navigation import OpenNote
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
from tests.helpers import PRINTER_NOTE, PROJECT, VPN_NOTE, built_once, use_engine, write

SCREENS: list[type[Screen[Any]]] = [
    HomeScreen,
    NoteScreen,
    EditorScreen,
    NewNoteScreen,
    AskScreen,
    AnswerScreen,
    FollowupsScreen,
    GuidesScreen,
    GuideReaderScreen,
    HealthScreen,
    HistoryScreen,
    TicketScreen,
    TicketPrompt,
    LinkTicketDialog,
    SyncScreen,
    ConflictScreen,
    HelpScreen,
    LinkPicker,
    ConfirmScreen,
    PromptScreen,
    FlagDialog,
]

#: The ids "back" had before it was one action (one per screen).
OLD_BACK_IDS = [
    "back",
    "ticket-back",
    "close-followups",
    "guides-back",
    "guide-back",
    "health-back",
    "history-back",
    "conflict-back",
]


@pytest.fixture
def root(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KB with two notes, committed and indexed."""
    return built_once(tmp_path_factory, "two-notes", _two_notes, tmp_path / "kb")


def _two_notes(root: Path) -> None:
    KnowledgeBase.init(root)
    use_engine(root, "whoosh")
    write(root, "notes/printer-offline.md", PRINTER_NOTE)
    write(root, "notes/vpn-no-intranet.md", VPN_NOTE)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "Add notes"], cwd=root, check=True, capture_output=True)
    with KnowledgeBase.open(root) as kb:
        kb.reindex()


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and every message they posted was handled."""
    app = pilot.app
    for _ in range(50):
        await pilot.pause()
        pending = [worker for worker in app.workers if not worker.is_finished]
        if not pending:
            await pilot.pause()
            if not [worker for worker in app.workers if not worker.is_finished]:
                return
            continue
        await asyncio.gather(*(worker.wait() for worker in pending), return_exceptions=True)
    raise AssertionError("workers did not settle")


async def press(pilot: Pilot[None], *keys: str) -> Screen[Any]:
    """Press keys, wait for what they started, and give the screen now on top."""
    await pilot.press(*keys)
    await settle(pilot)
    return pilot.app.screen


def notifications(app: KBApp) -> list[str]:
    """Messages of the notifications shown so far."""
    return [notification.message for notification in app._notifications]


# -- one registry -----------------------------------------------------------------------------


@pytest.mark.parametrize("screen", SCREENS, ids=lambda screen: screen.__name__)
def test_every_screen_binds_what_the_registry_lists(screen: type[Screen[Any]]) -> None:
    scope = screen.SCOPE  # type: ignore[attr-defined]
    assert bindings(scope) == screen.BINDINGS
    assert screen.BINDINGS, f"{screen.__name__} has no keys"
    for binding in screen.BINDINGS:
        assert not isinstance(binding, tuple) and binding.id in binding_ids()
    assert bindings("app") == KBApp.BINDINGS


def test_leaving_any_screen_is_one_id() -> None:
    escape_ids = set()
    for screen in SCREENS:
        for binding in screen.BINDINGS:
            assert not isinstance(binding, tuple)
            if "escape" in binding.key.split(","):
                escape_ids.add(binding.id)
    # Home's escape empties the search box; everywhere else it is back.
    assert escape_ids == {"back", "clear-search"}
    leaving = {screen.__name__ for screen in SCREENS if screen is not HomeScreen}
    with_back = {
        screen.__name__
        for screen in SCREENS
        if any(getattr(binding, "id", None) == "back" for binding in screen.BINDINGS)
    }
    assert with_back == leaving


def test_ids_are_unique_on_each_screen_and_aliases_name_no_current_id() -> None:
    for screen in SCREENS:
        ids = [binding.id for binding in screen.BINDINGS if not isinstance(binding, tuple)]
        assert len(ids) == len(set(ids)), screen.__name__
    assert not set(aliases()) & binding_ids()
    for old in OLD_BACK_IDS[1:]:
        assert aliases()[old] == "back"
    palette_names = [action.palette[0] for action in ACTIONS if action.palette is not None]
    assert palette_names.count("Open note") == 1


# -- the keymap: one line per action, earlier ids still read -----------------------------------


def test_earlier_ids_are_read_as_the_action_they_are_part_of() -> None:
    keymap, warnings = read_keymap(
        {"ticket-back": "f9", "save-question": "ctrl+k", "reload-followups": "g"}
    )
    assert keymap == {"back": "f9", "save": "ctrl+k", "refresh": "g"}
    assert warnings == []


def test_todays_id_wins_over_an_earlier_one() -> None:
    keymap, warnings = read_keymap({"history-back": "f8", "back": "f9"})
    assert keymap == {"back": "f9"} and warnings == []


def test_two_earlier_ids_that_disagree_keep_the_first_and_say_so() -> None:
    keymap, warnings = read_keymap({"history-back": "f8", "guide-back": "f7"})
    assert keymap == {"back": "f8"}
    assert len(warnings) == 1 and "guide-back" in warnings[0] and "history-back" in warnings[0]


def test_unknown_ids_and_bad_values_are_reported() -> None:
    keymap, warnings = read_keymap({"no-such-action": "x", "new-note": 3, "sync": "f9"})
    assert keymap == {"no-such-action": "x", "sync": "f9"}
    assert any("no-such-action" in warning for warning in warnings)
    assert any("new-note" in warning for warning in warnings)


async def back_home_from_everywhere(app: KBApp, key: str) -> None:
    """Open screen after screen and leave each one with ``key``."""
    note = "notes/printer-offline.md"
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        openers: list[tuple[str, Any]] = [
            ("note", lambda: app.open_note(note)),
            ("ticket", lambda: app.open_ticket("INC0012345")),
            ("editor", lambda: app.edit_note(note)),
            ("new note", lambda: app.new_note()),
            ("ask", lambda: app.action_ask()),
            ("follow-ups", app.action_followups),
            ("guides", app.action_guides),
            ("health", app.action_health),
            ("help", app.action_help),
            ("ticket lookup", app.action_ticket_lookup),
            ("link to a ticket", lambda: app.link_note_to_ticket(note)),
        ]
        for name, opener in openers:
            opener()
            await settle(pilot)
            assert not isinstance(app.screen, HomeScreen), name
            assert await press(pilot, key) is app.home, f"{key} does not leave {name}"
        # The note's history: back from it to the note, then home.
        app.open_note(note)
        await settle(pilot)
        history = await press(pilot, "h")
        assert isinstance(history, HistoryScreen)
        assert isinstance(await press(pilot, key), NoteScreen)
        assert await press(pilot, key) is app.home


async def test_remapping_back_is_one_line_and_works_on_every_screen(root: Path) -> None:
    app = create_app(str(root), keys={"back": "f9"})
    await back_home_from_everywhere(app, "f9")
    assert not [text for text in notifications(app) if "[keys]" in text]


async def test_escape_no_longer_leaves_once_back_is_remapped(root: Path) -> None:
    app = create_app(str(root), keys={"back": "f9"})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_note("notes/printer-offline.md")
        await settle(pilot)
        assert isinstance(await press(pilot, "escape"), NoteScreen)
        assert await press(pilot, "f9") is app.home


async def test_an_earlier_id_in_the_config_file_still_applies(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\nticket-back = "f9"\n')
    monkeypatch.setenv("KB_CONFIG", str(config))
    app = create_app(str(root))
    assert app.user_keymap == {"back": "f9"}
    await back_home_from_everywhere(app, "f9")


# -- what the app says about keys follows the remap --------------------------------------------


async def test_palette_and_help_show_the_keys_actually_bound(root: Path) -> None:
    app = create_app(str(root), keys={"sync": "f9", "back": "ctrl+b"})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        commands = {command.name: command.help for command in app.palette_commands()}
        assert commands["Sync with the team"].endswith("(f9)")
        assert "f5" not in commands["Sync with the team"]
        # An action with no key on this screen shows none; one bound only here shows it.
        assert commands["Conflicts"].endswith("settle")
        assert commands["Ask a question"].endswith("(ctrl+a)")
        app.open_note("notes/printer-offline.md")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NoteScreen)
        note_commands = {command.name: command.help for command in screen.palette_commands()}
        assert note_commands["Back"].endswith("(ctrl+b)")
        assert note_commands["Edit note"].endswith("(e)")
        assert all("(ctrl+a)" not in command.help for command in app.palette_commands())
        help_screen = await press(pilot, "f1")
        assert isinstance(help_screen, HelpScreen)
        source = help_screen.source
        assert "`f9` Sync · id `sync`" in source
        assert "`f5`" not in source
        assert "`^b` Back · id `back`" in source and "`esc` Back" not in source


async def test_dialog_hints_name_the_remapped_keys(root: Path) -> None:
    app = create_app(str(root), keys={"back": "f9", "link-kind": "ctrl+k"})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.link_note_to_ticket("notes/printer-offline.md", "Printer offline")
        await settle(pilot)
        hint = str(app.screen.query_one(".dialog-hint").render())
        assert "ctrl+k resolution/reference" in hint and "f9 cancels" in hint


async def test_the_palette_runs_a_screen_action_from_the_registry(root: Path) -> None:
    app = create_app(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_note("notes/printer-offline.md")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"history")
        await pilot.pause(0.2)  # the palette gathers its hits in a task
        assert isinstance(await press(pilot, "enter"), HistoryScreen)


async def test_the_help_key_closes_help_after_a_remap(root: Path) -> None:
    app = create_app(str(root), keys={"help": "f8"})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(await press(pilot, "f8"), HelpScreen)
        assert await press(pilot, "f8") is app.home


# -- screens move by messages ------------------------------------------------------------------


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_screens_and_widgets_never_import_the_app() -> None:
    tui = PROJECT / "kb" / "tui"
    for path in [*tui.glob("screens/*.py"), *tui.glob("widgets/*.py")]:
        imported = _imported_modules(path)  # inside functions and TYPE_CHECKING too
        assert not imported & {"kb.tui.app", "kb.tui.navigator"}, path.name
        assert "kb_app" not in path.read_text(), path.name


async def test_a_screen_asks_the_app_to_open_a_note(root: Path) -> None:
    app = create_app(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.home.post_message(OpenNote("notes/vpn-no-intranet.md"))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NoteScreen) and screen.path == "notes/vpn-no-intranet.md"
        screen.post_message(OpenNote("notes/printer-offline.md", "HEAD", "INC0012345"))
        await settle(pilot)
        revision = app.screen
        assert isinstance(revision, NoteScreen) and revision.path == "notes/printer-offline.md"
        assert getattr(revision, "revision", None) == "HEAD"


async def test_home_enter_opens_the_highlighted_note_through_a_message(root: Path) -> None:
    app = create_app(str(root))
    seen: list[str] = []
    async with app.run_test(size=(100, 30), message_hook=_record(seen)) as pilot:
        await settle(pilot)
        await pilot.press(*"printer")
        await settle(pilot)
        assert isinstance(await press(pilot, "enter"), NoteScreen)
    assert "OpenNote" in seen


def _record(seen: list[str]) -> Any:
    def hook(message: object) -> None:
        seen.append(type(message).__name__)

    return hook


# -- one factory, one stylesheet for dialogs ---------------------------------------------------


def test_create_app_is_reachable_without_importing_textual() -> None:
    code = "import sys, kb.tui; assert 'textual' not in sys.modules; kb.tui.create_app"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_create_app_needs_a_kb(tmp_path: Path) -> None:
    with pytest.raises(KBError):
        create_app(str(tmp_path / "nowhere"))


def test_the_cli_builds_the_app_with_the_factory() -> None:
    cli = (PROJECT / "kb" / "cli" / "app.py").read_text()
    assert "create_app(" in cli and "KBApp(" not in cli


def test_dialog_styles_live_in_one_stylesheet() -> None:
    screens = PROJECT / "kb" / "tui" / "screens"
    for sheet in screens.glob("*.tcss"):
        text = sheet.read_text()
        assert "align: center middle" not in text, sheet.name
        assert "background: $surface;\n    padding: 0 1" not in text, sheet.name
    app_sheet = (PROJECT / "kb" / "tui" / "app.tcss").read_text()
    assert ".dialog-screen" in app_sheet and ".dialog {" in app_sheet


async def test_dialogs_are_centred_boxes_from_the_app_stylesheet(root: Path) -> None:
    app = create_app(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.action_ticket_lookup()
        await settle(pilot)
        dialog = app.screen.query_one("#dialog")
        assert isinstance(app.screen, TicketPrompt)
        assert app.screen.styles.align_horizontal == "center"
        shared_border = dialog.styles.border_top
        assert shared_border[0] == "thick"
        assert dialog.outer_size.width == 64  # its own width, the box from app.tcss
        assert dialog.region.x > 0 and dialog.region.right < 100
        await press(pilot, "escape")
        app.push_screen(ConfirmScreen("Sure?"))
        await settle(pilot)
        confirm = app.screen.query_one("#dialog")
        # Its own warning border wins over the shared one.
        assert confirm.styles.border_top[0] == "thick"
        assert confirm.styles.border_top[1] != shared_border[1]
