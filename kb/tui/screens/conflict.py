"""A note changed on both sides, as one view: the lines both versions have, and at each
difference your block and theirs, marked. It opens at the first difference; keep mine, keep
theirs, keep both, or edit the merged text below the view with both sides still in sight."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Static, TextArea

from kb.tui.actions import bindings
from kb.tui.display import one_line
from kb.tui.screens.base import KBScreen, error_text
from kb.tui.widgets.footer import KBFooter

if TYPE_CHECKING:
    from kb.sync.conflict_files import Conflict
    from kb.sync.differences import Block


class ConflictLoaded(Message):
    """Both versions of a conflicting note."""

    def __init__(self, mine: str, theirs: str) -> None:
        super().__init__()
        self.mine = mine
        self.theirs = theirs


class ConflictResolved(Message):
    """A conflict was settled (or could not be)."""

    def __init__(self, text: str, ok: bool) -> None:
        super().__init__()
        self.text = text
        self.ok = ok


def _lines(lines: list[str]) -> Text:
    text = Text()
    for line in lines:
        text.append(one_line(line) + "\n")
    text.rstrip()
    return text if lines else Text("(nothing here)", style="italic dim")


class ConflictScreen(KBScreen):
    """Both versions in one view: keep mine, keep theirs, keep both, or edit the merge."""

    CSS_PATH = "conflict.tcss"
    SCOPE: ClassVar[str] = "conflict"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, conflict: Conflict) -> None:
        super().__init__()
        self.conflict = conflict
        self.blocks: list[Block] = []
        #: Which difference ``n`` moves to next.
        self._next = 0

    @property
    def who(self) -> str:
        """Whose version was kept beside the note."""
        return self.conflict.who or "Theirs"

    def compose(self) -> ComposeResult:
        yield Label(f"{self.conflict.path}: changed on both sides", id="conflict-title")
        yield VerticalScroll(id="merged-view")
        with Vertical(id="merge-editor"):
            yield Label(
                f"The merged note: delete what should go, then {self.key('save')} saves it",
                id="merge-hint",
            )
            yield TextArea(id="merged", soft_wrap=True, show_line_numbers=False)
        yield KBFooter()

    def on_mount(self) -> None:
        """Read both versions."""
        self.query_one("#merge-editor").display = False
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="conflict")
    def load(self) -> None:
        """Read both files."""
        kb = self.shared.kb
        self.post_message(
            ConflictLoaded(kb.read_text(self.conflict.path), kb.read_text(self.conflict.theirs))
        )

    async def on_conflict_loaded(self, message: ConflictLoaded) -> None:
        """Show the one view, at the first difference."""
        from kb.sync.differences import blocks

        self.blocks = blocks(message.mine, message.theirs)
        view = self.query_one("#merged-view", VerticalScroll)
        await view.remove_children()
        widgets: list[Static | Vertical] = []
        count = 0
        for block in self.blocks:
            if block.same:
                widgets.append(Static(_lines(block.mine), classes="same"))
                continue
            count += 1
            mine = Static(_lines(block.mine), classes="mine")
            mine.border_title = f"Yours ({count})"
            theirs = Static(_lines(block.theirs), classes="theirs")
            theirs.border_title = f"{self.who} ({count})"
            widgets.append(Vertical(mine, theirs, classes="difference"))
        await view.mount_all(widgets)
        where = "1 difference" if count == 1 else f"{count} differences"
        self.query_one("#conflict-title", Label).update(
            f"{self.conflict.path}: changed on both sides, {where}. Yours green, {self.who}'s blue."
        )
        self._next = 0
        self.call_after_refresh(self.action_next_difference)

    def action_next_difference(self) -> None:
        """Scroll the next difference to the top of the view (back to the first after the
        last)."""
        differences = list(self.query(".difference"))
        if not differences:
            return
        target = differences[self._next % len(differences)]
        self._next = (self._next + 1) % len(differences)
        # Two lines the versions share above it, to read the difference in its place.
        top = max(0, target.virtual_region.y - 2)
        self.query_one("#merged-view", VerticalScroll).scroll_to(y=top, animate=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the merge is edited its keys are ctrl+s and escape; before, the others."""
        merging = self.has_class("-merging")
        if action == "save":
            return merging
        if action in ("settle", "next_difference"):
            return not merging
        return True

    def action_settle(self, choice: str) -> None:
        """Keep one version, or both."""
        if self.query_one("#merge-editor").display:
            return  # letters typed in the merge belong to it
        self.settle(choice)

    @work(thread=True, exclusive=True, exit_on_error=False, group="conflict")
    def settle(self, choice: str) -> None:
        """Resolve and commit in a thread."""
        from kb.sync.conflict_files import resolve

        try:
            with self.shared.writing() as kb:
                text = resolve(kb, self.conflict, choice)
        except Exception as exc:
            self.post_message(ConflictResolved(error_text(exc), False))
            return
        self.post_message(ConflictResolved(text, True))

    def action_edit(self) -> None:
        """Edit the merged text below the view: both sides' lines to start with."""
        from kb.sync.differences import draft

        editor = self.query_one("#merge-editor")
        area = self.query_one("#merged", TextArea)
        if not editor.display:
            area.load_text(draft(self.blocks))
            row = 0  # the cursor starts at the first difference
            for block in self.blocks:
                if not block.same:
                    break
                row += len(block.mine)
            area.move_cursor((row, 0), center=True)
            editor.display = True
            self.add_class("-merging")
            self.refresh_bindings()
        area.focus()

    def action_save(self) -> None:
        """Save the merged text as the note, settle the conflict and commit."""
        if not self.query_one("#merge-editor").display:
            return
        self.save_merged(self.query_one("#merged", TextArea).text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="conflict")
    def save_merged(self, text: str) -> None:
        """Write and commit the merge in a thread."""
        from kb.sync.conflict_files import resolve_with_text

        try:
            with self.shared.writing() as kb:
                done = resolve_with_text(kb, self.conflict, text)
        except Exception as exc:
            self.post_message(ConflictResolved(error_text(exc), False))
            return
        self.post_message(ConflictResolved(done, True))

    def on_conflict_resolved(self, message: ConflictResolved) -> None:
        """Say what happened; back to the list."""
        if not message.ok:
            self.notify(message.text, severity="error", markup=False)
            return
        self.notify(message.text[:1].upper() + message.text[1:], markup=False)
        self.dismiss(True)

    def action_back(self) -> None:
        """Close the merge editor, or leave the conflict for later (both versions stay)."""
        editor = self.query_one("#merge-editor")
        if editor.display:
            editor.display = False
            self.remove_class("-merging")
            self.refresh_bindings()
            self.query_one("#merged-view").focus()
            return
        self.dismiss(False)
