"""Edited notes rank as in a rebuilt index: Whoosh's scorer leaves replaced documents out of its
statistics; Tantivy's index is compacted (by ``kb index``, and by the app once typing pauses)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes import pace
from kb.search.engines import tantivy_installed
from kb.search.generations import STAMP
from kb.search.vectors_owed import OWED_FILE
from tests.helpers import Cli, Clone, settle, use_engine, write

#: Words shared by many notes, in different numbers, so that editing a few notes moves their
#: document frequencies and the field lengths.
QUERIES = ["printer spooler", "spooler", "printer queue stuck", "driver", "queue", "offline"]


def _note(number: int, words: str) -> str:
    return f"---\ntitle: Printer case {number}\ntype: fix\n---\n\n## Fix\n\n{words}\n"


def _many_notes(root: Path) -> None:
    for number in range(24):
        words = ["printer"] * (1 + number % 3)
        if number % 2:
            words.append("spooler restart")
        if number % 3 == 0:
            words.append("queue stuck offline")
        if number % 4 == 0:
            words.append("driver reinstall " * (number % 5 + 1))
        write(root, f"notes/printing/case-{number:02}.md", _note(number, " ".join(words)))
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "Cases"], cwd=root, check=True, capture_output=True)


def _edit_some(root: Path) -> None:
    """Edit a third of the notes: words go, words come, lengths change."""
    for number in range(0, 24, 3):
        path = root / f"notes/printing/case-{number:02}.md"
        text = path.read_text()
        text = text.replace("spooler restart", "").replace("queue stuck offline", "queue")
        path.write_text(text + "\nChecked with the printer driver again, and the driver works.\n")


def _edited_and_taken_in(kb: KnowledgeBase) -> int:
    """Index the KB, edit a third of its notes, take the edits in without compacting: how
    many replaced documents Tantivy still counts (Whoosh: 0)."""
    kb.reindex()
    _edit_some(kb.root)
    kb.reindex(compact=False)
    return kb.index.stale()


def _ranking(kb: KnowledgeBase) -> list[list[tuple[str, float]]]:
    return [
        [(hit.path, round(hit.score, 9)) for hit in kb.search(query, refresh=False, limit=30)]
        for query in QUERIES
    ]


@pytest.fixture
def tantivy_kb(tmp_path: Path) -> Iterator[KnowledgeBase]:
    """A KB of many notes on Tantivy (the engine that is compacted)."""
    if not tantivy_installed():
        pytest.skip("tantivy is not installed")
    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    use_engine(root, "tantivy")
    _many_notes(root)
    with KnowledgeBase.open(root) as kb:
        yield kb


def test_edited_notes_rank_as_in_a_rebuilt_index(kb: KnowledgeBase) -> None:
    _many_notes(kb.root)
    kb.reindex()
    _edit_some(kb.root)
    report = kb.reindex(compact=False)
    assert len(report.changed) == 8
    if kb.index.engine().name == "whoosh":
        assert kb.index.stale() == 0  # never needs compacting
        assert kb.reindex().compacted == 0
    else:
        stale = kb.index.stale()  # Tantivy still counts replaced documents (bar merges)
        assert stale > 0
        assert kb.reindex().compacted == stale
        assert kb.index.stale() == 0
    updated = _ranking(kb)
    kb.reindex(rebuild=True)
    assert updated == _ranking(kb)


def test_compaction_keeps_the_index_record_and_switches_generation(
    tantivy_kb: KnowledgeBase,
) -> None:
    kb = tantivy_kb
    kb.reindex()
    before = kb.index.stamp()
    assert before is not None
    live = kb.index.folder / before[0]
    (live / OWED_FILE).write_text(json.dumps(["notes/printing/case-03.md"]))
    (kb.root / "notes/printing/case-03.md").write_text(_note(3, "printer spooler offline"))
    assert kb.index.add_files(["notes/printing/case-03.md"]).changed
    signature = kb.index.manifest_signature()
    stamp = (live / STAMP).stat().st_mtime_ns

    assert kb.index.compact() == 1
    after = kb.index.stamp()
    assert after is not None and after[0] != before[0] and after[1] == before[1]
    assert not live.exists()  # the old generation is gone
    new = kb.index.folder / after[0]
    # The record of what was indexed holds (so the next kb index needs no walk of the KB).
    assert kb.index.manifest_signature() == signature
    assert (new / STAMP).stat().st_mtime_ns == stamp
    assert json.loads((new / OWED_FILE).read_text()) == ["notes/printing/case-03.md"]
    assert kb.index.compact() == 0
    hits = [hit.path for hit in kb.search("spooler offline", refresh=False, limit=30)]
    assert hits.count("notes/printing/case-03.md") == 1


def test_an_interrupted_compaction_leaves_the_live_index(tantivy_kb: KnowledgeBase) -> None:
    kb = tantivy_kb
    stale = _edited_and_taken_in(kb)
    assert stale > 0
    live = kb.index.stamp()
    assert live is not None
    ranking = _ranking(kb)

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pace.paced(interrupted), pytest.raises(KeyboardInterrupt):
        kb.index.compact()
    assert [entry.name for entry in kb.index.folder.iterdir() if entry.is_dir()] == [live[0]]
    assert kb.index.stale() == stale
    assert _ranking(kb) == ranking
    assert kb.reindex().compacted == stale


def test_kb_index_says_when_it_compacted(cli: Cli, kb_root: Path) -> None:
    # Enough notes that no segment holds the edited notes alone (a segment whose every
    # document was replaced is dropped by Tantivy itself).
    _many_notes(kb_root)
    cli("index")
    for name in ("case-05", "case-06"):
        path = kb_root / f"notes/printing/{name}.md"
        path.write_text(path.read_text() + "\nThe spooler restarts by itself now.\n")
    cli("search", "spooler")  # takes the edits in, note by note
    with KnowledgeBase.open(kb_root) as kb:
        stale = kb.index.stale()
    first = cli("index")
    second = cli("index")
    if "tantivy" in (kb_root / "kb.toml").read_text():
        assert stale > 0
        versions = "version" if stale == 1 else "versions"
        expected = f"Index compacted: dropped {stale} old {versions} of edited or removed notes."
        assert expected in first.stdout
    else:
        assert stale == 0
        assert "compacted" not in first.stdout
    assert "compacted" not in second.stdout


async def test_the_app_compacts_once_nothing_new_comes(tantivy_kb: KnowledgeBase) -> None:
    from kb.tui.app import KBApp

    root = tantivy_kb.root
    tantivy_kb.reindex()
    tantivy_kb.close()
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        _edit_some(root)
        app.keep_fresh()  # what the app does every few seconds: the edits come in
        await settle(pilot)
        await app.workers.wait_for_complete()
        assert app.kb.index.stale() > 0
        app.keep_fresh()  # nothing new since: the index is compacted
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.kb.index.stale() == 0
        updated = _ranking(app.kb)
    with KnowledgeBase.open(root) as kb:
        kb.reindex(rebuild=True)
        assert _ranking(kb) == updated


def test_a_sync_that_brings_edits_leaves_the_index_as_rebuilt(
    pair: tuple[Clone, Clone],
) -> None:
    if not tantivy_installed():
        pytest.skip("tantivy is not installed")
    ana, ben = pair
    _many_notes(ana.root)
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 0
    assert ben("index").exit_code == 0
    _edit_some(ana.root)
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 0  # takes in Ana's edits, note by note, then compacts
    # The sync recorded what the index caught up with: a search does not take the pulled
    # notes in again (which would replace their documents once more).
    assert ben("search", "printer").exit_code == 0
    with KnowledgeBase.open(ben.root) as kb:
        assert kb.index.factory.name == "tantivy"
        assert kb.index.stale() == 0
        synced = _ranking(kb)
        kb.reindex(rebuild=True)
        assert _ranking(kb) == synced


def test_words_only_a_replaced_note_held_are_gone(kb: KnowledgeBase) -> None:
    _many_notes(kb.root)
    path = kb.root / "notes/printing/case-07.md"
    path.write_text(_note(7, "The zebracorn plotter jams."))
    kb.reindex()
    engine = kb.index.engine()
    assert engine.vocabulary("zebrac", 5) == ["zebracorn"]
    path.write_text(_note(7, "The plotter jams."))
    kb.reindex()  # Tantivy: compacted; Whoosh: left as is, its counts leave the old out
    engine = kb.index.engine()
    assert engine.vocabulary("zebrac", 5) == []
    assert engine.vocabulary("zebrac", 5, in_order=True) == []
    assert "zebracorn" not in engine.similar_words("zebracorm", 1)
    assert engine.document_frequency("zebracorn") == 0
    assert kb.search("zebracorn", refresh=False) == []


def test_the_app_tidy_up_runs_at_low_priority_and_keeps_its_pace() -> None:
    import os
    import sys
    import threading

    from kb.tui.pauses import BACKGROUND_NICENESS, at_low_priority

    waited: list[str] = []

    def work() -> tuple[int, int]:
        pace.checkpoint()  # the caller's pace goes with the work
        native = threading.get_native_id()
        return native, os.getpriority(os.PRIO_PROCESS, native)

    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    with pace.paced(lambda: waited.append("typing")):
        native, niceness = at_low_priority(work)
    assert waited == ["typing"]
    assert native != threading.get_native_id()
    if sys.platform.startswith("linux"):
        assert niceness >= BACKGROUND_NICENESS
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # the caller's

    def fails() -> None:
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        at_low_priority(fails)


def test_a_save_during_a_compaction_is_kept(tantivy_kb: KnowledgeBase) -> None:
    """The copy is made without the index's lock: another kb saving meanwhile is never kept
    waiting, and a copy its save made out of date is dropped, not switched to."""
    kb = tantivy_kb
    stale = _edited_and_taken_in(kb)
    assert stale > 0
    saved: list[str] = []

    def another_kb_saves() -> None:
        if saved:
            return
        saved.append("")  # first: the save's own checkpoints (if any) come here too
        write(kb.root, "notes/printing/new-case.md", _note(99, "The quetzal tray jams."))
        with KnowledgeBase.open(kb.root) as other:
            report = other.index.add_files(["notes/printing/new-case.md"])
        saved[:] = report.added + report.changed

    with pace.paced(another_kb_saves):
        assert kb.index.compact(timeout=0) == 0  # out of date: dropped
    assert saved == ["notes/printing/new-case.md"]
    assert [hit.path for hit in kb.search("quetzal", refresh=False)] == saved
    assert len([entry for entry in kb.index.folder.iterdir() if entry.is_dir()]) == 1
    assert kb.index.compact() >= stale
    assert [hit.path for hit in kb.search("quetzal", refresh=False)] == saved


def test_a_search_begun_before_a_compaction_ends_normally(tantivy_kb: KnowledgeBase) -> None:
    kb = tantivy_kb
    assert _edited_and_taken_in(kb) > 0
    old = kb.index.engine()
    assert kb.index.compact() > 0
    assert kb.index.engine() is not old
    # The old generation's folder is gone; the engine a search already held still answers.
    assert old.count() == kb.index.engine().count()
    assert old.vocabulary("print", 3) == kb.index.engine().vocabulary("print", 3)


def test_a_compaction_whose_copy_an_update_swept_is_dropped(tantivy_kb: KnowledgeBase) -> None:
    kb = tantivy_kb
    stale = _edited_and_taken_in(kb)
    assert stale > 0
    swept: list[bool] = []

    def another_kb_updates() -> None:
        if not swept:
            swept.append(True)  # first: the update's own checkpoints come here too
            with KnowledgeBase.open(kb.root) as other:
                other.index.update()  # sweeps every generation but the live one

    with pace.paced(another_kb_updates):
        assert kb.index.compact(timeout=0) == 0
    assert swept
    assert len([entry for entry in kb.index.folder.iterdir() if entry.is_dir()]) == 1
    assert kb.search("spooler", refresh=False)
    assert kb.index.compact() > 0
    assert kb.index.stale() == 0
