"""More hits on a screen, and footers that keep the main actions whole at 80x24."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from kb import KnowledgeBase
from kb.tui.app import KBApp
from tests.helpers import open_note, search, settle, use_engine, write


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """A KB with a dozen printer notes."""
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    use_engine(root, "whoosh")
    for n in range(12):
        write(
            root,
            f"notes/printer-{n}.md",
            f"---\ntitle: Printer problem {n}\ntype: fix\n---\n## Issue\nThe printer is offline "
            f"({n}) and the queue is stuck with jobs from the morning.\n",
        )
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "Add"], cwd=root, check=True, capture_output=True)
    return root


def _footer(app: KBApp) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


@pytest.mark.parametrize(("size", "fits"), [((100, 30), 6), ((80, 24), 4)])
async def test_more_hits_fit_on_the_screen(many: Path, size: tuple[int, int], fits: int) -> None:
    app = KBApp(str(many))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        results = await search(pilot, "printer offline")
        assert len(results.hits) >= 10
        lines = len(str(results.get_option_at_index(0).prompt).split("\n"))
        assert lines == 2
        assert results.scrollable_content_region.height // lines >= fits


async def test_footers_keep_the_main_actions_whole_at_80x24(many: Path) -> None:
    app = KBApp(str(many))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await search(pilot, "printer")
        home = _footer(app)
        assert {"Open", "Ask", "New note", "Sync"} <= set(home)
        note = await open_note(pilot, "notes/printer-1.md")
        assert note is app.screen
        keys = _footer(app)
        assert {"Back", "Edit", "Flag"} <= set(keys)
        width = sum(
            len(k.key_display) + len(k.description) + 3 for k in app.screen.query(FooterKey)
        )
        assert width <= 80
    app = KBApp(str(many))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await search(pilot, "printer")
        assert {"Follow-ups", "Ticket", "Help"} <= set(_footer(app))


async def test_a_screen_opening_keeps_its_footer_keys_where_they_first_showed(many: Path) -> None:
    """Focus moving into a screen's list as it opens reorders the screen's bindings, and
    its content arriving enables keys: neither rebuilds the footer's keys (a frame later,
    in another order) nor moves them."""
    app = KBApp(str(many))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        first = list(app.screen.query(FooterKey))
        await settle(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert list(app.screen.query(FooterKey)) == first
        assert [key.description for key in first][:2] == ["Back", "Open"]
