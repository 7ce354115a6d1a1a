"""The index: built when missing, rebuilt when damaged, updated by content, safe with bad files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes.lock import FileLock
from kb.search.engine import IndexBusy
from tests.helpers import use_engine, write


def digest_tree(root: Path) -> dict[str, str]:
    """Hash of every file under root except the index, following no symlinks."""
    result = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith((".kb", ".git/")) or path.is_symlink() or not path.is_file():
            continue
        result[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def test_first_search_builds_the_index(kb: KnowledgeBase) -> None:
    assert not (kb.root / ".kb" / "index" / "current.json").exists()
    hits = kb.search("spooler")
    assert [hit.path for hit in hits] == ["notes/printer-offline.md"]
    assert (kb.root / ".kb" / "index" / "current.json").exists()


def test_index_is_git_ignored(kb: KnowledgeBase) -> None:
    kb.reindex()
    assert ".kb/" in (kb.root / ".gitignore").read_text()
    import subprocess

    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=kb.root, capture_output=True, text=True, check=True
    ).stdout
    assert ".kb" not in status


def test_incremental_update_by_content(kb: KnowledgeBase) -> None:
    first = kb.reindex()
    assert first.rebuilt and len(first.added) == 3
    assert kb.reindex().touched == 0

    printer = kb.root / "notes" / "printer-offline.md"
    stat = printer.stat()
    os.utime(printer, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    touched = kb.reindex()
    assert touched.touched == 0 and touched.unchanged == 3

    write(kb.root, "notes/new-note.md", "# Badge reader rejects card\nThe door stays shut.\n")
    printer.write_text(printer.read_text().replace("spooler", "queue service"))
    (kb.root / "notes" / "vpn-no-intranet.md").unlink()
    report = kb.reindex()
    assert report.added == ["notes/new-note.md"]
    assert report.changed == ["notes/printer-offline.md"]
    assert report.deleted == ["notes/vpn-no-intranet.md"]
    assert report.unchanged == 1
    assert [h.path for h in kb.search("badge reader", refresh=False)] == ["notes/new-note.md"]
    assert kb.search("intranet", refresh=False) == []
    best = kb.search("queue service", refresh=False)[0]
    assert best.path == "notes/printer-offline.md"


def test_replaced_documents_are_not_returned_twice(kb: KnowledgeBase) -> None:
    kb.reindex()
    assert len(kb.search("spooler")) == 1
    printer = kb.root / "notes" / "printer-offline.md"
    printer.write_text(printer.read_text() + "\nMore about the spooler.\n")
    assert [h.path for h in kb.search("spooler")] == ["notes/printer-offline.md"]


@pytest.mark.parametrize("damage", ["delete", "garbage", "manifest", "current", "format"])
def test_damaged_index_is_rebuilt(kb: KnowledgeBase, damage: str) -> None:
    kb.reindex()
    kb.close()
    folder = kb.root / ".kb" / "index"
    current = json.loads((folder / "current.json").read_text())
    generation = folder / current["generation"]
    if damage == "delete":
        shutil.rmtree(folder)
    elif damage == "garbage":
        for path in generation.iterdir():
            if path.name != "manifest.json":
                path.write_bytes(b"\x00garbage")
    elif damage == "manifest":
        (generation / "manifest.json").write_text("{not json")
    elif damage == "current":
        (folder / "current.json").write_text("[]")
    else:
        current["format"] = "whoosh-0-0"
        (folder / "current.json").write_text(json.dumps(current))
    reopened = KnowledgeBase.open(kb.root)
    report = reopened.reindex()
    assert report.rebuilt
    assert [h.path for h in reopened.search("spooler", refresh=False)] == [
        "notes/printer-offline.md"
    ]
    assert len([p for p in folder.iterdir() if p.is_dir()]) == 1
    reopened.close()


def test_rebuild_on_request_replaces_the_generation(kb: KnowledgeBase) -> None:
    kb.reindex()
    before = json.loads((kb.root / ".kb/index/current.json").read_text())["generation"]
    report = kb.reindex(rebuild=True)
    after = json.loads((kb.root / ".kb/index/current.json").read_text())["generation"]
    assert report.rebuilt == "asked for" and before != after
    assert not (kb.root / ".kb/index" / before).exists()


def test_busy_index_times_out_with_a_clear_error(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kb.search.index as index_module

    monkeypatch.setattr(index_module, "LOCK_TIMEOUT", 0.2)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:  # another kb process, updating the index
        with FileLock(kb.root / ".kb" / "index" / "lock"):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        with pytest.raises(IndexBusy, match="another kb"):
            kb.reindex()
    finally:
        release.set()
        thread.join()
    assert kb.reindex().rebuilt


def test_hostile_files_are_reported_never_followed_never_rewritten(
    tmp_path: Path, engine: str
) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    use_engine(root, engine)
    notes = root / "notes"
    write(root, "notes/good.md", "---\ntitle: Good note about toner\n---\nReplace the toner.\n")
    write(root, "notes/broken-yaml.md", "---\ntitle: [oops\n---\n# Scanner jams\nFeed rollers.\n")
    write(root, "notes/unclosed.md", "---\ntitle: never closed\n# Badge reader\nThe door.\n")
    (notes / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(range(256)))
    (notes / "latin1.md").write_bytes(
        "# Caf\xe9 Wi-Fi portal\nL'accès au réseau.\n".encode("latin-1")
    )
    (notes / "empty.md").write_bytes(b"")
    with (notes / "huge.md").open("w") as handle:
        handle.write("# Huge log dump\n")
        line = "zyzzyva event logged by the monitoring agent on srv-mon01\n"
        for _ in range(20_000_000 // len(line)):
            handle.write(line)
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret outside\nsupersecretword\n")
    (notes / "passwd.md").symlink_to("/etc/passwd")
    (notes / "outside.md").symlink_to(outside)
    (notes / "linked-dir").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(notes / "pipe.md")
    before = digest_tree(root)

    with KnowledgeBase.open(root) as kb:
        report = kb.reindex()
        messages = {problem.path: problem.message for problem in report.problems}
        assert "symlink leads outside" in messages["notes/passwd.md"]
        assert "symlink leads outside" in messages["notes/outside.md"]
        assert "not followed" in messages["notes/linked-dir"]
        assert "binary" in messages["notes/binary.md"]
        assert "not UTF-8" in messages["notes/latin1.md"]
        assert "only the first" in messages["notes/huge.md"]
        assert "not valid YAML" in messages["notes/broken-yaml.md"]
        assert "no closing" in messages["notes/unclosed.md"]
        assert "not a regular file" in messages["notes/pipe.md"]

        assert [h.path for h in kb.search("toner", refresh=False)] == ["notes/good.md"]
        assert [h.path for h in kb.search("scanner", refresh=False)] == ["notes/broken-yaml.md"]
        assert [h.path for h in kb.search("badge reader", refresh=False)] == ["notes/unclosed.md"]
        assert [h.path for h in kb.search("portal", refresh=False)] == ["notes/latin1.md"]
        assert [h.path for h in kb.search("zyzzyva", refresh=False)] == ["notes/huge.md"]
        assert kb.search("supersecretword", refresh=False) == []
        assert kb.search("root:x:0", refresh=False) == []
        # The problems are reported again on a no-op update, from the manifest.
        again = kb.reindex()
        assert again.touched == 0
        assert {p.path for p in again.problems} >= {"notes/binary.md", "notes/latin1.md"}
    assert digest_tree(root) == before
    assert (notes / "passwd.md").is_symlink()


def test_file_that_becomes_binary_leaves_the_index(kb: KnowledgeBase) -> None:
    kb.reindex()
    (kb.root / "notes" / "printer-offline.md").write_bytes(b"\x00\x01binary now")
    report = kb.reindex()
    assert report.deleted == ["notes/printer-offline.md"]
    assert kb.search("spooler", refresh=False) == []


def test_symlink_inside_the_kb_is_indexed(kb: KnowledgeBase) -> None:
    (kb.root / "notes" / "alias.md").symlink_to(kb.root / "notes" / "vpn-no-intranet.md")
    kb.reindex()
    assert {h.path for h in kb.search("split tunnel", refresh=False)} == {
        "notes/vpn-no-intranet.md",
        "notes/alias.md",
    }


def test_ticket_records_are_indexed(kb: KnowledgeBase) -> None:
    write(
        kb.root,
        "tickets/INC0012345.md",
        "---\nid: INC0012345\ntitle: Printer on floor 3 offline\nstatus: Resolved\n---\n"
        "Caller could not print to the floor 3 printer.\n",
    )
    hits = kb.search("floor 3 printer")
    assert hits[0].path == "tickets/INC0012345.md"
    assert hits[0].kind == "ticket"
    assert hits[0].title.startswith("INC0012345")


def test_atomic_writes_keep_permissions_and_never_overwrite_new(tmp_path: Path) -> None:
    from kb.notes import atomic

    target = tmp_path / "note.md"
    target.write_text("old")
    target.chmod(0o600)
    atomic.write_text(target, "new")
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o600
    assert not atomic.write_new(target, b"other")
    assert target.read_text() == "new"
    assert atomic.write_new(tmp_path / "fresh.md", b"x")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_repository_cloned_inside_the_notes_is_not_read_as_notes(tmp_path: Path) -> None:
    """Another KB cloned inside this one's notes/ is its own repository: git does not commit
    its files here, so neither a scan nor a single-file update reads them; kb check says why."""
    from kb.notes.files import NESTED_REPOSITORY, source_for
    from tests.helpers import git, write

    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    write(root, "notes/printer.md", "# Printer offline\n\nRestart the spooler.\n")
    inner = root / "notes/my-own"
    KnowledgeBase.init(inner).close()
    write(inner, "notes/spooler-trick.md", "# Spooler trick\n\nRestart the spooler twice.\n")
    git(inner, "add", "-A")
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
        assert [hit.path for hit in kb.search("spooler")] == ["notes/printer.md"]
        assert source_for(root, "notes/my-own/notes/spooler-trick.md") is None
        assert any(
            problem.path == "notes/my-own" and problem.message == NESTED_REPOSITORY
            for problem in kb.check()
        )
