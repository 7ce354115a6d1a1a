"""The list of guides, each with its number of steps and the reader's progress."""

from __future__ import annotations

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
from kb.tui.navigation import OpenGuide
from kb.tui.screens.base import KBScreen
from kb.tui.widgets.footer import KBFooter

if TYPE_CHECKING:
    from kb.guides.guide import Guide


class GuidesLoaded(Message):
    """The KB's guides and what the reader has read."""

    def __init__(self, guides: list[Guide], read: set[str], reader: str, warning: str | None):
        super().__init__()
        self.guides = guides
        self.read = read
        self.reader = reader
        self.warning = warning


def guide_prompt(guide: Guide, read: set[str]) -> Text:
    """A guide as two lines: its title, then progress ("3/8 read") and steps."""
    done, total = guide.read_count(read), len(guide.steps)
    if total and done == total:
        state = Text("✓ finished", style="bold green")
    elif done:
        state = Text(f"{done}/{total} read", style="bold yellow")
    else:
        state = Text(f"{done}/{total} read", style="dim")
    prompt = Text(one_line(guide.title), style="bold")
    prompt.append("\n  ")
    prompt.append_text(state)
    prompt.append(f" · {plural(total, 'step')}", style="dim")
    if guide.broken:
        prompt.append(f" · {plural(len(guide.broken), 'broken step')}", style="red")
    return prompt


class GuidesScreen(KBScreen):
    """Onboarding guides; enter reads one, continuing where you left off."""

    CSS_PATH = "guides.tcss"
    SCOPE: ClassVar[str] = "guides"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self) -> None:
        super().__init__()
        self.guides: list[Guide] = []

    def compose(self) -> ComposeResult:
        yield Static("Guides", id="guides-title", markup=False)
        yield OptionList(id="guides")
        yield KBFooter()

    def on_mount(self) -> None:
        """Read the guides in a thread."""
        self.sub_title = "Guides"
        self.query_one("#guides", OptionList).focus()
        self.load_guides()

    def on_screen_resume(self) -> None:
        """Back from a guide: its progress changed."""
        if self.guides:
            self.load_guides()

    @work(thread=True, exclusive=True, exit_on_error=False, group="guides")
    def load_guides(self) -> None:
        """Find the guides and the reader's progress."""
        from kb.guides.guide import load_guides
        from kb.guides.progress import ReadingProgress

        kb = self.shared.kb
        guides, _problems = load_guides(kb)
        progress = ReadingProgress(kb.root)
        self.post_message(GuidesLoaded(guides, progress.read, progress.reader, progress.warning))

    def on_guides_loaded(self, message: GuidesLoaded) -> None:
        """Show each guide with the reader's progress."""
        if message.warning:
            self.notify(message.warning, severity="warning", markup=False)
        self.guides = message.guides
        title = self.query_one("#guides-title", Static)
        options = self.query_one("#guides", OptionList)
        highlighted = options.highlighted
        if not message.guides:
            title.update(
                "No guides yet: a guide is a note of type guide that links to notes in order"
            )
            options.clear_options()
            return
        title.update(f"Guides · {message.reader}'s reading progress · enter reads")
        options.set_options(
            Option(guide_prompt(guide, message.read), id=guide.path) for guide in message.guides
        )
        options.highlighted = min(highlighted or 0, len(message.guides) - 1)

    @on(OptionList.OptionSelected, "#guides")
    def _guide_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.open_guide(event.option.id)

    def open_guide(self, path: str) -> None:
        """Read a guide."""
        self.post_message(OpenGuide(path))

    def action_back(self) -> None:
        """Back to where the list was opened from."""
        self.dismiss()
