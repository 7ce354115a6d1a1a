"""Guides, health and flags in the app, driven by Textual's pilot on real KBs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, OptionList, Static, TextArea

from kb import KnowledgeBase
from kb.guides.guide import load_guides
from kb.guides.progress import PROGRESS_FILE
from kb.knowledgebase.starter import starter_notes
from kb.search.log import read as read_search_log
from kb.tui.app import PRELOAD_AFTER, KBApp
from kb.tui.display import possessive
from kb.tui.screens.editor import EditorScreen
from kb.tui.screens.flag import FlagDialog
from kb.tui.screens.guide_reader import BROKEN_MARK, GuideReaderScreen
from kb.tui.screens.guides import GuidesScreen
from kb.tui.screens.health import HealthScreen
from kb.tui.screens.note import NoteScreen
from kb.tui.widgets.results import ResultsList
from tests.helpers import built_once, git_log, held_by, notifications, settle, use_engine

GUIDE = "notes/guide-using-kb.md"


def _starter_kb(root: Path) -> None:
    source = starter_notes()
    assert source is not None
    root.mkdir()
    shutil.copytree(source, root / "notes")
    KnowledgeBase.init(root)
    use_engine(root, "whoosh")
    subprocess.run(["git", "commit", "-qam", "Whoosh"], cwd=root, check=True, capture_output=True)
    with KnowledgeBase.open(root) as kb:
        kb.reindex()


@pytest.fixture
def starter_root(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starter KB as a new hire gets it: a git repository, indexed."""
    return built_once(tmp_path_factory, "starter-whoosh", _starter_kb, tmp_path / "kb")


def reader(app: KBApp) -> GuideReaderScreen:
    screen = app.screen
    assert isinstance(screen, GuideReaderScreen), screen
    return screen


def path_rows(screen: GuideReaderScreen) -> list[str]:
    options = screen.query_one("#guide-path", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def open_guide(pilot: Pilot[None], title_words: str) -> GuideReaderScreen:
    """f4, highlight the guide whose title has these words, enter."""
    app = pilot.app
    await pilot.press("f4")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, GuidesScreen)
    options = screen.query_one("#guides", OptionList)
    index = next(i for i, guide in enumerate(screen.guides) if title_words in guide.title)
    options.highlighted = index
    await pilot.press("enter")
    await settle(pilot)
    return reader(app)  # type: ignore[arg-type]


