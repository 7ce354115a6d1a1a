"""The ticket view: a ticket's record and every note linked to it, with the revision given.

From here a technician opens a note as it was given to the caller, opens its current
version, runs "find fixes" (a home search from the ticket's key words) or opens the ticket
in the service desk's web app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from kb.tui.actions import bindings
from kb.tui.display import one_line
from kb.tui.navigation import OpenNote, SearchHome
from kb.tui.screens.base import KBScreen, error_text
from kb.tui.ticket_messages import TicketLoaded
from kb.tui.widgets.footer import KBFooter

if TYPE_CHECKING:
    from kb.tickets.linking import TicketNote, TicketView

KIND_STYLES = {
    "resolution": "bold green",
    "listed": "green",
    "reference": "cyan",
    "mentioned": "dim",
}


def tie_prompt(entry: TicketNote) -> Text:
    """A linked note as two lines: title, then kind · revision · when · who · path."""
    from kb.git.revisions import short

    prompt = Text(one_line(entry.title) or one_line(entry.path), style="bold")
    prompt.append("\n")
    facts = [Text(entry.kind, style=KIND_STYLES.get(entry.kind, ""))]
    facts.append(Text(f"revision {short(entry.rev)}" if entry.rev else "current version"))
    if entry.at:
        facts.append(Text(entry.at.replace("T", " ")[:16]))
    if entry.by:
        facts.append(Text(one_line(entry.by)))
    facts.append(Text(one_line(entry.path), style="dim"))
    prompt.append_text(Text(" · ", style="dim").join(facts))
    return prompt


def ticket_summary(view: TicketView) -> Text:
    """Title line and the record's facts (status, dates, people, category)."""
    record = view.record
    if record is None:
        text = Text(one_line(view.id), style="bold")
        text.append("\nNo ticket record in tickets/ (kb import reads service-desk exports)")
        return text
    fields = record.fields
    title = one_line(str(fields.get("title") or "")) or record.title
    text = Text(f"{one_line(view.id)}  {title}", style="bold")
    facts = [
        f"{label} {value}"
        for label, key in (
            ("", "status"),
            ("opened", "opened"),
            ("resolved", "resolved"),
            ("caller", "caller"),
            ("assignee", "assignee"),
            ("", "category"),
        )
        if (value := one_line(str(fields.get(key) or "")))
    ]
    if facts:
        text.append("\n")
        text.append(" · ".join(fact.strip() for fact in facts), style="dim")
    return text


