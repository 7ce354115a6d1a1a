"""A note's history: who changed it and when, and the difference between any two versions."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from kb.tui.actions import bindings
from kb.tui.screens.base import KBScreen
from kb.tui.widgets.footer import KBFooter

if TYPE_CHECKING:
    from kb.git.revisions import Revision


class HistoryLoaded(Message):
    """The revisions of the note, newest first."""

    def __init__(self, revisions: list[Revision], given: dict[str, list[str]]) -> None:
        super().__init__()
        self.revisions = revisions
        #: Tickets each revision was given for (commit id -> ticket ids).
        self.given = given


class ComparisonReady(Message):
    """The text to show on the right: a diff, or one version's text."""

    def __init__(self, title: str, body: Text) -> None:
        super().__init__()
        self.title = title
        self.body = body


def diff_text(old: str, new: str, old_name: str, new_name: str) -> Text:
    """A coloured unified diff; says so when the two are the same."""
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), old_name, new_name, n=3, lineterm=""
        )
    )
    if not lines:
        return Text("No difference between these two versions.", style="dim")
    out = Text()
    for line in lines:
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        else:
            style = ""
        out.append(line + "\n", style=style)
    return out


class HistoryScreen(KBScreen):
    """Revisions on the left; on the right the diff between the marked and the selected one."""

    CSS_PATH = "history.tcss"
    SCOPE: ClassVar[str] = "history"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.revisions: list[Revision] = []
        #: The revision compared against (None: each revision against the one before it).
        self.marked: int | None = None
        self.show_text = False
        self.given: dict[str, list[str]] = {}

    def compose(self) -> ComposeResult:
        yield Label(f"History of {self.path}", id="history-title")
        with Horizontal():
            yield OptionList(id="revisions")
            with VerticalScroll(id="comparison"):
                yield Label("", id="comparison-title")
                yield Static("Reading the history…", id="diff")
        yield KBFooter()

    def on_mount(self) -> None:
        """Read the history in a thread."""
        self.load_history()

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def load_history(self) -> None:
        """The note's revisions from git."""
        from kb import git
        from kb.notes.link_log import read_events

        root = self.shared.kb.root
        given: dict[str, list[str]] = {}
        for event in read_events(root):
            if event.action == "link" and event.rev and event.note == self.path:
                given.setdefault(event.rev, []).append(event.ticket)
        self.post_message(HistoryLoaded(git.log(root, self.path), given))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        """List the revisions and compare the newest with the one before it."""
        self.revisions = message.revisions
        self.given = message.given
        options = self.query_one("#revisions", OptionList)
        options.clear_options()
        if not self.revisions:
            self.query_one("#diff", Static).update("This note has no commits yet.")
            return
        options.add_options([Option(self._label(i), id=str(i)) for i in range(len(self.revisions))])
        options.highlighted = 0
        options.focus()

    def _label(self, index: int) -> Text:
        revision = self.revisions[index]
        mark = "▶ " if index == self.marked else "  "
        when = revision.date[:16].replace("T", " ")
        label = Text.assemble(
            (mark, "bold yellow"),
            (revision.short, "bold"),
            f" {when} ",
            (revision.author, "cyan"),
            "\n    ",
            (revision.message, "dim"),
        )
        if revision.sha in self.given:
            label.append(f"\n    given for {', '.join(self.given[revision.sha])}", "bold green")
        return label

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Compare as the selection moves."""
        if event.option_index is not None and self.revisions:
            self.compare(event.option_index, self.marked, self.show_text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="compare")
    def compare(self, index: int, marked: int | None, show_text: bool) -> None:
        """The selected version's text, or its diff with the marked (or previous) version."""
        from kb import git

        root = self.shared.kb.root
        new = self.revisions[index]
        new_text = git.show(root, new.path, new.sha)
        if show_text:
            self.post_message(ComparisonReady(f"{new.short} as it was", Text(new_text)))
            return
        base_index = marked if marked is not None and marked != index else index + 1
        if base_index >= len(self.revisions):
            title = f"{new.short}: the first version"
            self.post_message(ComparisonReady(title, diff_text("", new_text, "", new.short)))
            return
        old = self.revisions[base_index]
        older, newer = (old, new) if base_index > index else (new, old)
        older_text = git.show(root, older.path, older.sha)
        newer_text = git.show(root, newer.path, newer.sha)
        title = f"Changes from {older.short} to {newer.short}"
        self.post_message(
            ComparisonReady(title, diff_text(older_text, newer_text, older.short, newer.short))
        )

    def on_comparison_ready(self, message: ComparisonReady) -> None:
        """Show the comparison."""
        self.query_one("#comparison-title", Label).update(message.title)
        self.query_one("#diff", Static).update(message.body)
        self.query_one("#comparison", VerticalScroll).scroll_home(animate=False)

    def _selected(self) -> int | None:
        return self.query_one("#revisions", OptionList).highlighted

    def action_mark(self) -> None:
        """Compare other versions against this one (again: back to each with its previous)."""
        index = self._selected()
        if index is None:
            return
        self.marked = None if self.marked == index else index
        options = self.query_one("#revisions", OptionList)
        for i in range(len(self.revisions)):
            options.replace_option_prompt_at_index(i, self._label(i))
        if self.marked is not None:
            self.notify(f"Comparing with {self.revisions[index].short}; move to another version")
        self.compare(index, self.marked, self.show_text)

    def action_toggle_view(self) -> None:
        """Switch between the diff and the selected version's whole text."""
        self.show_text = not self.show_text
        index = self._selected()
        if index is not None:
            self.compare(index, self.marked, self.show_text)

    def action_back(self) -> None:
        """Back to the note."""
        self.dismiss()
