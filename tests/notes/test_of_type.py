"""Finding the notes of one type without parsing every note, and seeing each change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes import of_type
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


def test_every_way_yaml_can_give_the_type_is_read(tmp_path: Path) -> None:
    """Forms the quick look cannot read make the note one to parse, never a missed one."""
    root = tmp_path / "kb"
    forms = {
        "next-line": "---\ntype:\n  guide\n---\n",
        "tag": "---\ntype: !!str guide\n---\n",
        "alias": "---\nkind: &g guide\ntype: *g\n---\n",
        "folded": "---\ntype: >-\n  guide\n---\n",
        "complex-key": "---\n? type\n: guide\n---\n",
        "escape": '---\ntype: "\\x67uide"\n---\n',
        "key-escape": '---\n"typ\\u0065": guide\n---\n',
        "flow-lines": "---\n{title: X,\n type:\n  guide}\n---\n",
        "two-boms": "\ufeff\ufeff---\ntype: guide\n---\n",
        "plain": "---\ntitle: A plain guide\ntype: guide\n---\n",
    }
    for name, text in forms.items():
        write(root, f"notes/{name}.md", text)
    write(root, "notes/fix.md", "---\ntitle: Which printer type\ntype: fix\n---\n")
    with KnowledgeBase.open(root) as kb:
        limit = kb.settings.max_file_bytes
        found = {s.rel for s in sources_of_type(kb.root, kb.sources()[0], "guide", limit)}
        guides = {note.path for note in kb.notes()[0] if note.type == "guide"}
    assert guides <= found
    assert {f"notes/{name}.md" for name in forms} <= found


def test_a_write_that_puts_the_old_time_back_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same size, time restored (a restore, touch -r): the change time still tells."""
    monkeypatch.setattr(of_type, "RECENT_NS", 0)  # every answer remembered, however recent
    root = tmp_path / "kb"
    path = root / "notes/a.md"
    write(root, "notes/a.md", "---\ntype: fixes\n---\n")
    _aged(path, 3600)
    before = path.stat()
    with KnowledgeBase.open(root) as kb:

        def found() -> list[str]:
            limit = kb.settings.max_file_bytes
            return [s.rel for s in sources_of_type(kb.root, kb.sources()[0], "guide", limit)]

        assert found() == []
        path.write_text("---\ntype: guide\n---\n", encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert path.stat().st_size == before.st_size
        assert found() == ["notes/a.md"]


def test_a_long_read_steps_aside_at_its_checkpoints_and_lets_go_of_its_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's start reads every note's front matter: when a key comes, the read stops at
    its next checkpoint until typing pauses; meanwhile another thread (the follow-ups screen
    opened at that moment) reads the same notes without waiting for it."""
    import threading

    from kb.notes import pace

    monkeypatch.setattr(pace, "EVERY", 2)
    root = tmp_path / "kb"
    for number in range(6):
        kind = "guide" if number % 3 == 0 else "fix"
        write(root, f"notes/n{number}/note.md", f"---\ntype: {kind}\n---\n")
    with KnowledgeBase.open(root) as kb:
        sources = kb.sources()[0]
        limit = kb.settings.max_file_bytes
        stops: list[str] = []
        other: list[list[str]] = []

        def meanwhile() -> None:
            # Run to the end while the paced read waits at its checkpoint (its lock free).
            if not stops:
                thread = threading.Thread(
                    target=lambda: other.append(
                        [s.rel for s in sources_of_type(kb.root, sources, "guide", limit)]
                    )
                )
                thread.start()
                thread.join(timeout=5)
                assert other, "the other read waited for the paused one"
            stops.append("stop")

        with pace.paced(meanwhile):
            paced = [s.rel for s in sources_of_type(kb.root, sources, "guide", limit)]
            scanned = [s.rel for s in kb.sources()[0]]
        assert paced == other[0] == ["notes/n0/note.md", "notes/n3/note.md"]
        assert scanned == [s.rel for s in sources]
        # Every 2 notes in the type look, once per folder in the walk.
        assert len(stops) >= 3 + 6
    pace.checkpoint()  # outside paced(): nothing to call
