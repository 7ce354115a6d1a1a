"""The app's history, sync and conflict screens, and the secrets question, over real repos."""

from __future__ import annotations

import subprocess
from pathlib import Path

from textual.widgets import Label, OptionList, Static, TextArea

from kb import KnowledgeBase
from kb.sync.conflict_files import conflicts
from kb.tui.app import KBApp
from kb.tui.screens.confirm import ConfirmScreen
from kb.tui.screens.editor import EditorScreen
from kb.tui.screens.history import HistoryScreen
from kb.tui.screens.sync import ConflictScreen, SyncScreen
from tests.helpers import TEAM_NOTE as NOTE
from tests.helpers import (
    Clone,
    git,
    git_log,
    notifications,
    open_note,
    rendered,
    settle,
    type_text,
    use_engine,
)


def make_team(tmp_path: Path) -> tuple[Clone, Clone]:
    """Two clones of a KB shared through a bare repository."""
    server = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server)], check=True)
    KnowledgeBase.init(tmp_path / "ana").close()
    ana = Clone(tmp_path / "ana", "Ana Tester")
    use_engine(ana.root, "whoosh")
    ana.write("notes/printer.md", NOTE)
    git(ana.root, "remote", "add", "origin", str(server))
    assert ana("sync").exit_code == 0
    git(tmp_path, "clone", "-q", str(server), str(tmp_path / "ben"))
    return ana, Clone(tmp_path / "ben", "Ben Lee")


async def test_history_lists_revisions_and_shows_diffs(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    with KnowledgeBase.init(root) as kb:
        use_engine(root, "whoosh")
        saved = kb.new_note("Printer jams on tray 2", body=NOTE)
        text = kb.read_text(saved.path)
        kb.save_text(saved.path, text.replace("torn sheet", "torn page"), "Edit: torn page")
        text = kb.read_text(saved.path)
        kb.save_text(saved.path, text + "\nCheck the rollers.\n", "Edit: rollers")
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, saved.path)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        options = app.screen.query_one("#revisions", OptionList)
        assert options.option_count == 3
        diff = rendered(app.screen.query_one("#diff", Static))
        assert "+Check the rollers." in diff
        await pilot.press("down")
        await settle(pilot)
        diff = rendered(app.screen.query_one("#diff", Static))
        assert "-1. Open tray 2 and remove the torn sheet." in diff
        assert "+1. Open tray 2 and remove the torn page." in diff
        # Mark the newest, move to the oldest: the diff spans both edits.
        await pilot.press("up", "space", "down", "down")
        await settle(pilot)
        title = str(app.screen.query_one("#comparison-title", Label).render())
        assert title.startswith("Changes from")
        diff = rendered(app.screen.query_one("#diff", Static))
        assert "+Check the rollers." in diff and "torn page" in diff
        await pilot.press("v")
        await settle(pilot)
        assert "as it was" in str(app.screen.query_one("#comparison-title", Label).render())
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HistoryScreen)


async def test_sync_in_the_app_shows_conflicts_in_one_view_and_keeps_both_in_one_note(
    tmp_path: Path,
) -> None:
    ana, ben = make_team(tmp_path)
    line = "1. Open tray 2 and remove the torn sheet."
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace(line, "1. Ana's way"))
    assert ana("sync").exit_code == 0
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace(line, "1. Ben's way"))
    use_engine(ben.root, "whoosh")
    app = KBApp(str(ben.root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        log = rendered(app.screen.query_one("#sync-log", Static))
        assert "Fetching from origin" in log and "changed on both sides" in log
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictScreen)
        [difference] = app.screen.query(".difference")
        assert "1. Ben's way" in rendered(difference.query_one(".mine", Static))
        assert "1. Ana's way" in rendered(difference.query_one(".theirs", Static))
        await pilot.press("b")
        await settle(pilot)
        assert not isinstance(app.screen, ConflictScreen)
    assert not conflicts(ben.root)
    kept = ben.read("notes/printer.md")
    assert "Ben's way" in kept and "## Ana Tester's version" in kept and "Ana's way" in kept
    assert not (ben.root / "notes/printer-ana-tester.md").exists()
    assert git_log(ben.root)[0].startswith("Resolve conflict in notes/printer.md")


def _long_conflict(tmp_path: Path) -> Clone:
    """Ben's clone with a conflict far down a long note."""
    ana, ben = make_team(tmp_path)
    filler = "".join(f"- step {n}: check cable {n}\n" for n in range(60))
    ana.write("notes/printer.md", ana.read("notes/printer.md") + filler)
    assert ana("sync").exit_code == 0
    assert ben("sync").exit_code == 0
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace("step 50:", "step 50 ANA:"))
    assert ana("sync").exit_code == 0
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace("step 50:", "step 50 BEN:"))
    assert ben("sync").exit_code == 1
    use_engine(ben.root, "whoosh")
    return ben