async def test_new_hire_reads_three_notes_quits_and_continues_at_the_fourth(
    starter_root: Path,
) -> None:
    with KnowledgeBase.open(starter_root) as kb:
        guide = next(g for g in load_guides(kb)[0] if g.path == GUIDE)
    steps = [step.path for step in guide.steps]
    assert len(steps) >= 5 and None not in steps

    app = KBApp(str(starter_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_guide(pilot, "Using kb")
        # A first-time reader starts with the guide's own text.
        assert screen.current == 0
        assert "About this guide" in path_rows(screen)[0]
        assert "0/" in str(screen.query_one("#guide-title", Static).render())
        for _ in range(4):  # the guide's text, then three notes read
            await pilot.press("n")
            await settle(pilot)
        assert screen.current == 4
        assert screen.note is not None and screen.note.path == steps[3]
        rows = path_rows(screen)
        assert [row[0] for row in rows[1:5]] == ["✓", "✓", "✓", "▶"]
        assert f"3/{len(steps)} read" in str(screen.query_one("#guide-title", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, GuidesScreen)
        assert f"3/{len(steps)} read" in str(
            app.screen.query_one("#guides", OptionList)
            .get_option_at_index(
                next(i for i, g in enumerate(app.screen.guides) if g.path == GUIDE)
            )
            .prompt
        )

    stored = json.loads((starter_root / PROGRESS_FILE).read_text())
    assert sorted(stored["readers"]["Ana Tester"]["read"]) == sorted(steps[:3])
    assert not subprocess.run(
        ["git", "status", "--porcelain"], cwd=starter_root, capture_output=True, text=True
    ).stdout.strip(), "reading progress must stay local (git-ignored)"

    again = KBApp(str(starter_root))
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_guide(pilot, "Using kb")
        assert screen.current == 4
        assert screen.note is not None and screen.note.path == steps[3]
        markdown = screen.query_one("#step-markdown", Markdown)
        assert markdown.source.strip()
        assert any("Welcome back: step 4" in text for text in notifications(again))
        # Previous goes back without un-reading; the arrows work too.
        await pilot.press("left")
        await settle(pilot)
        assert screen.current == 3
        await pilot.press("right")
        await settle(pilot)
        assert screen.current == 4


async def test_guide_reader_fits_80x24(starter_root: Path) -> None:
    app = KBApp(str(starter_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_guide(pilot, "Using kb")
        path = screen.query_one("#guide-path", OptionList)
        document = screen.query_one("#guide-document")
        assert path.region.width >= 20 and document.region.width >= 40
        assert path.region.right <= document.region.x
        assert document.region.bottom <= 23  # above the footer


async def test_damaged_progress_file_is_a_warning_not_a_crash(starter_root: Path) -> None:
    (starter_root / ".kb").mkdir(exist_ok=True)
    (starter_root / PROGRESS_FILE).write_text("{not json")
    app = KBApp(str(starter_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_guide(pilot, "Using kb")
        assert screen.current == 0
        assert any("damaged" in text for text in notifications(app))
        await pilot.press("n", "n")
        await settle(pilot)
    assert json.loads((starter_root / PROGRESS_FILE).read_text())["readers"]
    assert (starter_root / ".kb" / "progress.json.bad").read_text() == "{not json"


async def test_guides_and_health_from_the_palette(starter_root: Path) -> None:
    app = KBApp(str(starter_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        names = [command.name for command in app.palette_commands()]
        assert "Guides" in names and "Health" in names
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, HealthScreen)
        text = str(app.screen.query_one("#health-report", Static).render())
        assert "Notes: 32" in text and "Reuse" in text and "Flagged for rework: none" in text
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HealthScreen)


async def test_guides_and_health_show_what_was_last_read_with_their_first_frame(
    starter_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app reads the guides once after start, and health keeps the figures it last
    worked out: each screen shows them at once while its own read (slow here) is held, never
    the "working out" line; the first F4 included."""
    import threading

    from kb.guides import guide
    from kb.health import stats

    app = KBApp(str(starter_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(PRELOAD_AFTER)
        await app.workers.wait_for_complete()
        await pilot.press("f3")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await pilot.press("escape")
        await settle(pilot)
        held = threading.Event()
        monkeypatch.setattr(stats, "compute", held_by(held, stats.compute))
        monkeypatch.setattr(guide, "load_guides", held_by(held, guide.load_guides))
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, GuidesScreen)
        assert app.screen.query_one("#guides", OptionList).option_count >= 1
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, HealthScreen)
        assert "Notes: 32" in str(app.screen.query_one("#health-report", Static).render())
        held.set()
        await settle(pilot)
        assert "Notes: 32" in str(app.screen.query_one("#health-report", Static).render())


async def test_flag_a_note_then_fix_it_in_the_editor(starter_root: Path) -> None:
    note = "notes/printer-offline-spooler.md"
    before = (starter_root / note).read_text()
    app = KBApp(str(starter_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_note(note)
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FlagDialog)
        app.screen.query_one("#reason", Input).value = "step 2 is wrong on Windows 11"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        header = str(app.screen.query_one("#note-header", Static).render())
        assert "flagged for rework: step 2 is wrong on Windows 11" in header
        assert git_log(starter_root)[0].endswith(": step 2 is wrong on Windows 11")
        flagged = (starter_root / note).read_text()
        assert "flag: step 2 is wrong on Windows 11\n" in flagged
        assert (
            flagged.replace(
                "".join(line for line in flagged.splitlines(keepends=True) if "flag" in line), ""
            )
            == before
        )

        # Search results show the marker.
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press(*"printer offline")
        await settle(pilot)
        hits = app.screen.query_one(ResultsList).hits
        assert hits[0].path == note and hits[0].flag == "step 2 is wrong on Windows 11"
        assert "⚑ flagged" in str(app.screen.query_one(ResultsList).get_option_at_index(0).prompt)

        # Fixing the note clears the flag in the same commit.
        app.edit_note(note)
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        area = app.screen.query_one(TextArea)
        area.text = area.text.replace("Windows 11 23H2/24H2", "Windows 11 23H2, 24H2 and 25H2")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("Flag cleared" in text for text in notifications(app))
        saved = (starter_root / note).read_text()
        assert "flag" not in saved and "25H2" in saved
        assert app.screen.text == saved
        assert git_log(starter_root)[0].startswith("Edit: ")
        assert not app.screen.modified


async def test_settled_empty_search_is_logged_once_keystrokes_are_not(starter_root: Path) -> None:
    app = KBApp(str(starter_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"quokka zebra")
        await settle(pilot)
        assert read_search_log(starter_root) == []
        await pilot.press("escape")  # clearing the search settles it
        await settle(pilot)
        logged = read_search_log(starter_root)
        assert [(item.query, item.source) for item in logged] == [("quokka zebra", "app")]
        await pilot.press(*"printer offline")
        await settle(pilot)
    # Quitting settles the search shown; a strong match is not logged.
    assert len(read_search_log(starter_root)) == 1


def test_a_readers_name_ending_in_s_takes_an_apostrophe_only() -> None:
    assert possessive("Ana Tester") == "Ana Tester's"
    assert possessive("Seed maintainers") == "Seed maintainers'"
    assert possessive("JAMES") == "JAMES'"


async def test_a_step_to_a_binary_file_is_marked_broken_in_the_app(guide_root: Path) -> None:
    (guide_root / "notes/printer-offline.md").write_bytes(b"\x00\x01binary\x00" * 20)
    app = KBApp(str(guide_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        guides = app.screen.query_one("#guides", OptionList)
        rows = [str(guides.get_option_at_index(i).prompt) for i in range(guides.option_count)]
        assert any("Printing basics" in row and "1 broken step" in row for row in rows)
        screen = await open_guide(pilot, "Printing basics")
        await pilot.press("n")
        await settle(pilot)
        assert screen.current == 1 and screen.note is None
        header = str(screen.query_one("#step-header").render())
        assert "leads nowhere" in header and "binary" in header
        await pilot.press("n")  # on to the next step: the broken one is not read
        await settle(pilot)
        assert screen.current == 2 and screen.note is not None
        assert path_rows(screen)[1].startswith(BROKEN_MARK)
        assert "0/2 read" in str(screen.query_one("#guide-title", Static).render())
