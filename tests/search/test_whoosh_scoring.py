"""The Whoosh engine scores kb's queries itself, term at a time: its term and phrase scores
must be BM25 exactly as Tantivy computes it (so that both engines rank alike), also over
several segments with replaced documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.search.analysis import terms
from kb.search.engines.whoosh_engine import WhooshEngine
from kb.search.engines.whoosh_scorer import Scorer
from kb.search.ranking import K1, B, idf, stored_length
from tests.helpers import use_engine, write

NOTE = """---
title: {title}
tags: [printing]
---
## Issue
{issue}

## Resolution
Restart the print spooler service, then clear the queue. {extra}
"""


@pytest.fixture
def whoosh_kb(tmp_path: Path) -> KnowledgeBase:
    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    use_engine(root, "whoosh")
    words = ["printer offline", "print spooler stuck", "queue jammed", "driver crash"]
    for number, issue in enumerate(words * 3):
        write(
            root,
            f"notes/note-{number}.md",
            NOTE.format(
                title=f"Fix {number} {issue}", issue=issue, extra="print spooler " * number
            ),
        )
    kb = KnowledgeBase.open(root)
    kb.reindex()
    # A second and third segment, one replacing documents of the first.
    write(root, "notes/note-1.md", NOTE.format(title="Moved", issue="toner", extra=""))
    kb.reindex()
    write(root, "notes/extra.md", NOTE.format(title="Extra", issue="print spooler", extra=""))
    kb.reindex()
    return kb


def _paths(searcher, scores: dict[int, float]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {searcher.stored_fields(docnum)["path"]: score for docnum, score in scores.items()}


def _expected(kb: KnowledgeBase, searcher, name: str, words: tuple[str, ...]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """BM25 written out from the notes themselves: Tantivy's idf, field lengths rounded as
    an index keeps them, a phrase scored as one term with its words' idfs summed."""
    documents = searcher.doc_count_all()
    average = searcher.field_length(name) / documents
    weight = sum(idf(documents, searcher.doc_frequency(name, word)) for word in words) * (K1 + 1)
    found: dict[str, float] = {}
    for path in sorted((kb.root / "notes").glob("*.md")):
        doc = document_of(kb, path)
        field = terms(getattr(doc, name))
        count = sum(field[i : i + len(words)] == list(words) for i in range(len(field)))
        if count:
            length = stored_length(len(field))
            norm = K1 * (1 - B + B * length / average)
            found[doc.path] = weight * count / (count + norm)
    return found


def document_of(kb: KnowledgeBase, path: Path):  # type: ignore[no-untyped-def]
    from kb.notes.files import SourceFile
    from kb.notes.note import parse_note
    from kb.search.documents import document

    rel = path.relative_to(kb.root).as_posix()
    note = parse_note(rel, path.read_text(encoding="utf-8"))
    stat = path.stat()
    return document(note, SourceFile(rel, path, "note", stat.st_size, stat.st_mtime_ns))


def test_term_and_phrase_scores_are_bm25_as_tantivy_computes_it(
    whoosh_kb: KnowledgeBase,
) -> None:
    engine = whoosh_kb.index.engine()
    assert isinstance(engine, WhooshEngine)
    whoosh_kb.reindex(rebuild=True)  # no replaced documents left in the statistics
    engine = whoosh_kb.index.engine()
    assert isinstance(engine, WhooshEngine)
    searcher = engine._current()
    scorer = Scorer(searcher)
    for name, text in [("body", "spooler"), ("title", "fix"), ("issue", "toner")]:
        expected = _expected(whoosh_kb, searcher, name, (text,))
        assert expected
        assert _paths(searcher, scorer.term(name, text).as_dict()) == pytest.approx(expected)
    for name, words in [("body", ("print", "spooler")), ("body", ("clear", "the", "queue"))]:
        expected = _expected(whoosh_kb, searcher, name, words)
        assert expected
        assert _paths(searcher, scorer.phrase(name, words)) == pytest.approx(expected)


def test_replaced_documents_are_not_scored(whoosh_kb: KnowledgeBase) -> None:
    engine = whoosh_kb.index.engine()
    assert isinstance(engine, WhooshEngine)
    searcher = engine._current()
    assert len(searcher.leaf_searchers()) > 1
    scorer = Scorer(searcher)
    assert "notes/note-1.md" not in _paths(searcher, scorer.term("issue", "offlin").as_dict())
    assert "notes/note-1.md" in _paths(searcher, scorer.term("issue", "toner").as_dict())


def test_a_tiny_budget_leaves_out_completions_not_the_typed_words(
    whoosh_kb: KnowledgeBase,
) -> None:
    results = whoosh_kb.search("toner pri", refresh=False, budget=1e-9)
    assert results.partial
    assert results[0].path == "notes/note-1.md"
    assert not whoosh_kb.search("toner pri", refresh=False, budget=5.0).partial


def test_the_index_is_read_from_its_files_not_copied_into_memory(
    whoosh_kb: KnowledgeBase,
) -> None:
    # Memory-mapped segments are copied whole into memory by Whoosh (a BytesIO per file).
    engine = whoosh_kb.index.engine()
    assert isinstance(engine, WhooshEngine)
    assert engine._ix.storage.supports_mmap is False
    whoosh_kb.reindex(rebuild=True)
    rebuilt = whoosh_kb.index.engine()
    assert isinstance(rebuilt, WhooshEngine)
    assert rebuilt._ix.storage.supports_mmap is False
    # Only the term dictionary is held in memory; postings are read from the file.
    reader = rebuilt._current().reader()
    assert [hit.path for hit in whoosh_kb.search("spooler", refresh=False)]
    assert reader.is_atomic()
    assert type(reader._terms._tindex.dbfile).__name__ == "BufferFile"
    assert type(reader._terms._postfile).__name__ != "BufferFile"


def test_kept_scores_stay_within_their_budget(
    whoosh_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.search.engines import whoosh_scorer

    monkeypatch.setattr(whoosh_scorer, "CACHE_ENTRIES", 40)
    first = [hit.path for hit in whoosh_kb.search("print spooler queue", refresh=False)]
    for text in ["pr", "pri", "print", "print s", "print spo", "toner", "driver crash", "fix"]:
        whoosh_kb.search(text, refresh=False)
    scorer = whoosh_kb.index.engine()._scorer  # type: ignore[attr-defined]
    assert scorer is not None
    assert scorer._cached == sum(scorer._sizes.values()) <= 40
    assert set(scorer._sizes) == set(scorer._cache)
    assert [hit.path for hit in whoosh_kb.search("print spooler queue", refresh=False)] == first


def test_field_lengths_read_in_one_go_are_each_documents_own(whoosh_kb: KnowledgeBase) -> None:
    from kb.search.engines.whoosh_postings import _fixed_ints, exact_lengths, length_column

    engine = whoosh_kb.index.engine()
    assert isinstance(engine, WhooshEngine)
    searcher = engine._current()
    for leaf, _offset in searcher.leaf_searchers():
        reader = leaf.reader()
        for name in ("title", "body"):
            read = exact_lengths(reader, name)
            assert read is not None and len(read) == reader.doc_count_all()
            # Read as one array of bytes, not a call per document (and not by the slow road).
            assert _fixed_ints(reader.column_reader(length_column(name))) == read
            for docnum in range(reader.doc_count_all()):
                if reader.is_deleted(docnum):
                    continue
                path = whoosh_kb.root / reader.stored_fields(docnum)["path"]
                assert read[docnum] == len(terms(getattr(document_of(whoosh_kb, path), name)))
