"""Finding the notes of one type without parsing every note, and seeing each change."""

from __future__ import annotations

import os
from pathlib import Path

from kb import KnowledgeBase
from kb.notes.of_type import front_matter, sources_of_type
from tests.helpers import write


def test_front_matter_is_the_block_at_the_start_never_less() -> None:
    assert front_matter(b"---\ntype: guide\n---\nbody type: x\n") == b"---\ntype: guide\n---\n"
    assert front_matter(b"\xef\xbb\xbf---\r\ntype: x\r\n...\r\nbody") == (
        b"\xef\xbb\xbf---\r\ntype: x\r\n...\r"
    )
    assert front_matter(b"# Title\n---\ntype: guide\n---\n") == b""
    # A line that only starts with the fence does not close the block.
    assert front_matter(b"---\na: ---x\n---y\ntype: q\n---") == b"---\na: ---x\n---y\ntype: q\n---"
    # Unclosed: all of it is looked at (the parser says what is wrong).
    assert front_matter(b"---\ntype: guide\n") == b"---\ntype: guide\n"


def _aged(path: Path, seconds_ago: int) -> None:
    when = path.stat().st_mtime_ns - seconds_ago * 1_000_000_000
    os.utime(path, ns=(when, when))


def test_a_changed_note_is_looked_at_again_even_with_the_same_size(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    write(root, "notes/a.md", "---\ntype: fixes\n---\n")
    write(root, "notes/b.md", "---\ntype: guide\n---\n")
    for rel in ("notes/a.md", "notes/b.md"):
        _aged(root / rel, 3600)
    with KnowledgeBase.open(root) as kb:

        def found() -> list[str]:
            limit = kb.settings.max_file_bytes
            return [
                source.rel for source in sources_of_type(kb.root, kb.sources()[0], "guide", limit)
            ]

        assert found() == ["notes/b.md"]
        assert found() == ["notes/b.md"]  # remembered
        (root / "notes/a.md").write_text("---\ntype: guide\n---\n", encoding="utf-8")  # same size
        _aged(root / "notes/a.md", 60)
        (root / "notes/b.md").write_text("---\ntype: fix\n---\n  ", encoding="utf-8")
        assert found() == ["notes/a.md"]
