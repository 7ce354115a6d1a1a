"""Nothing goes wrong on a live call: the app's edits, dialogs, promises, keys and words."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest
from textual.widgets import TextArea

from kb.tui.app import KBApp
from kb.tui.screens.confirm import ConfirmScreen
from kb.tui.screens.editor import EditorScreen
from kb.tui.screens.note import NoteScreen
from tests.helpers import git_log, notifications, open_note, settle

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
        assert area.cursor_location[0] == 8  # the first line after the closing '---'
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
