"""Ranking by meaning: a small static embedding model, built here, lifts the note that means
what the caller said when the words differ; the model is the machine's own choice, its vectors
are stored in the index, and a model that cannot be read leaves search working as before."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.search import meaning, meaning_words
from tests.helpers import (
    PRINTER_PASSWORD,
    SCREEN_LOCK,
    Cli,
    meaning_kb,
    no_traceback,
    tiny_meaning_model,
)

QUERY = "stop asking"


@pytest.fixture
def root(tmp_path: Path, engine: str) -> Path:
    return meaning_kb(tmp_path / "kb", engine)


def _choose(root: Path, choice: str) -> None:
    """The machine's own choice of model (``.kb/local.toml``)."""
    local = root / ".kb" / "local.toml"
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_text(f"[search]\nmeaning = {json.dumps(choice)}\n")


def _paths(root: Path, query: str = QUERY) -> list[str]:
    with KnowledgeBase.open(root) as kb:
        return [hit.path for hit in kb.search(query)]


def test_the_note_meaning_what_was_said_ranks_first(root: Path, tmp_path: Path) -> None:
    # By its words alone the screen note wins ("stop" twice); the model reads "asking" as
    # what a printer's page does.
    assert _paths(root)[:2] == [SCREEN_LOCK, PRINTER_PASSWORD]
    _choose(root, str(tiny_meaning_model(tmp_path / "model")))
    assert _paths(root)[:2] == [PRINTER_PASSWORD, SCREEN_LOCK]
    # Words found in one note only still find it first.
    assert _paths(root, "screen saver")[0] == SCREEN_LOCK


def test_vectors_are_stored_in_the_index_and_a_rebuild_ranks_alike(
    root: Path, tmp_path: Path
) -> None:
    _choose(root, str(tiny_meaning_model(tmp_path / "model")))
    with KnowledgeBase.open(root) as kb:
        report = kb.reindex()
        assert kb.index.format_id.endswith(meaning.identity(kb.settings.meaning) or "?")
        hits = kb.search(QUERY)
        assert all(hit.meaning for hit in hits), "each note's vector comes from the index"
        incremental = [(hit.path, round(hit.score, 6)) for hit in hits]
        # A note edited and indexed again gets its vector again.
        (root / SCREEN_LOCK).write_text(
            (root / SCREEN_LOCK).read_text() + "\nThe lock prompt comes back after sleep.\n"
        )
        assert SCREEN_LOCK in kb.reindex().changed
        assert kb.search(QUERY)[0].meaning
        kb.reindex(rebuild=True)
        rebuilt = kb.search(QUERY)
        assert [hit.path for hit in rebuilt] == [path for path, _ in incremental]
    assert report is not None


def test_turning_the_model_off_rebuilds_the_index_once_without_vectors(
    root: Path, tmp_path: Path
) -> None:
    _choose(root, str(tiny_meaning_model(tmp_path / "model")))
    assert _paths(root)[0] == PRINTER_PASSWORD
    _choose(root, "off")
    with KnowledgeBase.open(root) as kb:
        report = kb.refresh()
        assert report is not None and "meaning model was turned on, off or changed" in (
            report.rebuilt or ""
        )
        hits = kb.search(QUERY)
        assert [hit.path for hit in hits][:2] == [SCREEN_LOCK, PRINTER_PASSWORD]
        assert not any(hit.meaning for hit in hits)
        assert kb.meaning is None


def test_a_model_that_cannot_be_read_leaves_search_as_it_was(root: Path, tmp_path: Path) -> None:
    broken = tiny_meaning_model(tmp_path / "broken")
    (broken / "model.safetensors").write_bytes(struct.pack("<Q", 2) + b"{}")
    _choose(root, str(broken))
    with KnowledgeBase.open(root) as kb:
        assert [hit.path for hit in kb.search(QUERY)][:2] == [SCREEN_LOCK, PRINTER_PASSWORD]
        assert kb.meaning is None
        assert "expected one matrix" in (kb.meaning_problem or "")
    _choose(root, str(tmp_path / "nowhere"))
    with KnowledgeBase.open(root) as kb:
        assert kb.search(QUERY)
        assert "no such folder" in (kb.meaning_problem or "")


def test_a_matrix_whose_size_does_not_match_its_bytes_is_refused(tmp_path: Path) -> None:
    header = json.dumps(
        {"embeddings": {"dtype": "F16", "shape": [1000, 256], "data_offsets": [0, 8]}}
    ).encode()
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 8)
    with pytest.raises(meaning.MeaningError, match="does not match"):
        meaning.Table.read(path)


