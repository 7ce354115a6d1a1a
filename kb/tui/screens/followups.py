"""Follow-ups: the open questions, soonest promise first, overdue ones standing out."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kb.tui.actions import bindings
from kb.tui.display import one_line, plural
from kb.tui.messages import NoteSaved
from kb.tui.navigation import OpenNote
from kb.tui.screens.base import KBScreen, report_saved
from kb.tui.widgets.footer import KBFooter

if TYPE_CHECKING:
    from kb.questions.asking import Answered, Question
    from kb.tui.access import SharedKB, SharedShelf


def now_minute() -> _dt.datetime:
    """The local time to the minute."""
    return _dt.datetime.now().replace(second=0, microsecond=0)


def _promise_order(question: Question) -> tuple[bool, float]:
    # Soonest promise first, questions without one last.
    promised = question.promised
    return (promised is None, promised.timestamp() if promised is not None else 0.0)


class FollowupsLoaded(Message):
    """The open questions, read in a thread."""

    def __init__(
        self, questions: list[Question], now: _dt.datetime, kbs: list[str] | None = None
    ) -> None:
        super().__init__()
        self.questions = questions
        self.now = now
        #: The short name of each question's KB when several are configured ("" otherwise).
        self.kbs = kbs or [""] * len(questions)


def question_prompt(question: Question, now: _dt.datetime) -> Text:
    """One open question as three lines: promise and title, who waits, owner and updates."""
    from kb.notes import when
    from kb.search.results import age

    if question.promised is None:
        mark = Text("no promise ", style="dim")
    elif question.is_overdue(now):
        mark = Text(f"OVERDUE {when.duration(now - question.promised)} ", style="bold red")
    else:
        mark = Text(f"due {when.relative(question.promised, now)} ", style="green")
    prompt = Text.assemble(mark, (one_line(question.title) or one_line(question.path), "bold"))
    waiting = [f"waiting: {one_line(question.asked_by) or '(nobody named)'}"]
    if question.ticket:
        waiting.append(one_line(question.ticket))
    if question.promised is not None:
        waiting.append(f"promised {when.describe(question.promised, now)}")
    prompt.append("\n")
    prompt.append(" · ".join(waiting), style="yellow" if question.is_overdue(now) else "")
    facts = [f"owner {one_line(question.owner) or '(unknown)'}"]
    if question.created is not None:
        asked = age(_dt.datetime.combine(question.created, _dt.time()).timestamp(), now.timestamp())
        facts.append(f"asked {asked if asked in ('today', 'yesterday') else asked + ' ago'}")
    last = question.last_update
    facts.append(
        f"{plural(len(question.updates), 'update')}, last: {one_line(last.text)}"
        if last
        else "no update yet"
    )
    prompt.append("\n")
    prompt.append(" · ".join(facts), style="dim")
    return prompt


def read_followups(shared: SharedKB, shelf: SharedShelf | None) -> FollowupsLoaded:
    """The open questions of every KB the app works on (``shelf``, or the one ``shared``),
    soonest promise first (in a thread)."""
    from kb import questions

    now = now_minute()
    if shelf is None:
        return FollowupsLoaded(questions.followups(shared.kb, now=now), now)
    found = [
        (name, question)
        for name, shared in shelf.kbs.items()
        for question in questions.followups(shared.kb, now=now)
    ]
    found.sort(key=lambda pair: _promise_order(pair[1]))
    return FollowupsLoaded([q for _, q in found], now, [n for n, _ in found])


class FollowupsScreen(KBScreen):
    """Open questions; enter opens one, u logs an update, a answers it."""

    CSS_PATH = "followups.tcss"
    SCOPE: ClassVar[str] = "followups"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self) -> None:
        super().__init__()
        self.questions: list[Question] = []
        #: Each question's KB, by short name ("" when the app works on one KB).
        self.kb_names: list[str] = []
        self.now = now_minute()
        #: Whether the screen has been shown once (each later resume reads the questions).
        self.resumed = False
        #: (questions, minute, KB names) as the list shows them.
        self.listed: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Reading the open questions…", id="followups-summary")
        yield OptionList(id="followups")
        yield KBFooter()

    def on_mount(self) -> None:
        """Show the questions last read (with its first frame) and read them again in a
        thread: the list changes only if they did."""
        self.sub_title = "Follow-ups"
        self.query_one(OptionList).focus()
        seen = self.app.last_read.get("followups")
        if isinstance(seen, FollowupsLoaded):
            self.on_followups_loaded(FollowupsLoaded(seen.questions, now_minute(), seen.kbs))
        self.load()

    def on_screen_resume(self) -> None:
        """Back from a note or a dialog: questions may have changed. (Opening the screen
        resumes it too: on_mount has read them then.)"""
        if self.resumed:
            self.load()
        self.resumed = True

    @work(thread=True, exclusive=True, exit_on_error=False, group="followups")
    def load(self) -> None:
        """Read the open questions."""
        read = read_followups(self.shared, self.app.shelf)
        self.app.last_read["followups"] = read
        self.post_message(read)

    def on_followups_loaded(self, message: FollowupsLoaded) -> None:
        """Show the questions, keeping the highlighted one when it is still open (nothing
        is drawn again when they are the ones shown, at the same minute)."""
        shown = (message.questions, message.now, message.kbs)
        if self.listed == shown:
            return
        self.listed = shown
        listing = self.query_one(OptionList)
        previous = self.selected
        was = self._key(self.query_one(OptionList).highlighted or 0) if previous else ""
        self.questions, self.now = message.questions, message.now
        self.kb_names = message.kbs
        listing.set_options(
            Option(self._prompt(index), id=self._key(index)) for index in range(len(self.questions))
        )
        keys = [self._key(index) for index in range(len(self.questions))]
        if self.questions:
            listing.highlighted = keys.index(was) if was in keys else 0
        summary = self.query_one("#followups-summary", Static)
        late = sum(1 for question in self.questions if question.is_overdue(self.now))
        if not self.questions:
            ask = self.key("ask")
            summary.update(f"No open questions. Capture one with {ask} from the search box.")
        else:
            text = Text(f"{plural(len(self.questions), 'open question')}, soonest promise first")
            if late:
                text.append(f" · {late} overdue", style="bold red")
            summary.update(text)

    def _key(self, index: int) -> str:
        if not 0 <= index < len(self.questions):
            return ""
        name, path = self.kb_names[index], self.questions[index].path
        return f"{name}:{path}" if name else path

    def _prompt(self, index: int) -> Text:
        prompt = question_prompt(self.questions[index], self.now)
        if not self.kb_names[index]:
            return prompt
        from kb.tui.display import kb_badge

        return kb_badge(self.kb_names[index]).append(" ").append_text(prompt)

    def _owner(self) -> SharedKB:
        """The KB of the highlighted question (where it is opened, updated, answered)."""
        index = self.query_one(OptionList).highlighted
        shelf = self.app.shelf
        if shelf is None or index is None or not 0 <= index < len(self.kb_names):
            return self.shared
        return shelf.kbs.get(self.kb_names[index], self.shared)

    @property
    def selected(self) -> Question | None:
        """The highlighted question."""
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.questions):
            return None
        return self.questions[index]

    # -- actions --------------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#followups")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the highlighted question (in its own KB)."""
        question = self.selected
        if question is not None:
            self.app.opening = self._owner()
            self.post_message(OpenNote(question.path))

    def action_log_update(self) -> None:
        """Log what the person waiting was told (a line in the question's update log)."""
        from kb.tui.screens.prompt import PromptScreen

        question = self.selected
        if question is None:
            return
        owner = self._owner()

        def logged(text: str | None) -> None:
            if text:
                self.log_update(question.path, text, owner)

        who = question.asked_by or "the person waiting"
        self.app.push_screen(
            PromptScreen(
                f"Update for {who}: {one_line(question.title)}",
                label="What you told them",
                placeholder="Parts ordered; next call tomorrow 10:00",
            ),
            logged,
        )

    @work(thread=True, exclusive=False, exit_on_error=False, group="update")
    def log_update(self, path: str, text: str, owner: SharedKB | None = None) -> None:
        """Append the entry, commit and reindex (in the question's own KB)."""
        from kb import questions

        with (owner or self.shared).writing() as kb:
            saved = questions.append_update(kb, path, text, now=now_minute())
        self.post_message(NoteSaved(saved))

    def on_note_saved(self, message: NoteSaved) -> None:
        """Report the update and show the list again."""
        report_saved(self, message.saved)
        self.load()

    def action_answer(self) -> None:
        """Write the answer: the question becomes a fix note; then log the call-back."""
        from kb.tui.screens.answer import AnswerScreen

        question = self.selected
        if question is None:
            return
        owner = self._owner()
        self.app.opening = owner
        self.app.push_screen(
            AnswerScreen(question), lambda answered: self._answered(answered, owner)
        )

    def _answered(self, answered: Answered | None, owner: SharedKB | None = None) -> None:
        from kb import questions
        from kb.tui.screens.prompt import PromptScreen

        if answered is None:
            return
        line = questions.waiting_line(answered.question, now_minute())
        self.notify(line, title="Answered", markup=False, timeout=15)

        def logged(text: str | None) -> None:
            if text:
                self.log_update(answered.saved.path, text, owner)

        self.app.push_screen(
            PromptScreen(
                line,
                label="Log the call-back (escape skips)",
                default="Called back with the answer",
            ),
            logged,
        )

    def action_reload(self) -> None:
        """Read the questions again."""
        self.load()

    def action_back(self) -> None:
        """Back to where the list was opened."""
        self.dismiss()
