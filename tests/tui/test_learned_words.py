"""The app teaches a note the words of the search that ended at it, and shows and forgets
them from the command palette."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.search import learned
from kb.tui.app import KBApp
from kb.tui.screens.home import HomeScreen
from kb.tui.screens.note import NoteScreen
from tests.helpers import OOF, learning_kb, notifications, search, settle


@pytest.fixture
def root(tmp_path: Path, engine: str) -> Path:
    return learning_kb(tmp_path / "kb", engine)


async def test_opening_a_hit_in_the_app_teaches_the_note(root: Path) -> None:
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        results = await search(pilot, "oof automatic replies")
        assert results.hits and results.hits[0].path == OOF
        await pilot.press("enter")
        await settle(pilot)
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, NoteScreen)
        assert learned.read_words(root) == {OOF: ["oof"]}
        assert any("Learned search words" in text for text in notifications(app))


async def test_the_palette_shows_and_forgets_a_notes_learned_words(root: Path) -> None:
    with KnowledgeBase.open(root) as kb:
        kb.learn("oof holiday", OOF)
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        results = await search(pilot, "oof")
        assert results.selected_hit is not None and results.selected_hit.path == OOF
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        await screen.run_action("search_words")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Learned search words: oof, holiday" in notifications(app)
        await screen.run_action("forget_search_words")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Forgot: oof, holiday" in notifications(app)
    assert learned.read_words(root) == {}
