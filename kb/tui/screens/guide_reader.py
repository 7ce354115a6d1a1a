"""The guide reader: the reading path on one side, the current note on the other.

Moving on with ``n`` (or →) marks the note just read, in a worker, in ``.kb/progress.json``;
opening a guide again starts at the first step not read yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from kb.notes.lock import LockBusy
from kb.tui.actions import bindings
from kb.tui.display import one_line
from kb.tui.links import resolve_href, to_markdown_links
from kb.tui.messages import LinkResolved
from kb.tui.navigation import OpenNote
from kb.tui.screens.base import KBScreen
from kb.tui.widgets.footer import KBFooter
from kb.tui.widgets.note_header import NoteHeader

if TYPE_CHECKING:
    from kb.guides.guide import Guide
    from kb.guides.progress import ReadingProgress
    from kb.notes.markdown import Link
    from kb.notes.note import Note

READ_MARK = "✓"
CURRENT_MARK = "▶"
BROKEN_MARK = "✗"


class GuideLoaded(Message):
    """A guide, its reading path resolved, and what the reader has read."""

    def __init__(self, guide: Guide, progress: ReadingProgress) -> None:
        super().__init__()
        self.guide = guide
        self.progress = progress


class StepLoaded(Message):
    """The note of one entry of the path (None and why, when it cannot be read)."""

    def __init__(self, index: int, note: Note | None, problem: str = "") -> None:
        super().__init__()
        self.index = index
        self.note = note
        self.problem = problem


class ProgressSaved(Message):
    """A step was recorded as read (or could not be)."""

    def __init__(self, path: str, error: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.error = error


class GuideReaderScreen(KBScreen):
    """Read a guide step by step; progress is saved as you go."""

    CSS_PATH = "guide_reader.tcss"
    SCOPE: ClassVar[str] = "guide-reader"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, guide_path: str) -> None:
        super().__init__()
        #: The guide note's path relative to the KB root.
        self.guide_path = guide_path
        self.guide: Guide | None = None
        self.progress: ReadingProgress | None = None
        #: Paths read, as known to the screen (saved in the background).
        self.read: set[str] = set()
        #: 0 is the guide's own text; 1..n are the steps of its reading path.
        self.current = 0
        self.note: Note | None = None
        #: The entry whose note is on screen (None while the current one loads).
        self.shown: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="guide-title", markup=False)
        with Horizontal(id="guide-body"):
            yield OptionList(id="guide-path")
            with VerticalScroll(id="guide-document"):
                yield NoteHeader(id="step-header")
                yield Markdown(open_links=False, id="step-markdown")
        yield KBFooter()

    def on_mount(self) -> None:
        """Read the guide and the reader's progress in a thread."""
        self.query_one("#guide-document").focus()
        self.load_guide()

    def on_screen_resume(self) -> None:
        """Back from the note view: the current note may have been edited."""
        if self.guide is not None:
            self.load_step(self.current)

    # -- loading --------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="guide")
    def load_guide(self) -> None:
        """Resolve the guide's reading path and read the progress file."""
        from kb.guides.guide import load_guides
        from kb.guides.progress import ReadingProgress
        from kb.notes.errors import KBError

        kb = self.shared.kb
        guides, _problems = load_guides(kb)
        chosen = next((guide for guide in guides if guide.path == self.guide_path), None)
        if chosen is None:
            raise KBError(f"{self.guide_path} is not a guide any more")
        self.post_message(GuideLoaded(chosen, ReadingProgress(kb.root)))

    def on_guide_loaded(self, message: GuideLoaded) -> None:
        """Show the path and continue where the reader left off."""
        self.guide, self.progress = message.guide, message.progress
        self.read = message.progress.read
        if message.progress.warning:
            self.notify(message.progress.warning, severity="warning", markup=False)
        self.sub_title = one_line(self.guide.title)
        start = 0
        if self.guide.read_count(self.read):
            step = self.guide.first_unread(self.read)
            if step is None:
                self.notify("You have read every step of this guide", markup=False)
            else:
                start = step.number
                self.notify(f"Welcome back: step {step.number} of {len(self.guide.steps)}")
        self.show(start)

    def show(self, index: int) -> None:
        """Make entry ``index`` current: mark the path, then read its note in a thread."""
        if self.guide is None:
            return
        self.current = max(0, min(index, len(self.guide.steps)))
        # Until the step's note is on screen, keys act on nothing rather than on the note
        # shown before it.
        self.note = None
        self.shown = None
        self._refresh_path()
        self.load_step(self.current)

    @work(thread=True, exclusive=True, exit_on_error=False, group="step")
    def load_step(self, index: int) -> None:
        """Read the note of one entry."""
        from kb.notes.errors import KBError

        guide = self.guide
        assert guide is not None
        worker = get_current_worker()
        step = guide.steps[index - 1] if index else None
        if step is not None and (step.broken or step.path is None):
            self.post_message(StepLoaded(index, None, step.problem or "broken link"))
            return
        path = guide.path if step is None else step.path
        try:
            note = self.shared.kb.note(path)
        except KBError as exc:
            self.post_message(StepLoaded(index, None, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(StepLoaded(index, note))

    def on_step_loaded(self, message: StepLoaded) -> None:
        """Render the current entry's note."""
        if message.index != self.current:
            return
        self.note = message.note
        self.shown = message.index
        header = self.query_one("#step-header", NoteHeader)
        markdown = self.query_one("#step-markdown", Markdown)
        if message.note is None:
            header.update(Text(f"This step leads nowhere: {message.problem}", style="bold red"))
            markdown.update("Run `kb check` to list broken links, then fix the guide.")
        else:
            header.show_note(message.note)
            markdown.update(to_markdown_links(message.note.body_text))
        self.query_one("#guide-document", VerticalScroll).scroll_home(animate=False)

    # -- the path -------------------------------------------------------------------------------

    def _refresh_path(self) -> None:
        guide = self.guide
        assert guide is not None
        total = len(guide.steps)
        done = guide.read_count(self.read)
        title = self.query_one("#guide-title", Static)
        title.update(f"{one_line(guide.title)}  ·  {done}/{total} read")
        options = [Option(self._prompt(0, "About this guide"), id="0")]
        for step in guide.steps:
            options.append(
                Option(self._prompt(step.number, one_line(step.title)), id=str(step.number))
            )
        path = self.query_one("#guide-path", OptionList)
        path.set_options(options)
        path.highlighted = self.current

    def _prompt(self, index: int, title: str) -> Text:
        assert self.guide is not None
        step = self.guide.steps[index - 1] if index else None
        if index == self.current:
            mark, style = CURRENT_MARK, "bold"
        elif step is not None and step.broken:
            mark, style = BROKEN_MARK, "red"
        elif step is not None and step.path in self.read:
            mark, style = READ_MARK, "green"
        else:
            mark, style = " ", ""
        number = f"{index}. " if index else ""
        return Text.assemble((f"{mark} ", style or "dim"), (f"{number}{title}", style))

    @on(OptionList.OptionSelected, "#guide-path")
    def _step_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.show(int(event.option.id or 0))
        self.query_one("#guide-document").focus()

    # -- moving ---------------------------------------------------------------------------------

    def action_next(self) -> None:
        """The current note is read: record it and go on to the next step."""
        guide = self.guide
        if guide is None or self.shown != self.current:
            return  # the step is still loading: nothing read yet
        if self.current:
            step = guide.steps[self.current - 1]
            if not step.broken and step.path is not None and step.path not in self.read:
                self.read.add(step.path)
                self.save_read(step.path)
        if self.current < len(guide.steps):
            self.show(self.current + 1)
            return
        self._refresh_path()
        if guide.read_count(self.read) == len(guide.steps):
            self.notify(f"Guide finished: all {len(guide.steps)} steps read")
        else:
            self.notify("That was the last step; some earlier steps are not read yet")

    def action_previous(self) -> None:
        """Back one step (nothing is marked)."""
        if self.guide is not None and self.current > 0:
            self.show(self.current - 1)

    def action_mark_unread(self) -> None:
        """Forget that the current step was read (to come back to it)."""
        guide = self.guide
        if guide is None or not self.current or self.shown != self.current:
            return
        path = guide.steps[self.current - 1].path
        if path is not None and path in self.read:
            self.read.discard(path)
            self.save_unread(path)
            self._refresh_path()

    @work(thread=True, exit_on_error=False, group="progress")
    def save_read(self, path: str) -> None:
        """Record a step as read in .kb/progress.json."""
        assert self.progress is not None
        try:
            self.progress.mark_read([path])
        except (OSError, LockBusy) as exc:
            self.post_message(ProgressSaved(path, str(exc)))

    @work(thread=True, exit_on_error=False, group="progress")
    def save_unread(self, path: str) -> None:
        """Forget a step in .kb/progress.json."""
        assert self.progress is not None
        try:
            self.progress.mark_unread([path])
        except (OSError, LockBusy) as exc:
            self.post_message(ProgressSaved(path, str(exc)))

    def on_progress_saved(self, message: ProgressSaved) -> None:
        """Say when progress could not be saved (reading goes on)."""
        if message.error:
            self.notify(
                f"Reading progress not saved: {message.error}", severity="warning", markup=False
            )

    # -- reading --------------------------------------------------------------------------------

    def action_open_note(self) -> None:
        """Open the current note in the note view (links, copy keys, edit)."""
        if self.note is not None:
            self.post_message(OpenNote(self.note.path))

    @on(Markdown.LinkClicked)
    def _link_clicked(self, message: Markdown.LinkClicked) -> None:
        message.stop()
        if self.note is None:
            return
        target = resolve_href(message.href, self.note.path)
        if target.kind == "url":
            self.app.open_url(target.value)
        elif target.kind == "anchor":
            self.query_one("#step-markdown", Markdown).goto_anchor(target.value)
        elif target.link is not None:
            self.resolve_link(self.note.path, target.link)

    @work(thread=True, exclusive=True, exit_on_error=False, group="link")
    def resolve_link(self, source: str, link: Link) -> None:
        """Find the note a link leads to (as ``kb check`` resolves it)."""
        where, path = self.shared.kb.follow_link_into(source, link)
        self.post_message(LinkResolved(path, where))

    def on_link_resolved(self, message: LinkResolved) -> None:
        """Open the linked note on top (back returns to the guide), in its own KB."""
        if self.open_kb(message.kb):
            self.post_message(OpenNote(message.path))

    def action_back(self) -> None:
        """Back to the list of guides."""
        self.dismiss()
