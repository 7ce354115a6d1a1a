"""A search sees every change made on disk since the last one, reading only what changed:
git says which files differ from what the index caught up with (real repositories, real
indexes, both engines)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes import files
from tests.helpers import Cli, write

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


def counted_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """A list that grows by one at each call of ``owner.name`` (which still runs)."""
    count: list[int] = []
    real = getattr(owner, name)

    def counted(*args: object, **options: object) -> object:
        count.append(1)
        return real(*args, **options)

    monkeypatch.setattr(owner, name, counted)
    return count


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts walks of the whole KB (a fresh search should need none)."""
    return counted_calls(monkeypatch, files, "scan")


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


@pytest.fixture
def git_looks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the times git is asked what changed (a quick look or ``git status``)."""
    from kb.knowledgebase import freshness

    return counted_calls(monkeypatch, freshness, "refresh")


@pytest.fixture
def statuses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the times git is asked with a full ``git status``."""
    from kb.git import worktree

    return counted_calls(monkeypatch, worktree, "state")


def test_once_the_files_are_watched_nothing_changed_costs_no_git(
    kb: KnowledgeBase, git_looks: list[int]
) -> None:
    kb.reindex()
    paths(kb, "printer")
    paths(kb, "printer")  # the second fresh search starts the watch
    git_looks.clear()
    for _ in range(10):
        assert "notes/printer-offline.md" in paths(kb, "printer")
    assert git_looks == []
    printer = kb.root / "notes/printer-offline.md"
    printer.write_text(printer.read_text() + "\nAlso check the marmoset tray.\n")
    assert paths(kb, "marmoset") == ["notes/printer-offline.md"]
    assert git_looks == [1]  # a change: git says which file


def test_a_watched_kb_sees_every_change_by_the_very_next_search(kb: KnowledgeBase) -> None:
    kb.reindex()
    paths(kb, "printer")
    paths(kb, "printer")
    printer = kb.root / "notes/printer-offline.md"
    for round_ in range(12):
        word = f"zebrafish{round_}x"
        # Written and searched at once, each way a file changes: new, edited in place,
        # renamed, in a new folder, deleted.
        write(kb.root, f"notes/new-{round_}.md", NEW_NOTE.replace("zebrafish", word))
        assert paths(kb, word) == [f"notes/new-{round_}.md"]
        with printer.open("a", encoding="utf-8") as end:
            end.write(f"\nAlso try tray{word}.\n")
        assert paths(kb, f"tray{word}") == ["notes/printer-offline.md"]
        (kb.root / f"notes/new-{round_}.md").rename(kb.root / f"notes/moved-{round_}.md")
        assert paths(kb, word) == [f"notes/moved-{round_}.md"]
        write(
            kb.root, f"notes/deep-{round_}/inner/note.md", NEW_NOTE.replace("zebrafish", "q" + word)
        )
        assert paths(kb, "q" + word) == [f"notes/deep-{round_}/inner/note.md"]
        (kb.root / f"notes/moved-{round_}.md").unlink()
        assert paths(kb, word) == []
        # A folder made, searched, and only then written in: the new folder is watched too.
        (kb.root / f"notes/later-{round_}").mkdir()
        assert paths(kb, word) == []
        write(kb.root, f"notes/later-{round_}/note.md", NEW_NOTE.replace("zebrafish", "z" + word))
        assert paths(kb, "z" + word) == [f"notes/later-{round_}/note.md"]


def test_a_watch_that_cannot_tell_leaves_it_to_git(kb: KnowledgeBase, git_looks: list[int]) -> None:
    from kb.knowledgebase.watching import PROBE

    kb.reindex()
    paths(kb, "printer")
    paths(kb, "printer")
    # The probe cannot be written (a folder in its place): the watch cannot tell, git is asked.
    (kb.root / PROBE).unlink(missing_ok=True)
    (kb.root / PROBE).mkdir()
    git_looks.clear()
    write(kb.root, "notes/scanner-blank.md", NEW_NOTE)
    assert paths(kb, "zebrafish") == ["notes/scanner-blank.md"]
    assert paths(kb, "zebrafish") == ["notes/scanner-blank.md"]
    assert len(git_looks) == 2


