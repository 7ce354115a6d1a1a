"""Find out and get back in the app: ask from the search box, follow up, update, answer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Static, TextArea

from kb import KnowledgeBase
from kb.tui.app import PRELOAD_AFTER, KBApp
from kb.tui.display import hit_meta
from kb.tui.screens.answer import AnswerScreen
from kb.tui.screens.ask import AskScreen
from kb.tui.screens.followups import FollowupsScreen
from kb.tui.screens.help import HelpScreen
from kb.tui.screens.home import HomeScreen
from kb.tui.screens.note import NoteScreen
from kb.tui.screens.prompt import PromptScreen
from kb.tui.widgets.results import ResultsList
from tests.helpers import (
    Cli,
    git_log,
    held_by,
    notifications,
    rendered,
    search,
    settle,
    type_text,
)


async def fill(pilot: object, field: Input, text: str) -> None:
    """Replace what a field holds with ``text`` (as typed)."""
    field.focus()
    field.value = ""
    await type_text(pilot, text)  # type: ignore[arg-type]


def open_questions(root: Path) -> list[dict[str, object]]:
    result = Cli(root)("followups", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


async def test_the_journey_through_the_app(tui_root: Path) -> None:
    before = len(git_log(tui_root))
    app = KBApp(str(tui_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # Nothing found for what the caller said: one key captures it, prefilled.
        results = await search(pilot, "badge reader rejects cards")
        assert results.hits == [] or results.hits[0].weak
        await pilot.press("ctrl+a")
        await settle(pilot)
        ask = app.screen
        assert isinstance(ask, AskScreen)
        assert ask.query_one("#question", Input).value == "badge reader rejects cards"
        # The default promise is a placeholder; blank, it applies.
        assert ask.query_one("#promised", Input).value == ""
        assert "next business day 12:00" in ask.query_one("#promised", Input).placeholder
        assert "→" in rendered(ask.query_one("#promised-when", Static))
        # The question came from the search: who is waiting is typed first.
        assert app.focused is ask.query_one("#asked-by", Input)
        await type_text(pilot, "Lea x2200")
        await pilot.press("tab", *"INC0041005")
        await fill(pilot, ask.query_one("#question", Input), "badge reader rejects cards at door 4")
        promised = ask.query_one("#promised", Input)
        await fill(pilot, promised, "tomorow")
        assert "cannot read 'tomorow'" in rendered(ask.query_one("#promised-when", Static))
        await pilot.press("enter")  # refused: the promise is not understood
        await settle(pilot)
        assert app.screen is ask
        await fill(pilot, promised, "2020-03-02 09:00")
        assert "Mon 2 Mar 2020 09:00" in rendered(ask.query_one("#promised-when", Static))
        assert "overdue" in rendered(ask.query_one("#promised-when", Static))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert any("Promised to Lea x2200 by Mon 2 Mar 2020 09:00" in n for n in notifications(app))

        # A second question, promised in the future, asked from an empty search box.
        await pilot.press("escape", "ctrl+a")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        await type_text(pilot, "Can the plotter print A0")
        await fill(pilot, app.screen.query_one("#promised", Input), "+2h")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)

        # Questions are searchable, with their badge.
        results = await search(pilot, "plotter A0")
        assert results.hits[0].type == "question"
        assert "question" in str(hit_meta(results.hits[0]))

        # Follow-ups: soonest promise first, the overdue one marked, who is waiting.
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FollowupsScreen)
        assert [q.title for q in screen.questions] == [
            "badge reader rejects cards at door 4",
            "Can the plotter print A0",
        ]
        listing = screen.query_one(OptionList)
        first = str(listing.get_option_at_index(0).prompt)
        assert first.startswith("OVERDUE ")
        assert "waiting: Lea x2200 · INC0041005 · promised Mon 2 Mar 2020 09:00" in first
        assert str(listing.get_option_at_index(1).prompt).startswith("due in ")
        assert "1 overdue" in rendered(screen.query_one("#followups-summary", Static))

        # Log an update.
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await type_text(pilot, "told Lea the vendor is checking")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        path = screen.questions[0].path
        log = (tui_root / path).read_text()
        log = log[log.index("## Updates") :]
        assert "Ana Tester: told Lea the vendor is checking\n" in log
        assert screen.questions[0].last_update is not None

        # Answer it: the dialog, then "Get back to ..." and the call-back logged.
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AnswerScreen)
        app.screen.query_one(TextArea).insert("Re-encode the cards with the quokka tool.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        assert prompt.title_text.startswith("Get back to Lea x2200 about INC0041005 (promised")
        assert any(n.startswith("Get back to Lea x2200") for n in notifications(app))
        assert prompt.query_one(Input).value == ""  # a placeholder, not text to delete first
        await pilot.press("enter")  # blank: logs "Called back with the answer"
        await settle(pilot)
        assert app.screen is screen
        assert [q.title for q in screen.questions] == ["Can the plotter print A0"]

        fixed = (tui_root / path).read_text()
        assert "type: fix\n" in fixed and "status: not-validated\n" in fixed
        assert fixed[fixed.index("## Updates") :].startswith(log.rstrip("\n") + "\n")
        assert "Ana Tester: Called back with the answer\n" in fixed

        # The fix is found by search.
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        results = await search(pilot, "quokka")
        assert results.hits[0].path == path and results.hits[0].type == "fix"

    assert [q["title"] for q in open_questions(tui_root)] == ["Can the plotter print A0"]
    subjects = git_log(tui_root)[: len(git_log(tui_root)) - before]
    title = "badge reader rejects cards at door 4"
    assert subjects == [
        f"Update: {title}",
        f"Answer: {title}",
        f"Update: {title}",
        "New question: Can the plotter print A0",
        f"New question: {title}",
    ]


async def test_overdue_call_backs_are_announced_at_start(tui_root: Path) -> None:
    with KnowledgeBase.open(tui_root) as kb:
        from kb.questions.asking import ask

        now = dt.datetime.now()
        ask(kb, "Why is the scanner slow", now=now, promised="2020-01-01 10:00")
        ask(kb, "Why is the plotter slow", now=now, promised="2020-01-02 10:00")
        ask(kb, "Why is the copier slow", now=now, promised="+3d")
    app = KBApp(str(tui_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "You have 2 overdue call-backs — f2 to see them" in notifications(app)


async def test_no_notice_without_overdue_questions_and_an_empty_list(
    tui_root: Path,
) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not any("overdue" in n for n in notifications(app))
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FollowupsScreen)
        summary = rendered(screen.query_one("#followups-summary", Static))
        assert summary == "No open questions. Capture one with ctrl+a from the search box."
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_follow_ups_read_the_questions_once_as_they_open_and_again_on_return(
    tui_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening the screen used to read every question twice (its mount and its first resume):
    twice the work before the list could show."""
    from kb import questions

    reads: list[str] = []
    followups = questions.followups

    def counted(kb: object, **options: object) -> object:
        reads.append("read")
        return followups(kb, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(questions, "followups", counted)
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(PRELOAD_AFTER)  # the app reads them once after start, ahead of F2
        await app.workers.wait_for_complete()
        assert reads == ["read"]
        reads.clear()
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, FollowupsScreen)
        assert reads == ["read"]
        await pilot.press("f1")  # help above it, then back: the questions are read again
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FollowupsScreen)
        assert reads == ["read", "read"]


