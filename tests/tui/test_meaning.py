"""The app ranks by meaning with the model the machine names, as the command line does
("stop asking" finds the screen-lock note first by its words, the printer note by meaning)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.tui.app import PRELOAD_AFTER, KBApp
from tests.helpers import (
    PRINTER_PASSWORD,
    SCREEN_LOCK,
    meaning_kb,
    notifications,
    search,
    settle,
    tiny_meaning_model,
)


@pytest.fixture
def root(tmp_path: Path, engine: str) -> Path:
    return meaning_kb(tmp_path / "kb", engine)


async def test_the_app_lists_first_the_note_meaning_what_was_typed(
    root: Path, tmp_path: Path
) -> None:
    model = tiny_meaning_model(tmp_path / "model")
    (root / ".kb" / "local.toml").write_text(f"[search]\nmeaning = {json.dumps(str(model))}\n")
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        results = await search(pilot, "stop asking")
        assert [hit.path for hit in results.hits][:2] == [PRINTER_PASSWORD, SCREEN_LOCK]


async def test_the_app_says_once_why_the_model_is_not_used(root: Path, tmp_path: Path) -> None:
    missing = json.dumps(str(tmp_path / "nowhere"))
    (root / ".kb").mkdir(exist_ok=True)
    (root / ".kb" / "local.toml").write_text(f"[search]\nmeaning = {missing}\n")
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(PRELOAD_AFTER)
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = [text for text in notifications(app) if "ranked by words alone" in text]
        assert len(said) == 1 and "no such folder" in said[0]
        results = await search(pilot, "stop asking")
        assert [hit.path for hit in results.hits][:2] == [SCREEN_LOCK, PRINTER_PASSWORD]
