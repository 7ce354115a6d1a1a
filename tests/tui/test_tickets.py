"""The app's ticket screens: look a ticket up, open the version given, find fixes, link a note."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from textual.widgets import Input

from kb import KnowledgeBase
from kb.notes.link_log import read_links
from kb.notes.local_state import recent_ticket
from kb.tui.app import KBApp
from kb.tui.screens.home import HomeScreen
from kb.tui.screens.note import NoteScreen
from kb.tui.screens.revision import NoteRevisionScreen
from kb.tui.screens.ticket import TicketScreen
from kb.tui.screens.ticket_dialogs import LinkTicketDialog, TicketPrompt
from kb.tui.widgets.results import ResultsList
from kb.tui.widgets.ticket_line import TicketLine
from tests.helpers import (
    PRINTER_NOTE,
    VPN_NOTE,
    git_log,
    notifications,
    search,
    settle,
    type_text,
    use_engine,
    write,
)

RECORD = """
---
id: INC0077001
title: Printer on floor 2 offline, jobs stuck in queue
status: Resolved
caller: Maria Garcia
source: servicenow
---
## Description

Since this morning the spooler shows every job as stuck and the printer offline.

## Resolution

Restarted the spooler.
"""


@pytest.fixture
def ticket_root(tmp_path: Path) -> Path:
    """A KB with two notes and one ticket record, committed and indexed."""
    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    use_engine(root, "whoosh")
    with (root / "kb.toml").open("a") as toml:
        toml.write('\n[tickets]\nurl = "https://desk.example.org/t/{id}"\n')
    write(root, "notes/printer-offline.md", PRINTER_NOTE)
    write(root, "notes/vpn-no-intranet.md", VPN_NOTE)
    write(root, "tickets/INC0077001.md", RECORD)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "Add notes"], cwd=root, check=True, capture_output=True)
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
    return root


async def test_link_from_home_with_the_recent_ticket_offered(ticket_root: Path) -> None:
    app = KBApp(str(ticket_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        results = await search(pilot, "spooler")
        assert results.hits[0].path == "notes/printer-offline.md"
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LinkTicketDialog)
        await type_text(pilot, "inc0077001")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert any("Linked INC0077001" in text for text in notifications(app))
        (link,) = read_links(ticket_root)
        assert (link.note, link.kind) == ("notes/printer-offline.md", "resolution")
        assert git_log(ticket_root)[0].startswith("Link INC0077001 → Printer")
        assert recent_ticket(ticket_root) == "INC0077001"
        # The next link offers the recent ticket; ctrl+r makes it a reference.
        await pilot.press("escape", *"vpn intranet")
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        box = app.screen.query_one("#ticket-id", Input)
        assert box.value == "" and box.placeholder.startswith("INC0077001")
        await pilot.press("ctrl+r", "enter")
        await settle(pilot)
        kinds = {link.note: link.kind for link in read_links(ticket_root)}
        assert kinds["notes/vpn-no-intranet.md"] == "reference"


async def test_bad_ticket_id_stays_in_the_dialog(ticket_root: Path) -> None:
    app = KBApp(str(ticket_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await search(pilot, "spooler")
        await pilot.press("ctrl+l")
        await settle(pilot)
        await type_text(pilot, "hello")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LinkTicketDialog)
        assert "does not look like a ticket id" in str(
            app.screen.query_one("#ticket-error").render()
        )
        await pilot.press("escape")
        assert read_links(ticket_root) == []


async def test_ticket_lookup_version_given_and_find_fixes(ticket_root: Path) -> None:
    with KnowledgeBase.open(ticket_root) as kb:
        outcome = kb.link("printer-offline", "INC0077001")
    note = ticket_root / "notes/printer-offline.md"
    note.write_text(note.read_text().replace("Restart the print spooler", "Reboot srv-print01"))
    subprocess.run(["git", "commit", "-qam", "Later"], cwd=ticket_root, check=True)
    app = KBApp(str(ticket_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, TicketPrompt)
        await type_text(pilot, "INC0077001")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen)
        assert screen.view is not None and screen.view.record is not None
        assert [entry.path for entry in screen.view.notes] == ["notes/printer-offline.md"]
        assert "Printer on floor 2 offline" in str(screen.query_one("#ticket-summary").render())
        await pilot.press("enter")
        await settle(pilot)
        given = app.screen
        assert isinstance(given, NoteRevisionScreen) and given.revision == outcome.rev
        assert given.note is not None and "Restart the print spooler" in given.note.body_text
        assert given.sub_title.endswith(f"@ {outcome.rev[:7]}")  # type: ignore[index]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.note is not None and "Reboot srv-print01" in app.screen.note.body_text
        await pilot.press("escape")
        await settle(pilot)
        opened: list[str] = []
        app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
        await pilot.press("w")
        assert opened == ["https://desk.example.org/t/INC0077001"]
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        query = app.home.query_text
        assert "spooler" in query and "-type:ticket" in query and len(query.split()) <= 9
        hits = app.home.query_one(ResultsList).hits
        assert hits and hits[0].path == "notes/printer-offline.md", query


async def test_unknown_ticket_says_so(ticket_root: Path) -> None:
    app = KBApp(str(ticket_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_ticket("INC0000404")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert "no ticket INC0000404" in str(app.screen.query_one("#ticket-body").render())


async def test_note_screen_shows_its_tickets_and_links_with_a_key(ticket_root: Path) -> None:
    app = KBApp(str(ticket_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_note("notes/printer-offline.md")
        await settle(pilot)
        line = app.screen.query_one(TicketLine)
        assert "INC0012345 (listed)" in str(line.render())
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LinkTicketDialog)
        await type_text(pilot, "INC0077002")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert "INC0077002 (resolution" in str(app.screen.query_one(TicketLine).render())


async def test_palette_looks_up_a_ticket(ticket_root: Path) -> None:
    app = KBApp(str(ticket_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "look up a ticket")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketPrompt)
