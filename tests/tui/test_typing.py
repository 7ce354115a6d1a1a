"""Typing never waits: keys act on the text typed, and the preview follows only the hit
that stays highlighted (Textual's pilot against a real KB)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterable
from contextvars import Context
from itertools import pairwise
from pathlib import Path

import pytest
from textual.content import Content
from textual.widgets.option_list import Option

from kb import KnowledgeBase
from kb.search.results import Hit
from kb.tui.app import PRELOAD_AFTER, KBApp
from kb.tui.screens.home import HomeScreen
from kb.tui.screens.note import NoteScreen
from kb.tui.widgets.preview import PREVIEW_CHARS, NotePreview
from kb.tui.widgets.results import ResultsList, hit_options
from tests.helpers import notice, send_keys, settle, write

#: Queries of the test KB and the one note each finds first.
TOP_HIT = {
    "spooler": "notes/printer-offline.md",
    "0x80070005": "notes/updates/windows-update-0x80070005.md",
    "intranet": "notes/vpn-no-intranet.md",
}


def previews_shown(preview: NotePreview) -> list[str]:
    """The paths of the notes the preview shows from now on, in order."""
    shown: list[str] = []
    show_note = preview.show_note

    def spy(note: object, body: object = None, source: object = None) -> None:
        shown.append(note.path)  # type: ignore[attr-defined]
        show_note(note, body, source)  # type: ignore[arg-type]

    preview.show_note = spy  # type: ignore[method-assign]
    return shown


def _query_not_on_top(app: KBApp) -> tuple[str, str]:
    """A query whose top hit is not the first of the list shown now."""
    shown = app.screen.query_one(ResultsList).hits[0].path
    return next((query, path) for query, path in TOP_HIT.items() if path != shown)


async def test_enter_with_the_last_key_opens_the_top_hit_of_the_text_typed(
    tui_root: Path,
) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        query, top = _query_not_on_top(app)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        # Searches are held back, so Enter arrives while the list still shows recent notes.
        with app.shared._searching:
            await pilot.press(*query, "enter")
            await pilot.pause(0.2)
            assert isinstance(app.screen, HomeScreen)  # nothing opened from the old list
            assert screen.pending
            assert screen.query_one(ResultsList).dimmed
            assert notice(app) == "Searching…"
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.path == top


async def test_enter_in_the_same_burst_as_the_keys_opens_the_top_hit_of_them_all(
    tui_root: Path,
) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        query, top = _query_not_on_top(app)
        # As a terminal delivers a fast typist's keys: all queued at once, Enter last.
        send_keys(app, *query, "enter")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.path == top


async def test_typing_on_after_enter_opens_nothing(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        query, _top = _query_not_on_top(app)
        screen = app.screen
        with app.shared._searching:
            await pilot.press(*query, "enter", "x")
        await settle(pilot)
        await settle(pilot)
        assert app.screen is screen
        assert not screen.pending
        assert screen.query_one("#search").value == f"{query}x"


async def test_enter_on_current_results_opens_at_once(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"intranet")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HomeScreen) and not screen.pending
        assert not screen.query_one(ResultsList).dimmed
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.path == TOP_HIT["intranet"]


async def test_the_preview_renders_only_the_hit_that_stays_highlighted(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        preview = app.screen.query_one(NotePreview)
        shown = previews_shown(preview)
        await pilot.press(*"windows")
        await settle(pilot)
        results = app.screen.query_one(ResultsList)
        # Typed at once: one note rendered, the top hit of the whole text.
        assert shown == [results.hits[0].path] == [preview.path]
        shown.clear()
        await pilot.press("backspace")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        # New hits with the same note on top keep its preview: it is not drawn again.
        assert all(before != after for before, after in pairwise(shown))
        assert preview.path == results.hits[0].path


async def test_a_huge_note_is_previewed_from_its_start(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    paragraph = "The spooler log grows without end on this print server.\n\n"
    body = "## Issue\nHuge spooler log.\n\n```\nGet-Content log\n" + paragraph * 20_000
    write(root, "notes/huge-log.md", "---\ntitle: Huge spooler log\n---\n" + body)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "notes"], cwd=root, check=True, capture_output=True)
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"spooler")
        await settle(pilot)
        preview = app.screen.query_one(NotePreview)
        assert preview.path == "notes/huge-log.md"
        source = preview.source
        assert len(body) > 1_000_000
        assert PREVIEW_CHARS // 2 < len(source) < PREVIEW_CHARS + 200
        assert "open it to read it all" in source
        assert source.count("```") % 2 == 0  # the code block the cut left open is closed


async def test_the_app_takes_in_notes_changed_on_disk_while_it_runs(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        write(
            tui_root,
            "notes/scanner-blank.md",
            "---\ntitle: Scanner saves blank pages\n---\nThe zebrafish driver broke it.\n",
        )
        app.keep_fresh()  # what the app does every few seconds
        await settle(pilot)
        await pilot.press(*"zebrafish")
        await settle(pilot)
        results = app.screen.query_one(ResultsList)
        assert [hit.path for hit in results.hits] == ["notes/scanner-blank.md"]


async def test_the_hits_lines_are_built_in_the_search_thread_not_on_the_loop(
    tui_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kb.tui.screens.home as home

    built: list[tuple[bool, int, list[Option]]] = []
    given: list[object] = []  # the heights the thread gave the prompts, as it gave them

    def spy(
        hits: Iterable[Hit],
        width: int = 0,
        context: Context | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> list[Option]:
        options = hit_options(hits, width, context, cancelled)
        built.append((threading.current_thread() is threading.main_thread(), width, options))
        given.extend(getattr(option.prompt, "_height_cache", None) for option in options)
        return options

    monkeypatch.setattr(home, "hit_options", spy)
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        built.clear()
        await pilot.press(*"windows")
        await settle(pilot)
        results = app.screen.query_one(ResultsList)
        on_loop, width, options = built[-1]
        assert not on_loop
        assert width == results.prompt_width > 0
        # The list shows the options the thread built: styled and measured there, as the list
        # itself lays them out (two lines a hit, cut at the width).
        shown = [results.get_option_at_index(i) for i in range(results.option_count)]
        assert shown == options and len(options) == len(results.hits) >= 1
        for option, known in zip(options, given[-len(options) :], strict=True):
            assert isinstance(option.prompt, Content)
            assert option.prompt.get_height(results.styles, width) == 2
            # The list's own question was answered from the height the thread gave the
            # prompt, and that is what Textual computes itself.
            assert option.prompt._height_cache == known
            fresh = Content(option.prompt.plain, spans=list(option.prompt.spans))
            assert fresh.get_height(results.styles, width) == 2
        assert str(options[0].prompt).startswith(results.hits[0].title)


async def test_a_key_is_painted_before_its_search_starts_and_the_list_dims_if_it_waits(
    tui_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The frame that shows a typed character holds it alone: starting the search waits
    until that frame is on the terminal, and the list is dimmed only if its hits are late."""
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"spooler")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        events: list[str] = []
        display = app._display
        run_search = screen.run_search

        def displayed(*args: object, **kwargs: object) -> None:
            events.append("display")
            display(*args, **kwargs)  # type: ignore[arg-type]

        def searched(query: str, full: bool = False) -> None:
            dimmed = screen.query_one(ResultsList).dimmed
            events.append(f"search {query} dimmed={dimmed}")
            run_search(query, full)

        monkeypatch.setattr(app, "_display", displayed)
        monkeypatch.setattr(screen, "run_search", searched)
        results = screen.query_one(ResultsList)
        await pilot.press("s")
        await settle(pilot)
        first_search = next(i for i, e in enumerate(events) if e.startswith("search"))
        assert "display" in events[:first_search]
        # A search that answers at once: the list goes straight to its new hits, never
        # dimmed in between (one redraw, not three).
        assert events[first_search] == "search spoolers dimmed=False"
        assert not results.dimmed
        # A search that takes longer: the list is dimmed as older than the text a moment
        # after the key, then the notice says results are coming.
        with app.shared._searching:
            await pilot.press("x")
            await pilot.pause(0.2)
            assert results.dimmed and notice(app) == "Searching…"
        await settle(pilot)
        assert not results.dimmed


