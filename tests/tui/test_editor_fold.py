"""The built-in editor folds the front matter: the body in the text area, one line above it
saying what the block holds, a key to show the whole file; saves keep the block byte for byte."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from kb.tui.app import KBApp
from kb.tui.screens.confirm import ConfirmScreen
from kb.tui.screens.editor import EditorScreen
from kb.tui.screens.home import HomeScreen
from tests.helpers import git, git_log, notifications, rendered, send_keys, settle

BADGE = "notes/badge-reader.md"
#: Comments, quoting, spacing and a block list: what re-serialising the YAML would change.
FRONT = (
    "---\n"
    "# kb reads these; keep the quotes\n"
    "title: 'Badge reader [bold]beeps[/bold] twice'   # from INC0041005\n"
    "type:   fix\n"
    "status: validated\n"
    "tickets:\n"
    "  - INC0041005\n"
    '  - "INC0041006"\n'
    "tags: [badge,  door]\n"
    "---\n"
)
BODY = (
    "## Issue\n"
    "The badge reader beeps twice and the door stays shut.\n"
    "\n"
    "## Resolution\n"
    "Re-encode the card.\n"
)


def _commit(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))  # as given: line ends included
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Add note")


@asynccontextmanager
async def editing(root: Path, rel: str = BADGE) -> AsyncIterator[tuple[KBApp, Pilot[None]]]:
    """The app at 100x30 with the editor open on ``rel``."""
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.edit_note(rel)
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        yield app, pilot


def _line(app: KBApp) -> Static:
    return app.screen.query_one("#front-matter", Static)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
async def test_the_editor_shows_the_body_and_a_summary_and_keeps_the_block_byte_for_byte(
    tui_root: Path, newline: str
) -> None:
    front, body = FRONT.replace("\n", newline), BODY.replace("\n", newline)
    _commit(tui_root, BADGE, front + body)
    async with editing(tui_root) as (app, pilot):
        assert app.screen.query_one(TextArea).text == body
        line = rendered(_line(app))
        # The note's words are shown as typed, never read as markup.
        assert line == (
            "Front matter (ctrl+f shows it): "
            "Badge reader [bold]beeps[/bold] twice · fix · validated · 2 tickets"
        )
        assert not app.screen.modified
        await pilot.press("X", "ctrl+s")  # typed at once: goes into the body
        await settle(pilot)
        assert not app.screen.modified
    saved = (tui_root / BADGE).read_bytes().decode("utf-8")
    assert saved == front + "X" + body
    assert git_log(tui_root)[0] == "Edit: Badge reader [bold]beeps[/bold] twice"


async def test_unfolding_shows_the_whole_file_and_a_field_edit_saves(tui_root: Path) -> None:
    _commit(tui_root, BADGE, FRONT + BODY)
    async with editing(tui_root) as (app, pilot):
        area = app.screen.query_one(TextArea)
        area.cursor_location = (4, 3)  # in "Re-encode the card."
        await pilot.press("ctrl+f")
        assert area.text == FRONT + BODY
        assert area.cursor_location == (14, 3)  # the same place in the whole file
        assert rendered(_line(app)) == "Front matter shown in full (ctrl+f folds it)"
        assert not app.screen.modified  # showing is not changing
        area.text = area.text.replace("status: validated", "status: archived")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen) and not app.screen.modified
        assert app.screen.query_one(TextArea).text == app.screen.text  # still whole
    assert (tui_root / BADGE).read_text() == (FRONT + BODY).replace(
        "status: validated", "status: archived"
    )


async def test_folding_back_a_broken_front_matter_is_refused_with_a_line(tui_root: Path) -> None:
    _commit(tui_root, BADGE, FRONT + BODY)
    async with editing(tui_root) as (app, pilot):
        await pilot.press("ctrl+f")
        area = app.screen.query_one(TextArea)
        area.text = area.text.replace("type:   fix", "type: [fix")
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert area.text.startswith("---\n# kb reads these")  # still whole, to be fixed
        refused = [text for text in notifications(app) if text.startswith("Front matter not")]
        assert refused and "not valid YAML" in refused[-1] and "\n" not in refused[-1]
        # Fixed again, it folds, and with nothing changed there is nothing to save.
        area.text = area.text.replace("type: [fix", "type:   fix")
        area.cursor_location = (3, 5)  # in the block that folds away
        await pilot.press("ctrl+f")
        assert area.text == BODY and area.cursor_location == (0, 0)
        await pilot.press("escape")  # no question: the note is as on disk
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_unsaved_body_changes_ask_before_they_are_dropped_in_both_modes(
    tui_root: Path,
) -> None:
    _commit(tui_root, BADGE, FRONT + BODY)
    async with editing(tui_root) as (app, pilot):
        await pilot.press("Y", "ctrl+f", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n", "ctrl+f")  # folded again: still modified
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen) and app.screen.modified
        assert app.screen.query_one(TextArea).text == "Y" + BODY
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert (tui_root / BADGE).read_text() == FRONT + BODY


async def test_a_note_without_front_matter_opens_whole(tui_root: Path) -> None:
    _commit(tui_root, "notes/plain.md", BODY)
    async with editing(tui_root, "notes/plain.md") as (app, pilot):
        area = app.screen.query_one(TextArea)
        assert area.text == BODY and area.cursor_location == (0, 0)
        assert not _line(app).display
        await pilot.press("ctrl+f")
        assert "Front matter not folded: the note has no front matter" in notifications(app)
        await pilot.press("X", "ctrl+s")
        await settle(pilot)
    assert (tui_root / "notes/plain.md").read_text() == "X" + BODY


async def test_a_broken_front_matter_opens_whole_and_says_why(tui_root: Path) -> None:
    broken = FRONT.replace("type:   fix", "type: [fix")
    _commit(tui_root, BADGE, broken + BODY)
    async with editing(tui_root) as (app, _pilot):
        assert app.screen.query_one(TextArea).text == broken + BODY
        line = rendered(_line(app))
        assert line.startswith("Front matter shown in full: front matter is not valid YAML")


async def test_an_update_from_elsewhere_keeps_the_fold_and_the_cursor_on_its_line(
    tui_root: Path,
) -> None:
    _commit(tui_root, BADGE, FRONT + BODY)
    async with editing(tui_root) as (app, pilot):
        area = app.screen.query_one(TextArea)
        area.cursor_location = (4, 0)
        await pilot.press("Z")
        # Another kb adds a field and a line to the issue meanwhile.
        other = (FRONT + BODY).replace("status: validated\n", "status: validated\nowner: ana\n")
        other = other.replace("stays shut.\n", "stays shut.\nSeen on floor 3.\n")
        (tui_root / BADGE).write_text(other)
        await pilot.press("ctrl+s")
        await settle(pilot)
        disk = (tui_root / BADGE).read_text()
        assert "owner: ana\n" in disk and "Seen on floor 3." in disk and "ZRe-encode" in disk
        assert app.screen.text == disk and not app.screen.modified
        assert area.text.startswith("## Issue")  # still folded, the new field in the block
        assert area.cursor_location == (5, 1)  # still on "ZRe-encode the card."
        await pilot.press("W", "ctrl+s")
        await settle(pilot)
    assert (tui_root / BADGE).read_text() == disk.replace("ZRe-encode", "ZWRe-encode")


async def test_keys_typed_just_before_ctrl_s_or_ctrl_f_are_in_what_it_saves_or_shows(
    tui_root: Path,
) -> None:
    """A burst (a paste, a fast typist over a slow link) reaches the app as one read: the
    priority keys act on the text only once the text area has taken the keys before them."""
    _commit(tui_root, BADGE, FRONT + BODY)
    async with editing(tui_root) as (app, pilot):
        send_keys(app, "A", "B", "ctrl+s")
        await settle(pilot)
        await settle(pilot)
        assert not app.screen.modified
        send_keys(app, "C", "ctrl+f")
        await settle(pilot)
        assert app.screen.query_one(TextArea).text == FRONT + "ABC" + BODY
    assert (tui_root / BADGE).read_text() == FRONT + "AB" + BODY
