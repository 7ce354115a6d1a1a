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
from kb.tui.display import one_line, plural, possessive
from kb.tui.navigation import OpenGuide
from kb.tui.screens.base import KBScreen
from kb.tui.widgets.footer import KBFooter

if TYPE_CHECKING:
    from kb.guides.guide import Guide
    from kb.tui.access import SharedKB, SharedShelf


class GuidesLoaded(Message):
    """The KB's guides and what the reader has read."""

    def __init__(
        self,
        guides: list[Guide],
        read: set[str],
        reader: str,
        warning: str | None,
        kbs: list[str] | None = None,
    ):
        super().__init__()
        self.guides = guides
        #: The short name of each guide's KB (empty names when the app works on one KB).
        self.kbs = kbs or [""] * len(guides)
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


def seen_key(shared: SharedKB, shelf: SharedShelf | None) -> str:
    """Where the app keeps the guides last read for a screen over ``shared`` (or the shelf)."""
    return "guides" if shelf is not None else f"guides:{shared.kb.root}"


def read_guides(shared: SharedKB, shelf: SharedShelf | None) -> GuidesLoaded:
    """The guides and the reader's progress: of every KB of ``shelf``, or of ``shared``."""
    from kb.guides.guide import load_guides
    from kb.guides.progress import ReadingProgress

    if shelf is None:
        guides, _problems = load_guides(shared.kb)
        progress = ReadingProgress(shared.kb.root)
        return GuidesLoaded(guides, progress.read, progress.reader, progress.warning)
    # Every configured KB's guides, each KB's in turn; a guide's steps are its KB's notes
    # and its progress is read there (the keys below tell one KB's paths from another's).
    found: list[Guide] = []
    names: list[str] = []
    read: set[str] = set()
    reader, warning = "", None
    for name, each in shelf.kbs.items():
        guides, _problems = load_guides(each.kb)
        progress = ReadingProgress(each.kb.root)
        reader = reader or progress.reader
        warning = warning or progress.warning
        found += guides
        names += [name] * len(guides)
        read |= {f"{name}:{path}" for path in progress.read}
    return GuidesLoaded(found, read, reader, warning, names)


class GuidesScreen(KBScreen):
    """Onboarding guides; enter reads one, continuing where you left off."""

    CSS_PATH = "guides.tcss"
    SCOPE: ClassVar[str] = "guides"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self) -> None:
        super().__init__()
        self.guides: list[Guide] = []
        #: Each guide's KB (its short name; "" when the app works on one KB).
        self.kb_names: list[str] = []
        #: (guides, read, reader, KB names) as the list shows them.
        self.listed: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Guides", id="guides-title", markup=False)
        yield OptionList(id="guides")
        yield KBFooter()

    def on_mount(self) -> None:
        """Show the guides last read (with the first frame) and read them again in a thread:
        the list changes only if they did."""
        self.sub_title = "Guides"
        self.query_one("#guides", OptionList).focus()
        seen = self.app.last_read.get(seen_key(self.shared, self.app.shelf))
        if isinstance(seen, GuidesLoaded):
            self.on_guides_loaded(GuidesLoaded(seen.guides, seen.read, seen.reader, None, seen.kbs))
        self.load_guides()

    def on_screen_resume(self) -> None:
        """Back from a guide: its progress changed."""
        if self.guides:
            self.load_guides()

    @work(thread=True, exclusive=True, exit_on_error=False, group="guides")
    def load_guides(self) -> None:
        """Find the guides and the reader's progress."""
        loaded = read_guides(self.shared, self.app.shelf)
        self.app.last_read[seen_key(self.shared, self.app.shelf)] = loaded
        self.post_message(loaded)

    def on_guides_loaded(self, message: GuidesLoaded) -> None:
        """Show each guide with the reader's progress (nothing is drawn again when they are
        the ones shown)."""
        if message.warning:
            self.notify(message.warning, severity="warning", markup=False)
        shown = (message.guides, message.read, message.reader, message.kbs)
        if self.listed == shown:
            return
        self.listed = shown
        self.guides = message.guides
        self.kb_names = message.kbs
        title = self.query_one("#guides-title", Static)
        options = self.query_one("#guides", OptionList)
        highlighted = options.highlighted
        if not message.guides:
            title.update(
                "No guides yet: a guide is a note of type guide that links to notes in order"
            )
            options.clear_options()
            return
        title.update(f"Guides · {possessive(message.reader)} reading progress · enter reads")
        options.set_options(
            Option(self._prompt(index, message.read), id=self._key(index))
            for index in range(len(message.guides))
        )
        options.highlighted = min(highlighted or 0, len(message.guides) - 1)

    def _key(self, index: int) -> str:
        name, path = self.kb_names[index], self.guides[index].path
        return f"{name}:{path}" if name else path

    def _prompt(self, index: int, read: set[str]) -> Text:
        name = self.kb_names[index]
        if not name:
            return guide_prompt(self.guides[index], read)
        from kb.tui.display import kb_badge

        # Progress is kept per KB: this guide's steps count as read in its own KB only.
        mine = {path.partition(":")[2] for path in read if path.startswith(f"{name}:")}
        prompt = guide_prompt(self.guides[index], mine)
        return kb_badge(name).append(" ").append_text(prompt)

    @on(OptionList.OptionSelected, "#guides")
    def _guide_chosen(self, event: OptionList.OptionSelected) -> None:
        index = event.option_index
        if 0 <= index < len(self.guides):
            name = self.kb_names[index]
            if name and not self.open_kb(name):
                return
            self.open_guide(self.guides[index].path)

    def open_guide(self, path: str) -> None:
        """Read a guide (in the KB chosen with :meth:`open_kb`, else this screen's)."""
        self.post_message(OpenGuide(path))

    def action_back(self) -> None:
        """Back to where the list was opened from."""
        self.dismiss()
