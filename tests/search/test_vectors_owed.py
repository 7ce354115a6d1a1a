"""``kb search`` takes in a few edited notes without their meaning vectors (NumPy and the
tokenizer cost a short-lived process more than the search), ranks them as a rebuilt index
would, and lists them; the next update that loads the model gives them their vectors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.search import vectors_owed
from kb.tui.app import KBApp
from tests.helpers import (
    PRINTER_PASSWORD,
    SCREEN_LOCK,
    Cli,
    meaning_kb,
    no_traceback,
    settle,
    tiny_meaning_model,
)

QUERY = "stop asking"


@pytest.fixture
def root(tmp_path: Path, engine: str) -> Path:
    root = meaning_kb(tmp_path / "kb", engine)
    local = root / ".kb" / "local.toml"
    local.parent.mkdir(parents=True, exist_ok=True)
    model = tiny_meaning_model(tmp_path / "model")
    local.write_text(f"[search]\nmeaning = {json.dumps(str(model))}\n")
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
    return root


def _edit(root: Path, rel: str, line: str) -> None:
    path = root / rel
    path.write_text(path.read_text() + f"\n{line}\n")


def _owed(kb: KnowledgeBase) -> list[str]:
    kb.index.engine()
    return vectors_owed.read(kb.index.folder / str(kb.index._generation))


def _ranked(kb: KnowledgeBase) -> list[tuple[str, float, bool]]:
    return [(hit.path, hit.score, bool(hit.meaning)) for hit in kb.search(QUERY, refresh=False)]


def test_kb_search_takes_in_edits_without_vectors(root: Path) -> None:
    """The search does not rank the edited note: its vector is left for later."""
    _edit(root, PRINTER_PASSWORD, "The toner page asks again after a reset.")
    result = Cli(root)("search", "--json", "screen saver")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert [hit["path"] for hit in json.loads(result.stdout)] == [SCREEN_LOCK]
    with KnowledgeBase.open(root) as kb:
        assert _owed(kb) == [PRINTER_PASSWORD]
        assert dict((path, stored) for path, _, stored in _ranked(kb)) == {
            PRINTER_PASSWORD: False,
            SCREEN_LOCK: True,
        }


def test_a_note_owed_its_vector_ranks_as_with_it(root: Path, tmp_path: Path, engine: str) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(root, twin, symlinks=True)
    for each in (root, twin):
        _edit(each, PRINTER_PASSWORD, "The toner page asks again after a reset.")
    with KnowledgeBase.open(root) as kb:
        kb.index.vectors_later = True
        kb.refresh()
        assert _owed(kb) == [PRINTER_PASSWORD]
        waiting = _ranked(kb)
        # Worked out from its text as the search ranks it.
        assert dict((path, stored) for path, _, stored in waiting) == {
            PRINTER_PASSWORD: False,
            SCREEN_LOCK: True,
        }
        kb.reindex(rebuild=True)
        rebuilt = _ranked(kb)
    with KnowledgeBase.open(twin) as kb:  # the same update, the vector stored
        kb.refresh()
        assert _owed(kb) == []
        with_vector = _ranked(kb)
    assert [(path, score) for path, score, _ in waiting] == [
        (path, score) for path, score, _ in with_vector
    ]
    if engine == "tantivy":
        # Whoosh counts a replaced document in its statistics until segments merge.
        assert [(path, score) for path, score, _ in rebuilt] == [
            (path, score) for path, score, _ in waiting
        ]
        assert rebuilt[0][0] == PRINTER_PASSWORD


def test_a_kb_search_that_ranks_an_owed_note_gives_it_its_vector(root: Path) -> None:
    """Its meaning was worked out for the ranking (the model is loaded): once the hits are
    out, it is stored, and the next search does not pay for it again."""
    _edit(root, PRINTER_PASSWORD, "The toner page asks again after a reset.")
    with KnowledgeBase.open(root) as kb:
        kb.index.vectors_later = True
        kb.refresh()
        assert _owed(kb) == [PRINTER_PASSWORD]
    result = Cli(root)("search", "--json", QUERY)
    no_traceback(result)
    assert PRINTER_PASSWORD in [hit["path"] for hit in json.loads(result.stdout)]
    with KnowledgeBase.open(root) as kb:
        assert _owed(kb) == []
        assert all(stored for _, _, stored in _ranked(kb))


def test_kb_index_gives_the_notes_their_vectors(root: Path) -> None:
    _edit(root, SCREEN_LOCK, "The prompt comes back after sleep.")
    assert Cli(root)("search", "toner").exit_code == 0  # not a hit: its vector waits
    with KnowledgeBase.open(root) as kb:
        assert _owed(kb) == [SCREEN_LOCK]
    result = Cli(root)("index")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    with KnowledgeBase.open(root) as kb:
        assert _owed(kb) == []
        assert all(stored for _, _, stored in _ranked(kb))


def test_an_update_not_asked_to_wait_fills_them_with_what_it_takes_in(root: Path) -> None:
    with KnowledgeBase.open(root) as kb:
        kb.index.vectors_later = True
        _edit(root, SCREEN_LOCK, "The prompt comes back after sleep.")
        kb.refresh()
        assert _owed(kb) == [SCREEN_LOCK]
    with KnowledgeBase.open(root) as kb:  # the API's own search waits for nothing
        _edit(root, PRINTER_PASSWORD, "The toner page asks again after a reset.")
        report = kb.refresh()
        assert report is not None and report.changed == [PRINTER_PASSWORD]
        assert _owed(kb) == []
        assert all(stored for _, _, stored in _ranked(kb))


def test_past_the_bound_every_owed_note_gets_its_vector(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors_owed, "AT_MOST", 1)
    with KnowledgeBase.open(root) as kb:
        kb.index.vectors_later = True
        _edit(root, SCREEN_LOCK, "The prompt comes back after sleep.")
        kb.refresh()
        assert _owed(kb) == [SCREEN_LOCK]
        _edit(root, PRINTER_PASSWORD, "The toner page asks again after a reset.")
        kb.refresh()
        assert _owed(kb) == []
        assert all(stored for _, _, stored in _ranked(kb))


def test_a_damaged_list_is_read_as_none(tmp_path: Path) -> None:
    (tmp_path / vectors_owed.OWED_FILE).write_text('["notes/a.md", 3, {"x": 1}]')
    assert vectors_owed.read(tmp_path) == ["notes/a.md"]
    (tmp_path / vectors_owed.OWED_FILE).write_text('{"notes/a.md": true')
    assert vectors_owed.read(tmp_path) == []
    vectors_owed.write(tmp_path, [], tmp_path)
    assert not (tmp_path / vectors_owed.OWED_FILE).exists()


async def test_the_app_gives_them_their_vectors_once_start_is_over(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.tui import app as app_module

    _edit(root, SCREEN_LOCK, "The prompt comes back after sleep.")
    assert Cli(root)("search", "toner").exit_code == 0
    monkeypatch.setattr(app_module, "PRELOAD_AFTER", 0.05)
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for _ in range(50):
            await pilot.pause(0.1)
            if not _owed(app.kb):
                break
        assert _owed(app.kb) == []
    with KnowledgeBase.open(root) as kb:
        assert all(stored for _, _, stored in _ranked(kb))
