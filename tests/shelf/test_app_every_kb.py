"""F4 guides, F3 health and the ctrl+g ticket view over every configured KB: each item marked
with its KB, opened in its KB, and a team guide's steps read from the team KB."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from kb.notes.user_config import read_kbs
from kb.shelf import Shelf as KBShelf
from kb.tui import create_app
from kb.tui.screens.guide_reader import GuideReaderScreen
from kb.tui.screens.guides import GuidesScreen
from kb.tui.screens.health import HealthScreen
from kb.tui.screens.note import NoteScreen
from kb.tui.screens.ticket import TicketScreen
from tests.helpers import git, settle, write
from tests.shelf.conftest import TEAM_GUIDE, Shelf

MY_GUIDE = """\
---
title: My own path
type: guide
---
1. [[vpn-split-tunnel]]
"""

OPS_NOTE = """\
---
title: Mailbox quota for VPN users
type: fix
tickets: [INC0077001]
---
## Resolution
Raise the quota.
"""


def _add(root: Path, rel: str, text: str) -> None:
    write(root, rel, text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", f"Add {rel}")


def _app() -> object:
    shelf = KBShelf.open(read_kbs())
    assert shelf is not None
    return create_app(knowledge_base=shelf.default, shelf=shelf, keys={})


def _rows(screen: object, selector: str) -> list[str]:
    options = screen.query_one(selector, OptionList)  # type: ignore[attr-defined]
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_guides_health_and_tickets_cover_every_kb(shelf: Shelf) -> None:
    _add(shelf.team, "notes/team-onboarding.md", TEAM_GUIDE)
    _add(shelf.personal, "notes/my-guide.md", MY_GUIDE)
    _add(shelf.ops, "notes/mailbox-quota.md", OPS_NOTE)
    app = _app()
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        guides = app.screen  # type: ignore[attr-defined]
        assert isinstance(guides, GuidesScreen)
        rows = _rows(guides, "#guides")
        assert any(row.startswith("[me]") and "My own path" in row for row in rows), rows
        assert any(row.startswith("[team]") and "Team onboarding" in row for row in rows)
        team_at = next(i for i, g in enumerate(guides.guides) if g.title == "Team onboarding")
        guides.query_one("#guides", OptionList).highlighted = team_at
        await pilot.press("enter")
        await settle(pilot)
        reader = app.screen  # type: ignore[attr-defined]
        assert isinstance(reader, GuideReaderScreen)
        assert reader.shared.kb.root == shelf.team
        assert reader.guide is not None and not reader.guide.broken
        assert [step.path for step in reader.guide.steps] == ["notes/outlook-password.md"]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("f3")
        await settle(pilot)
        health = app.screen  # type: ignore[attr-defined]
        assert isinstance(health, HealthScreen)
        assert [name for name, _ in health.every] == ["me", "team", "ops"]
        shown = str(health.query_one("#health-report").render())
        for name in ("me", "team", "ops"):
            assert f"[{name}] KB health on" in shown
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press(*"INC0077001", "enter")
        await settle(pilot)
        ticket = app.screen  # type: ignore[attr-defined]
        assert isinstance(ticket, TicketScreen)
        assert ticket.kb_names == ["me", "ops"]
        rows = _rows(ticket, "#ticket-notes")
        assert rows[0].startswith("[me] VPN split tunnel")
        assert rows[1].startswith("[ops] Mailbox quota for VPN users")
        ticket.query_one("#ticket-notes", OptionList).highlighted = 1
        await pilot.press("o")
        await settle(pilot)
        opened = app.screen  # type: ignore[attr-defined]
        assert isinstance(opened, NoteScreen)
        assert opened.path == "notes/mailbox-quota.md"
        assert opened.shared.kb.root == shelf.ops
        # The note's header says which KB it is read from.
        from kb.tui.widgets.note_header import NoteHeader

        header = str(opened.query_one(NoteHeader).render()).splitlines()
        assert header[1].startswith("[ops] "), header


async def test_a_ticket_only_a_team_kb_knows_opens_from_ctrl_g(shelf: Shelf) -> None:
    """The default KB knows nothing of the ticket: the team KB's linked note still shows."""
    _add(shelf.ops, "notes/mailbox-quota.md", OPS_NOTE.replace("INC0077001", "INC0088002"))
    app = _app()
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press(*"INC0088002", "enter")
        await settle(pilot)
        ticket = app.screen  # type: ignore[attr-defined]
        assert isinstance(ticket, TicketScreen)
        assert ticket.kb_names == ["ops"]
        assert _rows(ticket, "#ticket-notes")[0].startswith("[ops] Mailbox quota for VPN users")