def test_a_teammates_kb_toml_cannot_name_a_model_folder(root: Path, tmp_path: Path) -> None:
    model = tiny_meaning_model(tmp_path / "model")
    (root / "kb.toml").write_text(
        (root / "kb.toml").read_text() + f"meaning = {json.dumps(str(model))}\n"
    )
    with KnowledgeBase.open(root) as kb:
        assert kb.settings.meaning == "auto"
        assert any("meaning" in problem.message for problem in kb.settings.problems)
        assert kb.search(QUERY)[0].path == SCREEN_LOCK


def test_kb_search_from_the_command_line_ranks_by_meaning(root: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    model = tiny_meaning_model(tmp_path / "model")
    config.write_text(f"[search]\nmeaning = {json.dumps(str(model))}\n")
    result = Cli(root)("search", "--json", QUERY, env={"KB_CONFIG": str(config)})
    no_traceback(result)
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert [hit["path"] for hit in hits][:2] == [PRINTER_PASSWORD, SCREEN_LOCK]
    assert "meaning" not in hits[0]


def test_kb_search_says_once_why_the_model_is_not_used(root: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[search]\nmeaning = {json.dumps(str(tmp_path / 'nowhere'))}\n")
    result = Cli(root)("search", QUERY, env={"KB_CONFIG": str(config)})
    no_traceback(result)
    assert result.exit_code == 0
    assert "no such folder; ranked by words alone" in result.stderr
    assert result.stdout.index(SCREEN_LOCK) < result.stdout.index(PRINTER_PASSWORD)


def test_a_stored_vector_of_another_width_is_worked_out_again(tmp_path: Path) -> None:
    model = meaning.model(str(tiny_meaning_model(tmp_path / "model")))
    assert model is not None
    assert meaning.decode(meaning.encode(model.embed(["screen lock"])[0]), 4) is not None
    assert meaning.decode(meaning.encode(model.embed(["screen lock"])[0]), 256) is None
    assert meaning.decode("not base64!", 4) is None


def test_words_typed_before_need_no_tokenizer(tmp_path: Path) -> None:
    folder = str(tiny_meaning_model(tmp_path / "model"))
    first = meaning.model(folder)
    assert first is not None
    vector = first.query_vector("stop asking")
    kept = meaning_words.words_file(meaning.identity(folder) or "")
    assert kept is not None and {"stop", "asking", ""} <= set(json.loads(kept.read_text()))
    # Another process: the same words are read from the file, the tokenizer never loaded.
    again = meaning.MeaningModel(first.table, first.tokenizer_file, "again", first.words)
    again.words = meaning_words.WordTokens(kept)
    assert again.query_vector("asking stop") == pytest.approx(vector)
    assert again._tokenizer is None
    # A word never typed loads it (and is kept too).
    again.query_vector("asking printer")
    assert again._tokenizer is not None
    assert "printer" in json.loads(kept.read_text())


def test_a_damaged_words_file_is_ignored(tmp_path: Path) -> None:
    folder = str(tiny_meaning_model(tmp_path / "model"))
    found = meaning.model(folder)
    assert found is not None
    kept = meaning_words.words_file(meaning.identity(folder) or "")
    assert kept is not None
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text('{"stop": "not ids", "": [0]')
    fresh = meaning.MeaningModel(found.table, found.tokenizer_file, "fresh")
    fresh.words = meaning_words.WordTokens(kept)
    assert fresh.query_vector("stop asking") == pytest.approx(found.query_vector("stop asking"))


def test_with_the_tokenizer_loaded_nothing_typed_is_written(tmp_path: Path) -> None:
    """The app loads the tokenizer once: the prefixes typed on the way to a word are never
    kept in the words file."""
    folder = str(tiny_meaning_model(tmp_path / "model"))
    found = meaning.model(folder)
    assert found is not None
    kept = meaning_words.words_file(meaning.identity(folder) or "")
    assert kept is not None
    found.tokenizer  # noqa: B018 (loaded, as the app does after start)
    found.query_vector("scre")
    assert not kept.exists() or "scre" not in json.loads(kept.read_text())


def test_a_query_vector_is_worked_out_once_per_text(tmp_path: Path) -> None:
    """Several KBs searched as one, and the app's search when typing pauses, ask for the same
    query's vector again: it is kept, within a small bound."""
    found = meaning.model(str(tiny_meaning_model(tmp_path / "model")))
    assert found is not None
    first = found.query_vector("screen lock")
    assert found.query_vector("screen lock") is first
    for number in range(meaning.QUERY_CACHE_SIZE + 1):
        found.query_vector(f"screen {number}")
    assert len(found._queries) <= meaning.QUERY_CACHE_SIZE
    assert found.query_vector("screen lock") == pytest.approx(first)