async def test_ask_shows_similar_notes_and_opens_one(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        await type_text(pilot, "printer offline jobs stuck")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AskScreen)
        similar = screen.query_one("#similar", ResultsList)
        assert [hit.path for hit in similar.hits][:1] == ["notes/printer-offline.md"]
        assert "Maybe already known" in rendered(screen.query_one("#similar-title", Static))
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("escape", "escape")  # back to the question, then cancel
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert open_questions(tui_root) == []


async def test_the_keys_are_in_help_and_the_palette(tui_root: Path) -> None:
    app = KBApp(str(tui_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        names = [command.name for command in app.palette_commands()]
        assert "Ask a question" in names and "Follow-ups" in names
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.source
        assert "Follow-ups · id `followups`" in text
        assert "Log update · id `log-update`" in text
        assert "Ask · id `ask`" in text


async def test_follow_ups_show_the_questions_last_read_with_their_first_frame(
    tui_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list is filled from what the app read last (ahead of F2, after start) while the
    questions are read again: a slow read never leaves the screen without them."""
    import threading

    from kb import questions

    result = Cli(tui_root)(
        "ask", "badge reader rejects cards", "--asked-by", "Lea x2200", "--promised", "+1d"
    )
    assert result.exit_code == 0, result.output
    app = KBApp(str(tui_root))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(PRELOAD_AFTER)
        await app.workers.wait_for_complete()
        held = threading.Event()
        monkeypatch.setattr(questions, "followups", held_by(held, questions.followups))
        await pilot.press("f2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FollowupsScreen)
        assert [q.title for q in screen.questions] == ["badge reader rejects cards"]
        assert screen.query_one(OptionList).option_count == 1
        held.set()
        await settle(pilot)
        assert [q.title for q in screen.questions] == ["badge reader rejects cards"]