async def test_the_conflict_view_opens_at_the_difference_and_merges_by_hand(
    tmp_path: Path,
) -> None:
    ben = _long_conflict(tmp_path)
    app = KBApp(str(ben.root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.action_conflicts()
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConflictScreen)
        view = screen.query_one("#merged-view")
        [difference] = screen.query(".difference")
        # Opened at the difference, far down the note, not at its top.
        assert view.scroll_y > 0
        assert view.region.contains_region(difference.region)
        assert "step 50 BEN" in rendered(difference.query_one(".mine", Static))
        assert "step 50 ANA" in rendered(difference.query_one(".theirs", Static))
        # Editing the merge keeps both sides in sight above it.
        await pilot.press("e")
        await settle(pilot)
        area = screen.query_one("#merged", TextArea)
        assert area.has_focus and view.display and view.region.height >= 5
        assert "step 50 BEN" in area.text and "step 50 ANA" in area.text
        # Letters typed are the merge's, not commands.
        area.load_text(area.text.replace("- step 50 BEN: check cable 50\n", ""))
        await pilot.press("m", "backspace")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ConflictScreen)
    assert not conflicts(ben.root)
    kept = ben.read("notes/printer.md")
    assert "step 50 ANA" in kept and "step 50 BEN" not in kept
    assert kept.startswith("---\ntitle: Printer jams on tray 2")
    assert git_log(ben.root)[0] == "Resolve conflict in notes/printer.md: merged by hand"


async def test_a_merge_that_breaks_the_front_matter_is_refused(tmp_path: Path) -> None:
    ben = _long_conflict(tmp_path)
    app = KBApp(str(ben.root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.action_conflicts()
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        area = app.screen.query_one("#merged", TextArea)
        area.load_text("X" + area.text)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictScreen)
        assert any("front matter" in text for text in notifications(app))
    assert conflicts(ben.root)


async def test_a_waiting_conflict_marks_the_hit_and_the_note_not_a_second_hit(
    tmp_path: Path,
) -> None:
    ben = _long_conflict(tmp_path)
    app = KBApp(str(ben.root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_text(pilot, "printer jams")
        await settle(pilot)
        results = app.screen.query_one("#results")
        assert [hit.path for hit in results.hits] == ["notes/printer.md"]
        assert "conflict waiting" in str(results.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(pilot)
        header = rendered(app.screen.query_one("#note-header", Static))
        assert "conflict waiting" in header


async def test_a_conflict_found_at_start_is_announced_and_listed(tmp_path: Path) -> None:
    ana, ben = make_team(tmp_path)
    line = "1. Open tray 2 and remove the torn sheet."
    ana.write("notes/printer.md", ana.read("notes/printer.md").replace(line, "1. Ana's way"))
    assert ana("sync").exit_code == 0
    ben.write("notes/printer.md", ben.read("notes/printer.md").replace(line, "1. Ben's way"))
    assert ben("sync").exit_code == 1
    use_engine(ben.root, "whoosh")
    app = KBApp(str(ben.root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert any("changed on both sides" in text for text in notifications(app))
        app.action_conflicts()
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictScreen)
        await pilot.press("t")
        await settle(pilot)
    assert "1. Ana's way" in ben.read("notes/printer.md")
    assert not conflicts(ben.root)


async def test_a_secret_in_the_editor_asks_before_it_is_committed(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    with KnowledgeBase.init(root) as kb:
        use_engine(root, "whoosh")
        saved = kb.new_note("Kiosk login", body=NOTE)
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, saved.path)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        editor = app.screen.query_one(TextArea)
        editor.text = editor.text + "\nLocal admin password: Winter2026!\n"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Winter2026!" not in app.screen.question
        assert git_log(root)[0] == "New fix: Kiosk login"  # not committed yet
        await pilot.press("y")
        await settle(pilot)
    assert git_log(root)[0] == "Edit: Kiosk login"
    assert "Winter2026!" in (root / saved.path).read_text()
