"""The app says at start, once and clearly, when git does not know who the user is."""

from __future__ import annotations

from pathlib import Path

from kb import KnowledgeBase
from kb.tui.app import KBApp
from tests.helpers import notifications, settle


async def test_the_app_says_when_git_has_no_identity(tmp_path: Path, isolated_user: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    (isolated_user / ".gitconfig").write_text("")
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        told = [text for text in notifications(app) if "who you are" in text]
        assert len(told) == 1
        assert f"git -C {root} config user.name" in told[0]


async def test_the_app_says_nothing_when_git_knows_the_user(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not [text for text in notifications(app) if "who you are" in text]
