"""A search sees every change made on disk since the last one, reading only what changed:
git says which files differ from what the index caught up with (real repositories, real
indexes, both engines)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes import files
from tests.helpers import write

NEW_NOTE = """
---
title: Scanner saves blank pages
tags: [scanning]
---
## Issue
The flatbed scanner saves blank pages after the zebrafish driver update.
"""


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def paths(kb: KnowledgeBase, query: str) -> list[str]:
    """What the API's default search (fresh) finds."""
    return [hit.path for hit in kb.search(query)]


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts walks of the whole KB (a fresh search should need none)."""
    count: list[int] = []
    scan = files.scan

    def counted(root: Path) -> object:
        count.append(1)
        return scan(root)

    monkeypatch.setattr(files, "scan", counted)
    return count


def test_new_edited_and_deleted_files_are_seen_without_walking_the_kb(
    kb: KnowledgeBase, walks: list[int]
) -> None:
    kb.reindex()
    walks.clear()
    assert kb.refresh() is None  # nothing changed: nothing read, no walk
    write(kb.root, "notes/scanner-blank.md", NEW_NOTE)
    assert paths(kb, "zebrafish") == ["notes/scanner-blank.md"]
    printer = kb.root / "notes/printer-offline.md"
    printer.write_text(printer.read_text() + "\nAlso check the marmoset tray.\n")
    assert paths(kb, "marmoset") == ["notes/printer-offline.md"]
    (kb.root / "notes/vpn-no-intranet.md").unlink()
    assert "notes/vpn-no-intranet.md" not in paths(kb, "intranet vpn")
    assert walks == []


def test_only_the_changed_file_is_read_again(kb: KnowledgeBase) -> None:
    kb.reindex()
    printer = kb.root / "notes/printer-offline.md"
    printer.write_text(printer.read_text() + "\nAlso check the marmoset tray.\n")
    # Touched, same content: git's stat cache knows it is unchanged.
    update = kb.root / "notes/updates/windows-update-0x80070005.md"
    update.write_text(update.read_text())
    report = kb.refresh()
    assert report is not None
    assert report.changed == ["notes/printer-offline.md"]
    assert report.added == [] and report.deleted == []
    assert kb.refresh() is None


def test_commits_checkouts_and_reverts_are_seen(kb: KnowledgeBase, walks: list[int]) -> None:
    kb.reindex()
    walks.clear()
    write(kb.root, "notes/scanner-blank.md", NEW_NOTE)
    git(kb.root, "add", "-A")
    git(kb.root, "commit", "-qm", "Scanner note")
    assert paths(kb, "zebrafish") == ["notes/scanner-blank.md"]
    # As a pull or a checkout would: the files change with the commit.
    git(kb.root, "reset", "-q", "--hard", "HEAD~1")
    assert paths(kb, "zebrafish") == []
    printer = kb.root / "notes/printer-offline.md"
    before = printer.read_text()
    printer.write_text(before + "\nAlso check the marmoset tray.\n")
    assert paths(kb, "marmoset") == ["notes/printer-offline.md"]
    git(kb.root, "checkout", "--", "notes/printer-offline.md")  # the edit thrown away
    assert paths(kb, "marmoset") == []
    assert walks == []


def test_git_ignored_notes_are_seen_too(kb: KnowledgeBase) -> None:
    (kb.root / ".gitignore").write_text((kb.root / ".gitignore").read_text() + "notes/private/\n")
    kb.reindex()
    write(kb.root, "notes/private/scanner.md", NEW_NOTE)
    assert paths(kb, "zebrafish") == ["notes/private/scanner.md"]


def test_ticket_links_brought_by_git_are_seen(kb: KnowledgeBase) -> None:
    kb.reindex()
    log = kb.root / "tickets/links.jsonl"
    log.parent.mkdir(exist_ok=True)
    line = (
        '{"action": "%s", "ticket": "INC0098765", "note": "notes/vpn-no-intranet.md", '
        '"kind": "resolution", "rev": null, "at": "2026-11-22T10:14:05+01:00", "by": "Ben"}\n'
    )
    log.write_text(line % "link")
    assert paths(kb, "ticket:INC0098765") == ["notes/vpn-no-intranet.md"]
    log.write_text(line % "link" + line % "unlink")
    assert paths(kb, "ticket:INC0098765") == []


def test_a_kb_without_git_compares_every_file(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    write(root, "kb.toml", '[search]\nengine = "whoosh"\n')
    write(root, "notes/scanner.md", NEW_NOTE)
    with KnowledgeBase.open(root) as kb:
        assert paths(kb, "zebrafish") == ["notes/scanner.md"]
        (root / "notes/scanner.md").unlink()
        assert paths(kb, "zebrafish") == []


def test_a_rebuilt_index_starts_from_a_full_comparison(kb: KnowledgeBase) -> None:
    kb.reindex()
    kb.reindex(rebuild=True)
    write(kb.root, "notes/scanner-blank.md", NEW_NOTE)
    assert paths(kb, "zebrafish") == ["notes/scanner-blank.md"]
    assert kb.refresh() is None


def test_another_kb_process_sees_the_same_changes(kb_root: Path) -> None:
    with KnowledgeBase.open(kb_root) as first:
        first.reindex()
        write(kb_root, "notes/scanner-blank.md", NEW_NOTE)
        assert paths(first, "zebrafish") == ["notes/scanner-blank.md"]
    with KnowledgeBase.open(kb_root) as second:
        assert second.refresh() is None
        (kb_root / "notes/scanner-blank.md").unlink()
        assert paths(second, "zebrafish") == []
