"""Nothing goes wrong on a live call: the app's edits, dialogs, promises, keys and words."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from kb.tui.app import KBApp
from kb.tui.navigation import OpenGuide
from kb.tui.screens.ask import AskScreen
from kb.tui.screens.confirm import ConfirmScreen
from kb.tui.screens.editor import EditorScreen
from kb.tui.screens.guide_reader import GuideReaderScreen
from kb.tui.screens.home import HomeScreen
from kb.tui.screens.note import NoteScreen
from tests.helpers import git_log, notifications, open_note, send_keys, settle

VPN = "notes/vpn-no-intranet.md"

# -- point 1: the front matter survives the editors ---------------------------------------------


async def test_editor_opens_in_the_body_so_typing_never_breaks_the_front_matter(
    tui_root: Path,
) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, VPN)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        area = app.screen.query_one(TextArea)
        assert area.text.startswith("## Issue")  # the front matter is folded away
        assert area.cursor_location == (0, 0)  # the first line after the closing '---'
        await pilot.press("X", "ctrl+s")
        await settle(pilot)
    text = (tui_root / VPN).read_text()
    assert text.startswith("---\ntitle: VPN connected")
    assert "\nX## Issue" in text


async def test_editor_asks_before_saving_a_broken_front_matter(tui_root: Path) -> None:
    log = git_log(tui_root)
    before = (tui_root / VPN).read_bytes()
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.edit_note(VPN)
        await settle(pilot)
        await pilot.press("ctrl+f")  # the whole file: the guard still stands on save
        area = app.screen.query_one(TextArea)
        area.cursor_location = (0, 0)
        await pilot.press("X", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "plain text" in app.screen.question
        assert "- tickets: [HELP-482]" in app.screen.question
        await pilot.press("n")  # keep editing
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        assert git_log(tui_root) == log
        assert (tui_root / VPN).read_bytes() == before
        await pilot.press("ctrl+s", "y")  # save anyway, having seen the difference
        await settle(pilot)
    assert git_log(tui_root)[0].startswith("Edit: ")
    assert (tui_root / VPN).read_text().startswith("X---")


async def test_external_editor_that_drops_fields_asks_and_can_put_the_note_back(
    tui_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('status: archived\\n', ''))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    log = git_log(tui_root)
    before = (tui_root / VPN).read_bytes()
    app = KBApp(str(tui_root))
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, VPN)
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "status" in app.screen.question
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert any("Not saved" in text for text in notifications(app))
    assert (tui_root / VPN).read_bytes() == before
    assert git_log(tui_root) == log
    assert list((tui_root / ".kb/unsaved").glob("vpn-no-intranet-*.md"))


# -- point 4: dialogs ------------------------------------------------------------------------


async def test_ask_from_a_search_takes_keys_typed_while_it_opens_in_who_is_waiting(
    tui_root: Path,
) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.action_ask("vpn 809")
        # Typed before the dialog has drawn: nothing lost, nothing in the question.
        send_keys(app, *"John x1234")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AskScreen)
        assert screen.query_one("#question", Input).value == "vpn 809"
        assert screen.query_one("#asked-by", Input).value == "John x1234"
        # The default promise is a placeholder, not text to delete before typing.
        assert screen.query_one("#promised", Input).value == ""


async def test_keys_typed_straight_after_the_ask_key_reach_the_dialog(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"vpn")
        await settle(pilot)
        # All queued before the app handles any: the Ask key, then who is waiting.
        send_keys(app, "ctrl+a", *"Jo")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        assert app.screen.query_one("#asked-by", Input).value == "Jo"
        assert app.home.query_one("#search", Input).value == "vpn"


async def test_ask_from_an_empty_search_takes_the_question_first(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.action_ask("")
        send_keys(app, *"vpn")
        await settle(pilot)
        assert app.screen.query_one("#question", Input).value == "vpn"


# -- point 6: getting back -------------------------------------------------------------------


async def test_one_key_goes_home_from_deep_screens_with_the_query_kept(
    guide_root: Path,
) -> None:
    from kb import KnowledgeBase

    with KnowledgeBase.open(guide_root) as kb:
        kb.reindex()
    app = KBApp(str(guide_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"printer")
        await settle(pilot)
        await open_note(pilot, "notes/printer-offline.md")
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert len(app.screen_stack) >= 4
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        search = app.screen.query_one("#search", Input)
        assert app.focused is search
        assert search.value == "printer"


async def test_guide_reader_keys_never_act_on_a_step_not_yet_shown(guide_root: Path) -> None:
    app = KBApp(str(guide_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.post_message(OpenGuide("notes/guides/first-week.md"))
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, GuideReaderScreen)
        assert reader.guide is not None
        reader.show(1)
        await settle(pilot)
        assert reader.note is not None
        shown = reader.note.path
        # Moved on: the next step's note is not on screen yet. Keys pressed now must not
        # mark it read, nor open the note that was shown before.
        reader.show(2)
        reader.action_next()
        reader.action_open_note()
        assert reader.current == 2
        assert reader.guide.steps[1].path not in reader.read
        await settle(pilot)
        assert app.screen is reader
        assert reader.note is not None and reader.note.path != shown


# -- point 5: promises -----------------------------------------------------------------------


async def test_promises_falling_due_notify_once_and_only_their_owner(tui_root: Path) -> None:
    import datetime as dt

    from kb import KnowledgeBase
    from kb.notes import frontmatter
    from kb.questions.asking import ask

    now = dt.datetime.now().replace(second=0, microsecond=0)
    with KnowledgeBase.open(tui_root) as kb:
        mine = ask(kb, "Why is the scanner slow", now=now, promised="+1h", asked_by="Lea x2200")
        ben = ask(kb, "Why is the plotter slow", now=now, promised="+1h")
        late = ask(kb, "Why is the copier slow", now=now, promised="2020-01-01 10:00")
        for saved in (ben.saved, late.saved):
            path = tui_root / saved.path
            path.write_text(frontmatter.set_field(path.read_text(), "author", "Ben Tech"))
            kb.record_edit(saved.path, "Ben's question")
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        # Ben's overdue call-back is his to make: nothing announced to Ana at start.
        assert not any("overdue" in text for text in notifications(app))
        app.check_due(now + dt.timedelta(hours=2))
        await settle(pilot)
        due = [text for text in notifications(app) if text.startswith("Call-back due now")]
        assert due == ["Call-back due now: Lea x2200 — Why is the scanner slow (f2 to see it)"]
        assert mine.question.title in due[0]
        app._due_checked = now  # looked at again: still said once
        app.check_due(now + dt.timedelta(hours=3))
        await settle(pilot)
        assert len([t for t in notifications(app) if t.startswith("Call-back due now")]) == 1


async def test_the_promise_check_waits_for_a_pause_in_typing(tui_root: Path) -> None:
    """The half-minute look at every file waits while the technician types, then runs."""
    import time

    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        ran: list[bool] = []
        app.check_due = lambda *args: ran.append(True)  # type: ignore[method-assign]
        await pilot.press("p", "r", "i")
        assert time.monotonic() - app.typed_at < 1.0
        app.due_tick()
        assert ran == []  # held back, and asked again after the pause
        app.typed_at -= 10
        app.due_tick()
        assert ran == [True]


def test_work_at_start_that_reads_every_file_waits_for_a_typing_pause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time
    from types import SimpleNamespace

    from kb.tui import pauses

    monkeypatch.setattr(pauses, "TYPING_PAUSE", 0.2)
    app = SimpleNamespace(typed_at=time.monotonic())
    started = time.monotonic()
    pauses.wait_for_typing_pause(app)
    assert time.monotonic() - started >= 0.19
    app.typed_at -= 10
    started = time.monotonic()
    pauses.wait_for_typing_pause(app)
    assert time.monotonic() - started < 0.05


async def test_the_app_keeps_pauses_short_while_it_runs_and_restores_them(
    tui_root: Path,
) -> None:
    import gc
    import sys

    from kb.tui.pauses import FULL_COLLECTION_AFTER, SWITCH_INTERVAL

    before = (sys.getswitchinterval(), gc.get_threshold())
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        assert gc.get_threshold()[2] == FULL_COLLECTION_AFTER
    assert (sys.getswitchinterval(), gc.get_threshold()) == before


# -- point 8: words --------------------------------------------------------------------------


async def test_a_note_with_broken_front_matter_is_pointed_out_in_the_app(tui_root: Path) -> None:
    note = tui_root / VPN
    note.write_text(note.read_text().replace("tags: [vpn, dns]", "tags: [vpn, dns"))
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, VPN)
        warned = [text for text in notifications(app) if "not valid YAML" in text]
        assert len(warned) == 1 and "Press e to fix it" in warned[0]


# -- point 7: linking a ticket answers at once -----------------------------------------------


async def test_linking_a_ticket_closes_the_dialog_at_once_and_commits_off_the_loop(
    tui_root: Path,
) -> None:
    from kb.tui.screens.ticket_dialogs import LinkTicketDialog

    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, VPN)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LinkTicketDialog)
        await pilot.press(*"INC0088001", "enter")
        await pilot.pause()
        # Closed at once with the note usable; git works in the background.
        assert isinstance(app.screen, NoteScreen)
        assert any(text.startswith("Linking INC0088001") for text in notifications(app))
        await settle(pilot)
        assert any(text.startswith("Linked INC0088001") for text in notifications(app))
        assert git_log(tui_root)[0].startswith("Link INC0088001")
        # The next link offers the ticket as a placeholder that enter takes.
        await pilot.press("ctrl+l")
        await settle(pilot)
        box = app.screen.query_one("#ticket-id", Input)
        assert box.value == "" and box.placeholder.startswith("INC0088001")


async def test_a_ticket_without_a_record_says_so_once(tui_root: Path) -> None:
    from textual.widgets import Static

    from kb.tui.screens.ticket import TicketScreen

    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_ticket("HELP-482")  # named by the VPN note, no record in tickets/
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        shown = " ".join(str(widget.render()) for widget in app.screen.query(Static))
        assert shown.count("No ticket record") == 1


async def test_the_link_picker_lists_the_titles_of_the_notes_linked(tui_root: Path) -> None:
    from textual.widgets import OptionList

    from kb.tui.screens.links import LinkPicker

    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, "notes/network/reset-network-stack.md")
        await pilot.press("l")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, LinkPicker)
        options = picker.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(p.startswith("Printer shows offline and jobs are stuck") for p in prompts)
        assert any(p.startswith("VPN connected but intranet sites do not open") for p in prompts)


# -- point 7: every screen opens without a blank frame ---------------------------------------


async def test_a_screen_has_its_footer_keys_from_its_first_frame(tui_root: Path) -> None:
    from textual.screen import Screen
    from textual.widgets._footer import FooterKey

    from kb.tui.screens.help import HelpScreen

    app = KBApp(str(tui_root))
    frames: list[tuple[Screen[object], list[str]]] = []
    display = app._display

    def displayed(screen: Screen[object], update: object) -> None:
        """Note the footer's keys of each frame put on the terminal."""
        if update is not None:
            frames.append((screen, [key.action for key in screen.query(FooterKey)]))
        display(screen, update)  # type: ignore[arg-type]

    app._display = displayed  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        help_frames = [keys for screen, keys in frames if isinstance(screen, HelpScreen)]
        assert help_frames
        assert "close" in " ".join(help_frames[0])  # no frame with an empty footer bar
        assert all(keys == help_frames[0] for keys in help_frames)
