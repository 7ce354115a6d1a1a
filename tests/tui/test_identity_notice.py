"""The app offers, once at start, to set who the user is when git does not know: the answer
goes to the KB's own git config and the next save is committed under that name."""

from __future__ import annotations

from pathlib import Path

from kb import KnowledgeBase
from kb.tui.app import KBApp
from kb.tui.screens.identity import IdentityScreen
from tests.helpers import git, notifications, settle, type_text


def _nameless_kb(tmp_path: Path, isolated_user: Path) -> Path:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    (isolated_user / ".gitconfig").write_text("")
    return root


async def _dialog(app: KBApp, pilot: object) -> IdentityScreen:
    await settle(pilot)  # type: ignore[arg-type]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, IdentityScreen)
    return app.screen


async def test_the_app_asks_and_stores_the_identity_in_the_kb(
    tmp_path: Path, isolated_user: Path
) -> None:
    root = _nameless_kb(tmp_path, isolated_user)
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await _dialog(app, pilot)
        await type_text(pilot, "Bea Tech")
        await pilot.press("enter")
        assert isinstance(app.screen, IdentityScreen)  # enter on the name goes to the e-mail
        await type_text(pilot, "bea@example.org")
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, IdentityScreen)
        assert [text for text in notifications(app) if "Saved as Bea Tech" in text]
    assert git(root, "config", "--local", "user.name").strip() == "Bea Tech"
    assert git(root, "config", "--local", "user.email").strip() == "bea@example.org"
    assert (isolated_user / ".gitconfig").read_text() == ""
    with KnowledgeBase.open(root) as kb:
        kb.new_note("Printer offline", body="Restart the spooler.\n")
    assert git(root, "log", "-1", "--format=%an <%ae>").strip() == "Bea Tech <bea@example.org>"


async def test_a_bad_email_is_told_in_the_dialog(tmp_path: Path, isolated_user: Path) -> None:
    root = _nameless_kb(tmp_path, isolated_user)
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _dialog(app, pilot)
        await type_text(pilot, "Bea")
        await pilot.press("tab")
        await type_text(pilot, "not an address")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert "e-mail" in str(screen.query_one("#identity-problem").render())
    assert git(root, "config", "--local", "user.name", check=False).strip() == ""


async def test_skipping_names_the_commands(tmp_path: Path, isolated_user: Path) -> None:
    root = _nameless_kb(tmp_path, isolated_user)
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await _dialog(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
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
        assert not isinstance(app.screen, IdentityScreen)
        assert not [text for text in notifications(app) if "who you are" in text]