class TicketScreen(KBScreen):
    """One ticket: its record above, its linked notes below (enter opens the version given)."""

    CSS_PATH = "ticket.tcss"
    SCOPE: ClassVar[str] = "ticket"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, ticket: str) -> None:
        super().__init__()
        self.ticket = ticket
        self.view: TicketView | None = None
        #: Each linked note's KB, by short name ("" each when the app works on one KB).
        self.kb_names: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(self.ticket, style="bold"), id="ticket-summary")
        with VerticalScroll(id="ticket-text"):
            yield Static("Loading …", id="ticket-body")
        yield Label("Linked notes", id="ticket-notes-title")
        yield OptionList(id="ticket-notes")
        yield KBFooter()

    def on_mount(self) -> None:
        """Read the ticket in a thread."""
        self.sub_title = self.ticket
        self.query_one("#ticket-notes", OptionList).focus()
        self.load_ticket()

    def on_screen_resume(self) -> None:
        """Back from a note: links may have changed."""
        if self.view is not None:
            self.load_ticket()

    @work(thread=True, exclusive=True, exit_on_error=False, group="ticket")
    def load_ticket(self) -> None:
        """The ticket's record and linked notes, from disk and the index."""
        from kb.notes.errors import KBError
        from kb.notes.local_state import remember_ticket
        from kb.shelf.tickets import ticket_everywhere

        kb = self.shared.kb
        shelf = self.app.shelf
        own = shelf.name_of(self.shared) if shelf is not None else ""
        # The notes every configured KB ties to the ticket, this KB's first; the record from
        # this KB, else the first KB that has one.
        kbs = [(own, kb)]
        if shelf is not None:
            kbs += [(name, shared.kb) for name, shared in shelf.kbs.items() if name != own]
        try:
            view, names = ticket_everywhere(kbs, self.ticket, refresh=False)
        except KBError as exc:
            self.post_message(TicketLoaded(self.ticket, None, error_text(exc)))
            return
        remember_ticket(kb.root, view.id)
        if shelf is None:
            self.post_message(TicketLoaded(self.ticket, view))
            return
        self.post_message(TicketLoaded(self.ticket, view, kbs=names))

    def on_ticket_loaded(self, message: TicketLoaded) -> None:
        """Show the ticket, or say why there is nothing to show."""
        body = self.query_one("#ticket-body", Static)
        notes = self.query_one("#ticket-notes", OptionList)
        if message.view is None:
            body.update(message.error or "Nothing known about this ticket")
            notes.clear_options()
            return
        self.view = view = message.view
        self.kb_names = message.kbs or [""] * len(view.notes)
        self.query_one("#ticket-summary", Static).update(ticket_summary(view))
        body.update(_record_text(view))
        highlighted = notes.highlighted
        notes.set_options(
            Option(self._prompt(index), id=self._key(index)) for index in range(len(view.notes))
        )
        if view.notes:
            notes.highlighted = min(highlighted or 0, len(view.notes) - 1)
        title = self.query_one("#ticket-notes-title", Label)
        title.update(
            f"Linked notes ({len(view.notes)}): enter opens the version given, o the current one"
            if view.notes
            else "No note linked yet: press f to find fixes"
        )

    def _key(self, index: int) -> str:
        assert self.view is not None
        name, path = self.kb_names[index], self.view.notes[index].path
        return f"{name}:{path}" if name else path

    def _prompt(self, index: int) -> Text:
        assert self.view is not None
        prompt = tie_prompt(self.view.notes[index])
        if not self.kb_names[index]:
            return prompt
        from kb.tui.display import kb_badge

        return kb_badge(self.kb_names[index]).append(" ").append_text(prompt)

    def _open_in_its_kb(self) -> bool:
        index = self.query_one("#ticket-notes", OptionList).highlighted
        if index is None or not 0 <= index < len(self.kb_names) or not self.kb_names[index]:
            return True
        return self.open_kb(self.kb_names[index])

    # -- actions --------------------------------------------------------------------------------

    @property
    def selected(self) -> TicketNote | None:
        """The highlighted linked note."""
        index = self.query_one("#ticket-notes", OptionList).highlighted
        if self.view is None or index is None or not 0 <= index < len(self.view.notes):
            return None
        return self.view.notes[index]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on a linked note opens the version given."""
        event.stop()
        self.action_open_given()

    def action_open_given(self) -> None:
        """Open the highlighted note as it was when it was linked (the version given)."""
        entry = self.selected
        if entry is None or not self._open_in_its_kb():
            return
        self.post_message(OpenNote(entry.path, entry.rev or "", self.ticket))

    def action_open_current(self) -> None:
        """Open the highlighted note as it is now."""
        entry = self.selected
        if entry is not None and self._open_in_its_kb():
            self.post_message(OpenNote(entry.path))

    def action_find_fixes(self) -> None:
        """Search home for notes matching the ticket's key words."""
        from kb.tickets.linking import fix_query

        if self.view is None or self.view.record is None:
            self.notify(
                "This ticket has no record to take words from; search home instead",
                severity="warning",
            )
            return
        query = fix_query(self.view, self.shared.kb)
        if not query:
            self.notify("The ticket's text holds no words to search for", severity="warning")
            return
        self.post_message(SearchHome(query))

    def action_open_in_browser(self) -> None:
        """Open the ticket in the service desk ([tickets] url in kb.toml)."""
        url = self.shared.kb.settings.ticket_link(self.ticket)
        if url is None:
            self.notify(
                "No ticket address configured: set [tickets] url in kb.toml",
                severity="warning",
                markup=False,
            )
            return
        self.app.open_url(url)
        self.notify(f"Opened {url}", markup=False)

    def action_back(self) -> None:
        """Back to where the ticket was opened."""
        self.dismiss()


def _record_text(view: TicketView) -> Text:
    from kb.notes.control_chars import visible
    from kb.tickets.records import sections

    if view.record is None:
        # The summary above already says there is no record: said once is enough.
        return Text("The notes below name this ticket.", style="dim")
    parts = sections(view.record.body_text)
    text = Text()
    for name in ("description", "resolution"):
        body = parts.get(name, "").strip()
        if not body:
            continue
        if text:
            text.append("\n\n")
        text.append(name.capitalize(), style="bold underline")
        text.append("\n")
        text.append(visible(body))
    if view.url:
        text.append("\n\n")
        text.append(view.url, style="dim")
    return text or Text("The record has no description or resolution.", style="dim")