async def test_typing_lays_nothing_out_and_a_long_text_scrolls_in_the_box(
    tui_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key repaints the search box alone: no layout of the screen (the box's size never
    depends on its text); a text longer than the box scrolls to show where it is typed."""
    from textual.screen import Screen

    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        layouts: list[str] = []
        refresh_layout = Screen._refresh_layout

        def counted(screen: Screen, *args: object, **kwargs: object) -> None:
            layouts.append(type(screen).__name__)
            refresh_layout(screen, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Screen, "_refresh_layout", counted)
        # Searches are held back: only the keys themselves reach the screen.
        with app.shared._searching:
            await pilot.press(*"printer")
            await pilot.pause(0.2)
            assert layouts == []
            long_text = "spooler " * 14 + "marmoset"
            await pilot.press(*long_text)
            await pilot.pause(0.2)
            assert layouts == []
            box = app.screen.query_one("#search")
            assert box.scroll_x > 0  # scrolled to where the text is typed
        await settle(pilot)
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "spooler marmoset" in shown and "printerspooler" not in shown


async def test_the_hits_rows_drawn_in_the_search_thread_are_the_lists_own(tui_root: Path) -> None:
    """The search thread draws each hit's rows as the list would: shown from there, and
    exactly what the list draws itself (for the highlighted hit, it draws them itself)."""
    from textual.widgets import OptionList

    from kb.tui.widgets.results import HitOption

    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"windows")
        await settle(pilot)
        results = app.screen.query_one(ResultsList)
        look = results.row_look()
        assert look is not None and results.option_count >= 1
        assert look.ahead == 30 // 3 + 1
        for index in range(min(results.option_count, look.ahead)):
            option = results.get_option_at_index(index)
            assert isinstance(option, HitOption) and option.drawn is not None
            assert option.drawn[0] == look
            results._option_render_cache.clear()
            own = OptionList._get_option_render(results, option, look.style)
            assert [strip._segments for strip in option.drawn[1]] == [
                strip._segments for strip in own
            ]
            assert results._get_option_render(option, look.style) is option.drawn[1]
        # Another look (the highlighted hit's style, another width): the list draws it.
        highlighted = results.get_visual_style(
            "option-list--option", "option-list--option-highlighted"
        )
        first = results.get_option_at_index(0)
        assert isinstance(first, HitOption) and first.drawn is not None
        assert results._get_option_render(first, highlighted) is not first.drawn[1]


async def test_no_note_is_previewed_while_keys_keep_coming(
    tui_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Showing a note lays the screen out: while the technician types, even slowly enough
    for each key's hits to arrive, the preview waits for a pause."""
    import kb.tui.screens.home as home

    monkeypatch.setattr(home, "PREVIEW_AFTER", 0.3)  # as the app has it (tests shorten it)
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        preview = app.screen.query_one(NotePreview)
        shown = previews_shown(preview)
        await pilot.pause(PRELOAD_AFTER)  # the recent notes' top note previewed, and the
        await app.workers.wait_for_complete()  # work left from start done
        shown.clear()
        for key in "spooler stopped":
            # A key every 0.15-0.2 s (a press takes a moment): each key's hits arrive.
            await pilot.press(key if key != " " else "space")
            await pilot.pause(0.05)
        assert shown == []
        await settle(pilot)
        await pilot.pause(0.5)
        results = app.screen.query_one(ResultsList)
        assert shown == [results.hits[0].path] == [preview.path]


def test_a_stale_searchs_rows_stop_being_built_once_a_newer_key_comes() -> None:
    # A search overtaken by a newer keystroke stops building and drawing its rows at once,
    # instead of competing with the newer search for the interpreter.
    hits = [
        Hit(path=f"notes/n{i}.md", title=f"Note {i}", score=1.0, snippet="text") for i in range(30)
    ]
    asked: list[int] = []

    def cancelled_after(count: int) -> Callable[[], bool]:
        def cancelled() -> bool:
            asked.append(1)
            return len(asked) > count

        return cancelled

    assert len(hit_options(hits, 60, None, cancelled_after(3))) == 3
    assert len(hit_options(hits, 60)) == 30