def test_closing_the_kb_stops_the_watch_and_removes_its_probe(kb_root: Path) -> None:
    from kb.knowledgebase.watching import PROBE

    with KnowledgeBase.open(kb_root) as kb:
        kb.reindex()
        paths(kb, "printer")
        paths(kb, "printer")
        paths(kb, "printer")
        assert (kb_root / PROBE).exists()
    assert not (kb_root / PROBE).exists()
    assert "watch-probe" not in subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=kb_root, capture_output=True, text=True
    ).stdout.replace(".kb/", "")


def test_the_watch_never_writes_through_a_link_in_its_probes_place(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    from kb.knowledgebase.watching import PROBE

    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    kb.reindex()
    paths(kb, "printer")
    (kb.root / PROBE).unlink(missing_ok=True)
    (kb.root / PROBE).symlink_to(outside)
    paths(kb, "printer")  # starts the watch: the link in the probe's place is removed
    write(kb.root, "notes/scanner-blank.md", NEW_NOTE)
    assert paths(kb, "zebrafish") == ["notes/scanner-blank.md"]
    (kb.root / PROBE).unlink(missing_ok=True)
    (kb.root / PROBE).symlink_to(outside)  # put back while it watches: not followed
    (kb.root / "notes/scanner-blank.md").unlink()
    assert paths(kb, "zebrafish") == []
    assert outside.read_text() == "keep me"


def test_git_is_still_asked_now_and_then_for_changes_no_watch_reports(
    kb: KnowledgeBase, git_looks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.knowledgebase import searching

    kb.reindex()
    paths(kb, "printer")
    paths(kb, "printer")
    git_looks.clear()
    paths(kb, "printer")
    assert git_looks == []
    # Past the interval, git is asked although the watch saw nothing (a network share's
    # other writers are not reported by the system).
    monkeypatch.setattr(searching, "GIT_AT_LEAST_EVERY", 0.0)
    paths(kb, "printer")
    paths(kb, "printer")
    assert git_looks == [1, 1]


# -- the quick look: a process's first search without a full git status --------------------------


def age_folders(root: Path, seconds: int = 30) -> None:
    """Move every folder's time (and git's index file's) back, as time passing would: a
    quick look whose times are this old is trusted. Files keep theirs (git's stat cache)."""
    import os

    for folder, subfolders, _files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name != "objects"]
        info = os.stat(folder)
        os.utime(folder, ns=(info.st_atime_ns, info.st_mtime_ns - seconds * 10**9))
    index = root / ".git/index"
    info = index.stat()
    os.utime(index, ns=(info.st_atime_ns, info.st_mtime_ns - seconds * 10**9))


def fresh_paths(root: Path, query: str) -> list[str]:
    """What a new process's first fresh search finds (no watch started yet)."""
    with KnowledgeBase.open(root) as kb:
        return paths(kb, query)


@pytest.fixture
def quiet_kb(kb_root: Path) -> Path:
    """The fixture KB indexed, its times aged and a trusted quick look recorded."""
    with KnowledgeBase.open(kb_root) as kb:
        kb.reindex()
    age_folders(kb_root)
    assert "notes/printer-offline.md" in fresh_paths(kb_root, "printer")
    return kb_root


def test_a_quick_look_answers_nothing_changed_without_git_status(
    quiet_kb: Path, statuses: list[int]
) -> None:
    for _ in range(3):
        assert "notes/printer-offline.md" in fresh_paths(quiet_kb, "printer")
    assert statuses == []
    with KnowledgeBase.open(quiet_kb) as kb:
        assert kb.refresh() is None
        assert kb.reindex().unchanged == 3  # kb index too: nothing changed, nothing walked
    assert statuses == []


def test_a_quick_look_sees_every_kind_of_change(quiet_kb: Path, statuses: list[int]) -> None:
    root = quiet_kb

    def settled() -> None:
        """Time passes and a search records a trusted look again."""
        age_folders(root)
        fresh_paths(root, "printer")
        statuses.clear()

    printer = root / "notes/printer-offline.md"
    # Edited in place: the folder's time stays, git's stat cache sees the file.
    printer.write_text(printer.read_text() + "\nAlso check the marmoset tray.\n")
    assert fresh_paths(root, "marmoset") == ["notes/printer-offline.md"]
    assert statuses == []
    # Edited again in the same tick of the clock (same size, same time): the time is too
    # recent to trust, so the content is compared.
    import os

    seen = printer.stat()
    printer.write_text(printer.read_text().replace("marmoset", "capybara"))
    os.utime(printer, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    assert fresh_paths(root, "capybara") == ["notes/printer-offline.md"]
    assert statuses == []
    # New in a folder that exists: its time changes, git status says what is new.
    settled()
    write(root, "notes/updates/scanner-blank.md", NEW_NOTE)
    assert fresh_paths(root, "zebrafish") == ["notes/updates/scanner-blank.md"]
    assert statuses == [1]
    # New in a new folder two levels down: the look reads the known folders' times again
    # (no walk), and the folder holding the new one is among them.
    settled()
    write(root, "notes/updates/scanners/duplex/jam.md", NEW_NOTE.replace("zebrafish", "quokka"))
    assert fresh_paths(root, "quokka") == ["notes/updates/scanners/duplex/jam.md"]
    assert statuses == [1]
    # ... and that folder removed again.
    settled()
    import shutil

    shutil.rmtree(root / "notes/updates/scanners")
    assert fresh_paths(root, "quokka") == []
    assert statuses == [1]
    # Edited and added to git's index between two searches: git's index file changes.
    settled()
    vpn = root / "notes/vpn-no-intranet.md"
    vpn.write_text(vpn.read_text() + "\nThe okapi proxy drops the route.\n")
    git(root, "add", "notes/vpn-no-intranet.md")
    assert fresh_paths(root, "okapi") == ["notes/vpn-no-intranet.md"]
    assert statuses == [1]
    # A file git does not track, edited in place.
    settled()
    scanner = root / "notes/updates/scanner-blank.md"
    scanner.write_text(scanner.read_text().replace("zebrafish", "wombat"))
    assert fresh_paths(root, "wombat") == ["notes/updates/scanner-blank.md"]
    assert statuses == []
    # A commit checked out: the commit and the files change.
    settled()
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Scanner note")
    git(root, "reset", "-q", "--hard", "HEAD~1")
    assert fresh_paths(root, "wombat") == []
    assert fresh_paths(root, "okapi") == []
    assert fresh_paths(root, "marmoset") == []
    # The branch moved with git's refs packed (only the commit changes, not git's index).
    settled()
    printer.write_text(printer.read_text() + "\nThe axolotl driver is the fix.\n")
    git(root, "commit", "-qam", "Axolotl")
    git(root, "pack-refs", "--all")
    assert fresh_paths(root, "axolotl") == ["notes/printer-offline.md"]
    settled()
    git(root, "reset", "-q", "--soft", "HEAD~1")
    git(root, "stash", "-q")
    git(root, "pack-refs", "--all")
    assert fresh_paths(root, "axolotl") == []
    # Nothing changed since: nothing is read again.
    with KnowledgeBase.open(root) as kb:
        assert kb.refresh() is None


def test_a_look_with_times_too_recent_is_not_trusted(kb_root: Path, statuses: list[int]) -> None:
    """A file-system clock ticks coarsely: a file made in the same tick as the look leaves
    its folder's time as the look saw it. A look that recent asks git status."""
    import os

    with KnowledgeBase.open(kb_root) as kb:
        kb.reindex()
    folder = kb_root / "notes/updates"
    (folder / "draft.tmp").write_text("x")
    (folder / "draft.tmp").unlink()
    fresh_paths(kb_root, "printer")  # the look recorded now holds the folder's time of now
    seen = folder.stat()
    write(kb_root, "notes/updates/scanner-blank.md", NEW_NOTE)
    os.utime(folder, ns=(seen.st_atime_ns, seen.st_mtime_ns))  # the same tick
    statuses.clear()
    assert fresh_paths(kb_root, "zebrafish") == ["notes/updates/scanner-blank.md"]
    assert statuses == [1]


def test_a_damaged_quick_look_is_ignored(quiet_kb: Path) -> None:
    import json

    stamps = list((quiet_kb / ".kb").rglob("source-stamp.json"))
    assert stamps
    for stamp in stamps:
        data = json.loads(stamp.read_text())
        data["quick"] = {"head": 3, "folders": "x"}
        stamp.write_text(json.dumps(data))
    write(quiet_kb, "notes/updates/scanner-blank.md", NEW_NOTE)
    assert fresh_paths(quiet_kb, "zebrafish") == ["notes/updates/scanner-blank.md"]


def test_kb_search_starts_git_early_and_sees_an_edit_in_place(
    quiet_kb: Path, statuses: list[int]
) -> None:
    """``kb search`` starts git's part of the quick look before its modules load; the look
    still sees a note edited in place, and only in the KB's content folders."""
    from kb.git import early_look

    started: list[str] = []
    taken: list[bool] = []
    look_early, take = early_look.look_early, early_look.take

    def counted(root: Path) -> None:
        started.append(str(root))
        look_early(root)

    def counted_take(root: Path) -> bytes | None:
        output = take(root)
        taken.append(output is not None)
        return output

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(early_look, "look_early", counted)
        patch.setattr(early_look, "take", counted_take)
        printer = quiet_kb / "notes/printer-offline.md"
        printer.write_text(printer.read_text() + "\nThe pangolin tray is the fix.\n")
        result = Cli(quiet_kb)("search", "pangolin")
    assert result.exit_code == 0, result.output
    assert "notes/printer-offline.md" in result.output
    assert started and statuses == []
    assert True in taken  # the quick look used git's early answer
    assert early_look._EARLY == {}  # nothing left running


def test_git_started_early_and_not_needed_is_stopped(kb_root: Path) -> None:
    """A search that takes no quick look (here the notes folder is a link, which the look
    never follows) stops the git started early for it: nothing is left running."""
    import os

    from kb.git import early_look

    (kb_root / "notes").rename(kb_root / "docs")
    os.symlink("docs", kb_root / "notes")
    git(kb_root, "add", "-A")
    git(kb_root, "commit", "-qm", "Notes in docs")
    for _ in range(2):
        result = Cli(kb_root)("search", "printer")
        assert result.exit_code == 0, result.output
        assert early_look._EARLY == {}


def _touched_kb(root: Path, count: int = 60) -> None:
    """A committed KB of ``count`` notes, indexed, whose files all get new times."""
    for number in range(count):
        write(root, f"notes/fix-{number}.md", f"# Fix {number}\n\nStep {number} of the cure.\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qm", "Notes")
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
    for path in (root / "notes").iterdir():
        later = path.stat().st_mtime_ns + 3_600_000_000_000
        os.utime(path, ns=(later, later))


def _flagged(root: Path) -> list[bytes]:
    """The files git's stat cache flags as maybe changed."""
    done = subprocess.run(["git", "diff-files", "--name-only"], cwd=root, capture_output=True)
    return done.stdout.split()


def test_files_touched_in_bulk_teach_git_their_times_once(tmp_path: Path) -> None:
    """A KB copied or restored (every file's time new, content as committed): a search
    brings git's stat cache up to date, so the next ones do not read those files again; a
    real edit among them is still found, and nothing of kb's is left in .git."""
    root = tmp_path / "kb"
    _touched_kb(root)
    edited = root / "notes/fix-7.md"
    edited.write_text(edited.read_text() + "Then the wombat reset.\n")
    assert len(_flagged(root)) == 60  # git's cache says every file may differ
    with KnowledgeBase.open(root) as kb:
        assert paths(kb, "wombat") == ["notes/fix-7.md"]
    assert _flagged(root) == [b"notes/fix-7.md"]
    assert sorted(p.name for p in (root / ".git").iterdir() if "index" in p.name) == ["index"]
    git(root, "status")  # git reads the index kb wrote


def test_the_refresh_never_takes_git_s_lock_from_git(tmp_path: Path) -> None:
    """While git holds index.lock (a git add by hand), a search answers, leaves the lock and
    the index alone, and the refresh happens at a later search."""
    root = tmp_path / "kb"
    _touched_kb(root)
    lock = root / ".git" / "index.lock"
    lock.write_bytes(b"")
    index = (root / ".git" / "index").read_bytes()
    with KnowledgeBase.open(root) as kb:
        assert paths(kb, "cure fix 3")[0] == "notes/fix-3.md"
    assert lock.exists() and (root / ".git" / "index").read_bytes() == index
    lock.unlink()
    later = root / "notes/fix-9.md"
    later.write_text(later.read_text() + "And the aardvark cable.\n")
    with KnowledgeBase.open(root) as kb:
        assert paths(kb, "aardvark") == ["notes/fix-9.md"]
    assert _flagged(root) == [b"notes/fix-9.md"] and not lock.exists()
