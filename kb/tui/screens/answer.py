"""Answer a question: the answer text becomes the Resolution and the question a fix note."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, TextArea

from kb.tui.actions import bindings
from kb.tui.display import one_line
from kb.tui.screens.base import KBModalScreen, report_saved
from kb.tui.widgets.footer import KBFooter

if TYPE_CHECKING:
    from kb.questions.asking import Answered, Question


class QuestionAnswered(Message):
    """A question became a fix note."""

    def __init__(self, answered: Answered) -> None:
        super().__init__()
        self.answered = answered


class AnswerScreen(KBModalScreen):
    """Write the answer to one question; ctrl+s saves. Dismissed with the Answered or None."""

    CSS_PATH = "answer.tcss"
    SCOPE: ClassVar[str] = "answer"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question
        self._saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(
                f"Answer: {one_line(self.question.title)}",
                id="answer-title",
                markup=False,
            )
            waiting = self.question.asked_by or "nobody named"
            yield Label(
                f"Waiting: {waiting}"
                + (f" · {self.question.ticket}" if self.question.ticket else ""),
                id="answer-waiting",
                markup=False,
            )
            area = TextArea(id="answer", soft_wrap=True)
            area.border_title = "The answer: steps as you would read them to the caller"
            yield area
        yield KBFooter()

    def on_mount(self) -> None:
        """Write at once."""
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        """Save the answer in a thread (the question becomes a fix note)."""
        text = self.query_one(TextArea).text
        if not text.strip():
            self.notify("Write the answer first", severity="warning")
            return
        if self._saving:
            return
        self._saving = True
        self.save_answer(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="answer")
    def save_answer(self, text: str) -> None:
        """Convert the question to a fix note, commit and reindex it."""
        from kb import questions

        now = _dt.datetime.now().replace(second=0, microsecond=0)
        try:
            with self.shared.writing() as kb:
                answered = questions.answer(kb, self.question.path, text, now=now)
        finally:
            self.app.call_from_thread(self._saving_ended)
        self.post_message(QuestionAnswered(answered))

    def _saving_ended(self) -> None:
        self._saving = False

    def on_question_answered(self, message: QuestionAnswered) -> None:
        """Report the save and hand the result to the opener."""
        report_saved(self, message.answered.saved)
        self.dismiss(message.answered)

    def action_cancel(self) -> None:
        """Close; a written answer is only dropped after asking."""
        if not self.query_one(TextArea).text.strip():
            self.dismiss(None)
            return
        from kb.tui.screens.confirm import ConfirmScreen

        def decided(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Discard the answer you wrote?", "Discard", "Keep writing"), decided
        )
