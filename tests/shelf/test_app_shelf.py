"""The app over several KBs: hits from each with their KB's marker, notes opened and edited in
their own KB, and the new-note form writing to the KB picked with a key."""

from __future__ import annotations

from textual.widgets import TextArea

from kb.notes.user_config import read_kbs
from kb.shelf import Shelf as KBShelf
from kb.tui import create_app
from kb.tui.display import hit_prompt, kb_style
from kb.tui.screens.editor import EditorScreen
from kb.tui.screens.new_note import NewNoteScreen
from kb.tui.screens.note import NoteScreen
from tests.helpers import git_log, rendered, search, settle
from tests.shelf.conftest import Shelf


def _app() -> object:
    shelf = KBShelf.open(read_kbs())
    assert shelf is not None
    return create_app(knowledge_base=shelf.default, shelf=shelf, keys={})


async def test_hits_from_two_kbs_show_their_markers_and_open_in_their_kb(shelf: Shelf) -> None:
    app = _app()
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await settle(pilot)
        results = await search(pilot, "outlook password")
        assert {hit.kb for hit in results.hits} == {"me", "team", "ops"}
        prompts = [hit_prompt(hit) for hit in results.hits]
        for hit, prompt in zip(results.hits, prompts, strict=True):
            marker = f"[{hit.kb}]"
            assert marker in prompt.plain
            start = prompt.plain.index(marker)
            styles = [str(span.style) for span in prompt.spans if span.start <= start < span.end]
            assert kb_style(hit.kb) in styles
        assert kb_style("me") != kb_style("team") != kb_style("ops")
        team_at = next(i for i, hit in enumerate(results.hits) if hit.kb == "team")
        results.highlighted = team_at
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)  # type: ignore[attr-defined]
        assert app.screen.path == "notes/outlook-password.md"  # type: ignore[attr-defined]
        assert app.screen.shared.kb.root == shelf.team  # type: ignore[attr-defined]
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen  # type: ignore[attr-defined]
        assert isinstance(editor, EditorScreen)
        area = editor.query_one(TextArea)
        area.move_cursor(area.document.end)
        area.insert("Checked on Outlook 2021 too.\n")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert "Outlook 2021" in (shelf.team / "notes/outlook-password.md").read_text()
    assert git_log(shelf.team)[0].startswith("Edit: Outlook keeps asking")


async def test_the_new_note_form_writes_to_the_kb_picked_with_a_key(shelf: Shelf) -> None:
    app = _app()
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen  # type: ignore[attr-defined]
        assert isinstance(form, NewNoteScreen)
        assert "Writes to [me]" in rendered(form.query_one("#target-kb"))
        await pilot.press("f6")
        await settle(pilot)
        assert "Writes to [team]" in rendered(form.query_one("#target-kb"))
        await pilot.press(*"badge reader beeps twice")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)  # type: ignore[attr-defined]
        assert app.screen.shared.kb.root == shelf.team  # type: ignore[attr-defined]
    assert (shelf.team / "notes/badge-reader-beeps-twice.md").is_file()
    assert not (shelf.personal / "notes/badge-reader-beeps-twice.md").exists()
    assert git_log(shelf.team)[0] == "New fix: badge reader beeps twice"


async def test_f2_and_f5_cover_every_kb_and_s_shares_a_note(shelf: Shelf) -> None:
    from textual.widgets import Input, OptionList

    from kb.tui.screens.followups import FollowupsScreen
    from kb.tui.screens.prompt import PromptScreen
    from kb.tui.screens.sync import SyncScreen

    shelf.cli("ask", "Why does the badge reader beep?")
    shelf.cli("ask", "Which toner fits the 4th floor printer?", "--to", "ops")
    app = _app()
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen  # type: ignore[attr-defined]
        assert isinstance(screen, FollowupsScreen)
        assert sorted(screen.kb_names) == ["me", "ops"]
        shown = [str(option.prompt) for option in screen.query_one(OptionList)._options]
        assert any(line.startswith("[ops] ") and "toner" in line for line in shown)
        await pilot.press("escape")
        await settle(pilot)

        results = await search(pilot, "split tunnel")
        assert [hit.kb for hit in results.hits][:1] == ["me"]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        prompt = app.screen  # type: ignore[attr-defined]
        assert isinstance(prompt, PromptScreen)
        assert str(prompt.query_one("#prompt-keys").render()) == "enter shares · escape cancels"
        prompt.query_one(Input).value = "team"
        await pilot.press("enter")
        await settle(pilot)
        assert (shelf.team / "notes/vpn-split-tunnel.md").is_file()
        assert not (shelf.personal / "notes/vpn-split-tunnel.md").exists()

        await pilot.press("f5")
        await settle(pilot)
        sync = app.screen  # type: ignore[attr-defined]
        assert isinstance(sync, SyncScreen)
        log = rendered(sync.query_one("#sync-log"))
        assert "me: no remote, not synced" in log
        assert "team: Sent" in log
        assert "ops: Sent 1 commit" in log  # the question asked in ops


async def test_a_link_into_another_kb_opens_the_note_there(shelf: Shelf) -> None:
    from tests.helpers import git, write

    write(
        shelf.team,
        "notes/outlook-password.md",
        (shelf.team / "notes/outlook-password.md").read_text()
        + "\nMy own steps: [[me:notes/vpn-split-tunnel.md|the VPN note]].\n",
    )
    git(shelf.team, "commit", "-qam", "Link to my note")
    app = _app()
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await settle(pilot)
        app.opening = app.shelf.kbs["team"]  # type: ignore[attr-defined]
        app.open_note("notes/outlook-password.md")  # type: ignore[attr-defined]
        await settle(pilot)
        note_screen = app.screen  # type: ignore[attr-defined]
        assert isinstance(note_screen, NoteScreen)
        assert note_screen.shared.kb.root == shelf.team
        # As Textual reports a click on the link: percent-decoded.
        note_screen.follow("wiki:me:notes/vpn-split-tunnel.md")
        await settle(pilot)
        opened = app.screen  # type: ignore[attr-defined]
        assert isinstance(opened, NoteScreen) and opened is not note_screen
        assert opened.path == "notes/vpn-split-tunnel.md"
        assert opened.shared.kb.root == shelf.personal
        assert opened.note is not None and opened.note.title == "VPN split tunnel"


async def test_f5_says_which_kb_did_not_sync(shelf: Shelf) -> None:
    from kb.tui.screens.sync import SyncScreen
    from tests.helpers import git

    git(shelf.ops, "remote", "set-url", "origin", str(shelf.ops.parent / "nowhere.git"))
    app = _app()
    async with app.run_test(size=(100, 30)) as pilot:  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        sync = app.screen  # type: ignore[attr-defined]
        assert isinstance(sync, SyncScreen)
        for _ in range(50):
            if not sync.running:
                break
            await pilot.pause(0.1)
        told = [note.message for note in app._notifications]  # type: ignore[attr-defined]
        assert "Sync finished; not settled in ops (see the log)" in told
        assert "Sync finished" not in told
