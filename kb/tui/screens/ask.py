"""Ask: capture "I'll find out and get back to you" in seconds, while the caller is on the line."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.worker import get_current_worker

from kb.notes.errors import KBError
from kb.tui.actions import bindings
from kb.tui.messages import SimilarNotesFound
from kb.tui.navigation import OpenNote
from kb.tui.screens.base import KBModalScreen, report_saved
from kb.tui.widgets.footer import KBFooter
from kb.tui.widgets.results import ResultsList

if TYPE_CHECKING:
    from kb.questions.asking import Asked

#: Notes shown as "maybe already known" while the question is typed.
SIMILAR_LIMIT = 3


class QuestionAsked(Message):
    """A question was saved (committed and indexed, or saved with warnings)."""

    def __init__(self, asked: Asked, now: _dt.datetime) -> None:
        super().__init__()
        self.asked = asked
        self.now = now


def now_minute() -> _dt.datetime:
    """The local time to the minute (promises are kept to the minute)."""
    return _dt.datetime.now().replace(second=0, microsecond=0)


class AskScreen(KBModalScreen):
    """The question, who is waiting, the promised time and the ticket; enter saves.

    Dismissed with the new question's path, or None when cancelled.
    """

    CSS_PATH = "ask.tcss"
    SCOPE: ClassVar[str] = "ask"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, question: str = "") -> None:
        super().__init__()
        self.initial_question = question
        self._saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label("Ask: find out and get back", id="ask-title")
            question = Input(
                self.initial_question, placeholder="What the caller needs to know", id="question"
            )
            question.border_title = "Question"
            yield question
            with Horizontal(classes="row"):
                asked_by = Input(placeholder="Tom Kowalski x4412", id="asked-by")
                asked_by.border_title = "Who is waiting (name, how to reach)"
                yield asked_by
                ticket = Input(placeholder="INC0041005", id="ticket")
                ticket.border_title = "Ticket"
                yield ticket
            with Horizontal(classes="row"):
                # The default promise is a placeholder, not text to delete first: left
                # blank, it applies.
                promised = Input(
                    placeholder=f"{self.shared.kb.settings.default_promise} (or +2h, fri, eod)",
                    id="promised",
                )
                promised.border_title = "Promised by"
                yield promised
                yield Static("", id="promised-when")
            yield Static("", id="similar-title")
            yield ResultsList(focusable=True, id="similar")
        yield KBFooter()

    def on_mount(self) -> None:
        """Focus where the user types first: the question, or who is waiting when the question
        came from the search; then look for what is already known."""
        question = self.query_one("#question", Input)
        question.cursor_position = len(question.value)
        first = self.query_one("#asked-by" if self.initial_question.strip() else "#question")
        # At once, not after the next refresh: keys typed meanwhile follow the focus.
        self.set_focus(first)
        self.show_promise()
        if self.initial_question.strip():
            self.find_similar(self.initial_question)

    # -- the promised time, read as it is typed ------------------------------------------------

    @on(Input.Changed, "#promised")
    def _promised_changed(self) -> None:
        self.show_promise()

    def show_promise(self) -> _dt.datetime | None:
        """Show what the promised time means ("Mon 24 Nov 12:00 · in 3 h") or why it cannot."""
        from kb import questions
        from kb.notes import when

        label = self.query_one("#promised-when", Static)
        now = now_minute()
        try:
            moment = questions.parse_promise(
                self.shared.kb, self.query_one("#promised", Input).value, now
            )
        except KBError as exc:
            label.update(Text(str(exc).split("; try")[0], style="bold red"))
            label.set_class(True, "-error")
            return None
        label.set_class(False, "-error")
        label.update(
            Text.assemble(
                ("→ ", "dim"),
                (when.describe(moment, now), "bold"),
                (f" · {when.relative(moment, now)}", "red" if moment <= now else "dim"),
            )
        )
        return moment

    # -- maybe already known -------------------------------------------------------------------

    @on(Input.Changed, "#question")
    def _question_changed(self, event: Input.Changed) -> None:
        self.find_similar(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="similar")
    def find_similar(self, question: str) -> None:
        """Search for notes like the question in a thread; a newer keystroke cancels this one."""
        from kb.search.results import Results

        worker = get_current_worker()
        results = None
        if question.strip():
            results = self.shared.search(question, 10, lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(SimilarNotesFound(question, results or Results()))

    def on_similar_notes_found(self, message: SimilarNotesFound) -> None:
        """Show strong matches only: a weak one is not "already known"."""
        if message.title != self.query_one("#question", Input).value:
            return
        strong = [hit for hit in message.results if not hit.weak][:SIMILAR_LIMIT]
        similar = self.query_one("#similar", ResultsList)
        similar.show_hits(strong)
        similar.highlighted = None
        heading = self.query_one("#similar-title", Static)
        if strong:
            heading.update("Maybe already known (↓ to browse, enter opens):")
        elif message.title.strip():
            heading.update("Nothing similar in the KB.")
        else:
            heading.update("")
        similar.set_class(not strong, "-empty")

    @on(OptionList.OptionSelected, "#similar")
    def _open_similar(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(OpenNote(event.option.id))

    def action_browse_similar(self) -> None:
        """Move from the form into the similar notes."""
        similar = self.query_one("#similar", ResultsList)
        if similar.hits:
            similar.focus()
            if similar.highlighted is None:
                similar.highlighted = 0

    # -- saving --------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in any field saves the question."""
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Check the form, then save the question in a thread."""
        from kb import questions

        if self._saving:
            return
        question = self.query_one("#question", Input).value.strip()
        if not question:
            self.notify("Write the question first", severity="warning")
            self.query_one("#question", Input).focus()
            return
        if self.show_promise() is None:
            self.notify(
                "The promised time is not understood: try tomorrow 10:00, +2h, fri, eod",
                severity="error",
            )
            self.query_one("#promised", Input).focus()
            return
        ticket = self.query_one("#ticket", Input).value.strip()
        try:
            questions.check_ticket(self.shared.kb, ticket)
        except KBError as exc:
            self.notify(str(exc), severity="error", markup=False)
            self.query_one("#ticket", Input).focus()
            return
        self._saving = True
        self.save_question(
            question,
            ticket,
            self.query_one("#asked-by", Input).value.strip(),
            self.query_one("#promised", Input).value.strip(),
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="ask")
    def save_question(self, question: str, ticket: str, asked_by: str, promised: str) -> None:
        """Write, commit and index the question note."""
        from kb import questions

        now = now_minute()
        try:
            with self.shared.writing() as kb:
                asked = questions.ask(
                    kb, question, now=now, ticket=ticket, asked_by=asked_by, promised=promised
                )
        finally:
            self.app.call_from_thread(self._saving_ended)
        self.post_message(QuestionAsked(asked, now))

    def _saving_ended(self) -> None:
        self._saving = False

    def on_question_asked(self, message: QuestionAsked) -> None:
        """Say what was promised to whom, and close."""
        from kb import questions

        report_saved(self, message.asked.saved)
        self.notify(
            questions.promise_line(message.asked.question, message.now),
            title="Question saved",
            markup=False,
        )
        self.dismiss(message.asked.saved.path)

    def action_cancel(self) -> None:
        """Back from the similar notes to the question; from the form, close without saving."""
        if self.focused is self.query_one("#similar", ResultsList):
            self.query_one("#question", Input).focus()
            return
        self.dismiss(None)
