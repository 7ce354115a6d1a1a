"""The app ranks by meaning with the model the machine names, as the command line does
("stop asking" finds the screen-lock note first by its words, the printer note by meaning)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.tui.app import KBApp
from tests.helpers import (
    PRINTER_PASSWORD,
    SCREEN_LOCK,
    meaning_kb,
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
