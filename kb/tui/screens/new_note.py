"""New note: title, type, ticket and tags, with a duplicate check while the title is typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, OptionList, Select, Static
from textual.worker import get_current_worker

from kb.notes.note import NOTE_TYPES
from kb.tui.actions import bindings
from kb.tui.messages import NoteSaved, SimilarNotesFound
from kb.tui.navigation import OpenNote
from kb.tui.screens.base import KBScreen, report_saved
from kb.tui.widgets.footer import KBFooter
from kb.tui.widgets.results import ResultsList

if TYPE_CHECKING:
    from kb.tui.access import SharedKB

#: How many similar notes the duplicate check shows.
SIMILAR_LIMIT = 5


def split_tags(text: str) -> list[str]:
    """Tags typed as "vpn, dns" or "vpn dns"."""
    return [tag for tag in text.replace(",", " ").split() if tag]


def split_tickets(text: str) -> list[str]:
    """Ticket ids typed as "INC001, INC002" or "INC001 INC002"."""
    return [ticket for ticket in text.replace(",", " ").split() if ticket]


class NewNoteScreen(KBScreen):
    """Write a new note from its type's template; dismissed with the new note's path."""

    CSS_PATH = "new_note.tcss"
    SCOPE: ClassVar[str] = "new-note"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, title: str = "", note_type: str = "fix") -> None:
        super().__init__()
        self.initial_title = title
        self.note_type = note_type if note_type in NOTE_TYPES else "fix"
        self._creating = False

    @property
    def target(self) -> SharedKB:
        """The KB the note is written to (the default one, or the one picked with a key)."""
        return self._target or self.shared

    _target: SharedKB | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            title = Input(
                self.initial_title, placeholder="What the caller asked or reported", id="title"
            )
            title.border_title = "Title"
            yield title
            with Horizontal(id="details"):
                note_type = Select(
                    [(name, name) for name in NOTE_TYPES],
                    value=self.note_type,
                    allow_blank=False,
                    id="type",
                )
                note_type.border_title = "Type"
                yield note_type
                ticket = Input(placeholder="INC0012345", id="ticket")
                ticket.border_title = "Ticket (optional)"
                yield ticket
                tags = Input(placeholder="vpn, dns", id="tags")
                tags.border_title = "Tags (optional)"
                yield tags
            yield Static("", id="target-kb")
            yield Static("", id="similar-title")
            yield ResultsList(focusable=True, id="similar")
        yield KBFooter()

    def on_mount(self) -> None:
        """Focus the title and check for duplicates of a title given in advance."""
        self.sub_title = "New note"
        self._show_target()
        title = self.query_one("#title", Input)
        title.focus()
        title.cursor_position = len(title.value)
        if self.initial_title.strip():
            self.find_similar(self.initial_title)

    @on(Input.Changed, "#title")
    def _title_changed(self, event: Input.Changed) -> None:
        self.find_similar(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="similar")
    def find_similar(self, title: str) -> None:
        """Search for notes like the title in a thread; a newer keystroke cancels this one."""
        worker = get_current_worker()
        if not title.strip():
            results = None
        else:
            results = self.target.search(title, SIMILAR_LIMIT, lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            from kb.search.results import Results

            self.post_message(SimilarNotesFound(title, results or Results()))

    def on_similar_notes_found(self, message: SimilarNotesFound) -> None:
        """Show the possible duplicates (strong matches only say "already written?")."""
        if message.title != self.query_one("#title", Input).value:
            return
        similar = self.query_one("#similar", ResultsList)
        heading = self.query_one("#similar-title", Static)
        strong = [hit for hit in message.results if not hit.weak]
        similar.show_hits(strong)
        similar.highlighted = None
        if strong:
            heading.update("Already in the KB? ↓ browses these similar notes, enter opens one:")
        elif message.title.strip():
            heading.update("No similar note found.")
        else:
            heading.update("")

    @on(OptionList.OptionSelected, "#similar")
    def _open_similar(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(OpenNote(event.option.id))

    def action_create(self) -> None:
        """Create the note from the form, in a thread."""
        if self._creating:
            return
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.notify("Give the note a title", severity="warning")
            self.query_one("#title", Input).focus()
            return
        note_type = self.query_one("#type", Select).value
        self._creating = True
        self.create_note(
            title,
            str(note_type) if isinstance(note_type, str) else "fix",
            split_tickets(self.query_one("#ticket", Input).value),
            split_tags(self.query_one("#tags", Input).value),
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="create")
    def create_note(self, title: str, note_type: str, tickets: list[str], tags: list[str]) -> None:
        """Write the note from its template, commit and index it."""
        try:
            with self.target.writing() as kb:
                saved = kb.new_note(title, note_type=note_type, tickets=tickets, tags=tags)
        finally:
            self.app.call_from_thread(self._creation_ended)
        self.post_message(NoteSaved(saved))

    def _creation_ended(self) -> None:
        self._creating = False

    def on_note_saved(self, message: NoteSaved) -> None:
        """Hand the new note to the opener (it opens it in the editor)."""
        report_saved(self, message.saved)
        # The new note opens (and is edited) in the KB it was written to.
        self.app.opening = self.target
        self.dismiss(message.saved.path)

    def _show_target(self) -> None:
        shelf = self.app.shelf
        line = self.query_one("#target-kb", Static)
        line.display = shelf is not None
        if shelf is not None:
            from rich.text import Text

            from kb.tui.display import kb_badge

            text = Text("Writes to ").append_text(kb_badge(shelf.name_of(self.target)))
            text.append(f"  ({self.key('pick-kb')}: another KB)", style="dim")
            line.update(text)

    def action_pick_kb(self) -> None:
        """Write the note to the next configured KB (round the list)."""
        shelf = self.app.shelf
        if shelf is None:
            self.notify("Only one KB is configured ([kbs] in the config names more)")
            return
        kbs = list(shelf.kbs.values())
        self._target = kbs[(kbs.index(self.target) + 1) % len(kbs)]
        self._show_target()
        self.find_similar(self.query_one("#title", Input).value)

    def action_browse_similar(self) -> None:
        """Move from the form into the list of similar notes."""
        similar = self.query_one("#similar", ResultsList)
        if similar.hits:
            similar.focus()
            if similar.highlighted is None:
                similar.highlighted = 0

    def action_cancel(self) -> None:
        """Back from the similar notes to the title; from the form, leave without creating."""
        if self.focused is self.query_one("#similar", ResultsList):
            self.query_one("#title", Input).focus()
            return
        self.dismiss(None)
