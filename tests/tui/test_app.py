"""The terminal app, driven by Textual's pilot against real KBs in temporary folders."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input, Markdown, TextArea

from kb import KnowledgeBase
from kb.search.results import age
from kb.tui.app import KBApp
from kb.tui.display import hit_prompt, snippet_text
from kb.tui.keys import parse_keymap
from kb.tui.links import LinkTarget, resolve_href, to_markdown_links
from kb.tui.screens.ask import AskScreen
from kb.tui.screens.confirm import ConfirmScreen
from kb.tui.screens.editor import EditorScreen
from kb.tui.screens.help import HelpScreen
from kb.tui.screens.home import HomeScreen
from kb.tui.screens.links import LinkPicker
from kb.tui.screens.new_note import NewNoteScreen
from kb.tui.screens.note import NoteScreen
from kb.tui.widgets.index_status import IndexStatus
from kb.tui.widgets.preview import NotePreview
from kb.tui.widgets.results import ResultsList
from tests.helpers import (
    PRINTER_NOTE,
    git_log,
    notice,
    notifications,
    open_note,
    search,
    settle,
    type_text,
    use_engine,
    write,
)

# -- home: search as you type -----------------------------------------------------------------


async def test_typing_shows_ranked_results(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert isinstance(app.focused, Input)
        assert "Recently changed" in notice(app)
        results = await search(pilot, "spooler")
        assert results.hits[0].path == "notes/printer-offline.md"
        assert "found" in notice(app)
        assert app.screen.query_one(NotePreview).path == "notes/printer-offline.md"


async def test_an_error_code_shows_its_fix_before_its_last_character(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        results = await search(pilot, "0x800700")
        assert results.hits[0].path == "notes/updates/windows-update-0x80070005.md"
        results = await search(pilot, "05")
        assert results.hits[0].path == "notes/updates/windows-update-0x80070005.md"


async def test_partial_keystroke_results_are_searched_fully_on_a_pause(tui_root: Path) -> None:
    from kb.search.results import Results
    from kb.tui.messages import SearchFinished

    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        await search(pilot, "windows")
        searches: list[bool] = []
        original = screen.run_search

        def spy(query: str, full: bool = False) -> object:
            searches.append(full)
            return original(query, full)

        screen.run_search = spy  # type: ignore[method-assign]
        # As if the engine ran out of its keystroke budget: a partial answer is refined.
        partial = Results([screen.query_one(ResultsList).hits[0]])
        partial.partial = True
        screen.post_message(SearchFinished("windows", partial, full=False))
        await pilot.pause(0.4)
        await settle(pilot)
        assert searches == [True]
        assert len(screen.query_one(ResultsList).hits) >= 2
        # A full search that ran out of its own time is final: no search again, no loop.
        searches.clear()
        screen.post_message(SearchFinished("windows", partial, full=True))
        await pilot.pause(0.4)
        await settle(pilot)
        assert searches == []
        assert len(screen.query_one(ResultsList).hits) == 1


async def test_down_moves_the_selection_and_the_preview_follows(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        results = await search(pilot, "windows")
        assert len(results.hits) >= 2
        await pilot.press("down")
        await settle(pilot)
        assert results.highlighted == 1
        assert isinstance(app.focused, Input)  # focus stays in the search box
        preview = app.screen.query_one(NotePreview)
        assert preview.path == results.hits[1].path
        assert results.hits[1].title in str(preview.query_one("NoteHeader").render())
        await pilot.press("up")
        await settle(pilot)
        assert preview.path == results.hits[0].path


async def test_preview_shows_front_matter_as_one_line_not_yaml(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await search(pilot, "spooler")
        header = str(app.screen.query_one(NotePreview).query_one("NoteHeader").render())
        assert "fix · validated · #printing #spooler · INC0012345, INC0012377" in header
        preview = app.screen.query_one(NotePreview)
        assert "tickets:" not in preview.source
        assert preview.source.startswith("## Issue")


async def test_enter_opens_the_note_and_escape_returns_home(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await search(pilot, "spooler")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.note is not None
        assert app.screen.note.title == "Printer shows offline and jobs are stuck"
        assert "Restart-Service" in app.screen.query_one(Markdown).source
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one(Input).value == "spooler"
        assert app.screen.query_one(ResultsList).selected_hit is not None


async def test_nothing_found_says_so_and_ctrl_a_captures_a_question(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        results = await search(pilot, "zqxjkvw")
        assert results.hits == []
        assert (
            notice(app) == "Nothing found for “zqxjkvw”. Press ctrl+a to capture it as a question."
        )
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        assert app.screen.query_one("#question", Input).value == "zqxjkvw"


async def test_weak_results_are_labelled(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        results = await search(pilot, "spooler zqxjkvw pqwmzbt")
        assert results.hits, "the closest note is still shown"
        assert notice(app) == "No strong match — closest notes:"


async def test_startup_builds_a_missing_index_and_then_searches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    use_engine(root, "whoosh")
    write(root, "notes/printer-offline.md", PRINTER_NOTE)
    seen: list[tuple[int, int]] = []
    original = IndexStatus.show_progress

    def record(self: IndexStatus, done: int, total: int, building: bool = False) -> None:
        seen.append((done, total))
        original(self, done, total, building)

    monkeypatch.setattr(IndexStatus, "show_progress", record)
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert seen and seen[-1] == (1, 1)
        assert not app.screen.query_one(IndexStatus).has_class("-busy")
        assert [hit.path for hit in app.screen.query_one(ResultsList).hits] == [
            "notes/printer-offline.md"
        ]
        assert "Search index built" in " ".join(notifications(app))


# -- the note view ----------------------------------------------------------------------------


async def test_copy_code_blocks_and_the_resolution(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, "notes/network/reset-network-stack.md")
        await pilot.press("c")
        assert app.clipboard == "ipconfig /flushdns"
        await pilot.press("c")
        assert app.clipboard == "netsh winsock reset"
        await pilot.press("c")  # cycles back to the first
        assert app.clipboard == "ipconfig /flushdns"
        await pilot.press("2")
        assert app.clipboard == "netsh winsock reset"
        assert "Copied code block 2 of 2 (cmd)" in notifications(app)
        await pilot.press("r")
        assert app.clipboard.startswith("First flush DNS:")
        assert "netsh winsock reset" in app.clipboard
        assert "Copied the Resolution section" in notifications(app)


async def test_copy_without_code_warns(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, "notes/vpn-no-intranet.md")
        await pilot.press("c")
        assert app.clipboard == ""
        assert "This note has no code block" in notifications(app)


async def test_wiki_link_opens_the_target_and_back_returns(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_note(pilot, "notes/updates/windows-update-0x80070005.md")
        markdown = screen.query_one(Markdown)
        assert "[printer-offline](wiki:printer-offline)" in markdown.source
        markdown.post_message(Markdown.LinkClicked(markdown, "wiki:printer-offline"))
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.path == "notes/printer-offline.md"
        await pilot.press("backspace")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_relative_link_and_link_picker(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_note(pilot, "notes/network/reset-network-stack.md")
        markdown = screen.query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "../printer-offline.md"))
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.path == "notes/printer-offline.md"
        await pilot.press("escape")
        await settle(pilot)
        # Without a mouse: l lists the links, enter follows one.
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LinkPicker)
        picker = app.screen
        wiki = next(i for i, link in enumerate(picker.links) if link.kind == "wiki")
        await pilot.press(*["down"] * wiki, "enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.path == "notes/vpn-no-intranet.md"


async def test_broken_link_is_a_notification_not_a_crash(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_note(pilot, "notes/vpn-no-intranet.md")
        screen.follow("wiki:no-such-note")
        await settle(pilot)
        assert app.screen is screen
        assert "no note matches 'no-such-note'" in notifications(app)


# -- editing and writing ----------------------------------------------------------------------


async def test_edit_in_the_built_in_editor_and_save(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, "notes/vpn-no-intranet.md")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        editor = app.screen.query_one(TextArea)
        assert app.screen.text.startswith("---\ntitle: VPN connected")
        editor.text = editor.text + "\nAlso check the proxy settings.\n"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert (
            "Also check the proxy settings." in (tui_root / "notes/vpn-no-intranet.md").read_text()
        )
        assert git_log(tui_root)[0] == "Edit: VPN connected but intranet sites do not open"
        await pilot.press("escape")  # saved: no question asked
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert "proxy settings" in app.screen.query_one(Markdown).source
        # The index was updated by the save.
        assert KnowledgeBase.open(tui_root).search("proxy", refresh=False)


async def test_editor_asks_before_discarding_changes(tui_root: Path) -> None:
    before = (tui_root / "notes/vpn-no-intranet.md").read_bytes()
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.edit_note("notes/vpn-no-intranet.md")
        await settle(pilot)
        app.screen.query_one(TextArea).insert("Unsaved words. ")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert (tui_root / "notes/vpn-no-intranet.md").read_bytes() == before


async def test_edit_in_external_editor_commits_the_change(
    tui_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\nwith open(sys.argv[1], 'a') as f:\n    f.write('\\nEdited outside.\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    app = KBApp(str(tui_root))
    # The headless test driver cannot hand the terminal over; the editor runs all the same.
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_note(pilot, "notes/vpn-no-intranet.md")
        await pilot.press("E")
        await settle(pilot)
        assert "Edited outside." in (tui_root / "notes/vpn-no-intranet.md").read_text()
        assert git_log(tui_root)[0] == "Edit: VPN connected but intranet sites do not open"
        assert "Saved notes/vpn-no-intranet.md" in notifications(app)
        assert "Edited outside." in app.screen.query_one(Markdown).source


async def test_new_note_shows_similar_notes_then_creates_and_opens_the_editor(
    tui_root: Path,
) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, NewNoteScreen)
        await type_text(pilot, "printer offline spooler")
        await settle(pilot)
        similar = app.screen.query_one("#similar", ResultsList)
        assert [hit.path for hit in similar.hits][:1] == ["notes/printer-offline.md"]
        assert "Already in the KB?" in str(app.screen.query_one("#similar-title").render())
        app.screen.query_one("#tags", Input).value = "printing, spooler"
        app.screen.query_one("#ticket", Input).value = "INC0099999"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EditorScreen)
        assert app.screen.path == "notes/printer-offline-spooler.md"
        text = (tui_root / "notes/printer-offline-spooler.md").read_text()
        assert text.startswith("---\ntitle: printer offline spooler\n")
        assert "## Resolution" in text  # the fix template
        assert "INC0099999" in text and "spooler" in text
        assert git_log(tui_root)[0] == "New fix: printer offline spooler"
        assert app.screen.text == text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.path == "notes/printer-offline-spooler.md"


async def test_new_note_with_a_bad_ticket_stays_open_with_an_error(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.new_note("Laptop fan is loud")
        await settle(pilot)
        app.screen.query_one("#ticket", Input).value = "not a ticket"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NewNoteScreen)
        assert any("does not look like a ticket id" in text for text in notifications(app))
        assert not (tui_root / "notes/laptop-fan-is-loud.md").exists()


# -- everywhere: palette, help, keys, themes, layout ------------------------------------------


async def test_command_palette_lists_and_runs_actions(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "new note")
        await pilot.pause(0.2)  # the palette gathers its hits in a task
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NewNoteScreen)


async def test_command_palette_offers_the_note_screen_commands(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_note(pilot, "notes/printer-offline.md")
        names = [command.name for command in screen.palette_commands() + app.palette_commands()]
        for expected in (
            "Edit note",
            "Copy code block",
            "New note",
            "Open help",
            "Reindex",
            "Toggle dark mode",
            "Quit",
            "Focus search",
        ):
            assert expected in names
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "focus search")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_help_screen_lists_keys_and_query_syntax(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        source = app.screen.source
        for words in (
            "Copy code",
            "tag:vpn",
            "-mac",
            "last word is a prefix",
            "[keys]",
            "new-note",
        ):
            assert words in source
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_user_keymap_remaps_bindings(
    tui_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\nnew-note = "f2"\nno-such-action = "x"\n')
    monkeypatch.setenv("KB_CONFIG", str(config))
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert any("no-such-action" in text for text in notifications(app))
        await pilot.press("ctrl+n")  # the default key no longer does it
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, NewNoteScreen)


async def test_unreadable_config_is_a_warning(
    tui_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[keys\n")
    monkeypatch.setenv("KB_CONFIG", str(config))
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert any("cannot be read" in text for text in notifications(app))
        assert isinstance(app.screen, HomeScreen)


async def test_toggle_dark_mode(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        before = app.theme
        await pilot.press("ctrl+t")
        assert app.theme != before
        await pilot.press("ctrl+t")
        assert app.theme == before


async def test_80x24_shows_search_box_results_and_preview_below(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await search(pilot, "windows")
        screen = app.screen
        box = screen.query_one(Input).region
        results = screen.query_one(ResultsList).region
        preview = screen.query_one(NotePreview).region
        assert box.height == 3 and box.y == 0
        assert results.height >= 6 and results.width == 80
        assert preview.y >= results.bottom and preview.height >= 5
        assert preview.bottom <= 23  # the footer keeps the last line
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        # No room for the contents beside the note at 80 columns: t shows them on demand.
        assert not app.screen.query_one("#toc").display
        await pilot.press("t")
        assert app.screen.query_one("#toc").display


async def test_wide_terminal_puts_the_preview_beside_the_results(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        results = app.screen.query_one(ResultsList).region
        preview = app.screen.query_one(NotePreview).region
        assert preview.x >= results.right
        assert preview.y == results.y


def test_opening_the_app_on_a_missing_kb_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kb", "--kb", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("kb: no KB at ") and done.stderr.count("\n") == 1


def test_importing_the_app_does_not_touch_the_search_engine() -> None:
    code = (
        "import sys, kb.tui.app; heavy = [m for m in ('whoosh', 'tantivy', 'git')"
        " if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# -- the pieces -------------------------------------------------------------------------------


def test_wiki_links_become_markdown_links_outside_code() -> None:
    body = "See [[printer-offline]] and [[vpn-no-intranet|the VPN note]].\n`[[not a link]]`\n"
    body += "```\n[[also not]]\n```\n"
    converted = to_markdown_links(body)
    assert "[printer-offline](wiki:printer-offline)" in converted
    assert "[the VPN note](wiki:vpn-no-intranet)" in converted
    assert "`[[not a link]]`" in converted
    assert "```\n[[also not]]\n```" in converted
    assert "[Some title](wiki:Some%20title)" in to_markdown_links("[[Some title]]")


def test_links_resolve_relative_to_the_note() -> None:
    note = "notes/network/reset.md"
    assert resolve_href("wiki:printer-offline", note) == LinkTarget("note", "printer-offline")
    assert resolve_href("../printer.md#cause", note) == LinkTarget("note", "notes/printer.md")
    assert resolve_href("https://example.org", note) == LinkTarget("url", "https://example.org")
    assert resolve_href("#resolution", note) == LinkTarget("anchor", "resolution")


def test_age_reads_like_a_person_says_it() -> None:
    now = 1_000_000_000.0
    assert age(now - 60, now) == "today"
    assert age(now - 86_400 * 1.5, now) == "yesterday"
    assert age(now - 86_400 * 3, now) == "3 days"
    assert age(now - 86_400 * 21, now) == "3 weeks"
    assert age(now - 86_400 * 95, now) == "3 months"
    assert age(now - 86_400 * 800, now) == "2 years"
    assert age(0, now) == ""


def test_hit_prompt_shows_status_kind_tickets_age_and_highlights() -> None:
    from kb.search.results import Hit

    snippet = "Restart the print spooler service"
    hit = Hit(
        "notes/p.md",
        "Printer offline",
        1.0,
        snippet,
        highlights=[(18, 25)],
        type="fix",
        status="validated",
        tickets=["INC1", "INC2"],
        modified=0.0,
    )
    prompt = hit_prompt(hit)
    assert prompt.plain == f"Printer offline\nvalidated · fix · 2 tickets │ {snippet}"
    highlighted = [
        prompt.plain[span.start : span.end] for span in prompt.spans if span.style == "bold reverse"
    ]
    assert highlighted == ["spooler"]
    long = "word " * 30 + "spooler at the end"
    text = snippet_text(long, [(150, 157)])
    assert text.plain.startswith("…") and "spooler" in text.plain[:40]
    # Kept only as long as a line of the list can show: the match and its highlight stay.
    longer = long + " and more words" * 20
    cut = snippet_text(longer, [(150, 157), (161, 164), (250, 255)], limit=40)
    assert len(cut.plain) <= 41 and cut.plain[1:] in longer
    assert [cut.plain[span.start : span.end] for span in cut.spans] == ["spooler", "the"]


def test_a_hit_s_snippet_is_cut_to_the_list_s_width_and_still_overflows_it() -> None:
    from kb.search.results import Hit

    hit = Hit(path="notes/a.md", title="Spooler", score=1.0, snippet="restart the spooler " * 10)
    whole = hit_prompt(hit).plain.split("\n")[1]
    cut = hit_prompt(hit, width=60).plain.split("\n")[1]
    # Shorter, yet longer than the line: the list still cuts it and ends it with "…".
    assert 60 < len(cut) < len(whole) and whole.startswith(cut)


def test_keymap_table_is_validated() -> None:
    assert parse_keymap({"new-note": "ctrl+k", "help": ["f1", "f2"]}) == (
        {"new-note": "ctrl+k", "help": "f1,f2"},
        [],
    )
    keymap, warnings = parse_keymap({"new-note": 3})
    assert keymap == {} and "new-note" in warnings[0]
    assert parse_keymap("nope")[1]


async def test_nothing_found_shows_the_query_as_typed(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        typed = "Q:\\Nowhere\\[i]zqxjkvw\x1b.dmp"
        app.screen.query_one("#search", Input).value = typed
        await settle(pilot)
        # Single backslashes, brackets kept (no markup), the control character shown escaped.
        assert notice(app) == (
            "Nothing found for “Q:\\Nowhere\\[i]zqxjkvw\\u001b.dmp”. "
            "Press ctrl+a to capture it as a question."
        )


async def test_the_screens_one_key_opens_are_imported_in_the_background_after_start(
    tui_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their first opening then costs what every later one does."""
    import importlib
    import sys

    from kb.tui import app as app_module
    from kb.tui import preload

    for name in preload.PRELOADED:
        importlib.import_module(name)  # each name is a module
    (tmp_path / "kb_preload_probe.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "kb_preload_probe", raising=False)
    monkeypatch.setattr(preload, "PRELOADED", (*preload.PRELOADED, "kb_preload_probe"))
    monkeypatch.setattr(app_module, "PRELOAD_AFTER", 0.05)
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        assert "kb_preload_probe" in sys.modules
