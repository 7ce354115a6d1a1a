"""The note view: the rendered note with its table of contents, links, copy keys and edit keys."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownFence, MarkdownTableOfContents
from textual.worker import get_current_worker

from kb.tui.actions import bindings
from kb.tui.display import one_line
from kb.tui.links import resolve_href, to_markdown_links
from kb.tui.messages import LinkResolved, NoteLoaded, NoteSaved
from kb.tui.navigation import EditNote, LinkNoteToTicket, OpenNote, ShowHistory
from kb.tui.screens.base import KBScreen, report_saved
from kb.tui.ticket_messages import NoteTicketsLoaded
from kb.tui.widgets.footer import KBFooter
from kb.tui.widgets.note_header import NoteHeader
from kb.tui.widgets.ticket_line import TicketLine

if TYPE_CHECKING:
    from kb.notes.markdown import Link
    from kb.notes.note import Note


def external_editor() -> list[str]:
    """The user's editor command: $VISUAL, else $EDITOR, else nano or vi."""
    from kb.notes.editor import editor_command

    return editor_command()


class NoteScreen(KBScreen):
    """One note, full screen. Following a link opens the target on top; back returns."""

    CSS_PATH = "note.tcss"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [
        (0, "-narrow"),
        (100, "-wide"),
    ]
    SCOPE: ClassVar[str] = "note"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, path: str) -> None:
        super().__init__()
        #: The note's path relative to the KB root.
        self.path = path
        self.note: Note | None = None
        #: Which code block ``c`` copies next (it cycles through them).
        self._next_block = 0
        #: The note whose unreadable front matter was already pointed out.
        self._warned: str | None = None

    def compose(self) -> ComposeResult:
        markdown = Markdown(open_links=False, id="markdown")
        yield NoteHeader(id="note-header")
        yield TicketLine(id="note-tickets")
        with Horizontal(id="note-body"):
            yield MarkdownTableOfContents(markdown, id="toc")
            with VerticalScroll(id="document"):
                yield markdown
        yield KBFooter()

    def on_mount(self) -> None:
        """Read the note in a thread; scroll keys work at once."""
        self.query_one("#document").focus()
        self.load_note()

    @work(thread=True, exclusive=True, exit_on_error=False, group="note")
    def load_note(self) -> None:
        """Read the note from disk."""
        worker = get_current_worker()
        note = self.shared.kb.note(self.path)
        conflict = self.shared.kb.conflict_waiting(self.path)
        if not worker.is_cancelled:
            self.post_message(NoteLoaded(self.path, note, conflict))

    def on_note_loaded(self, message: NoteLoaded) -> None:
        """Render the note."""
        self.note = message.note
        self.sub_title = one_line(message.note.title)
        shelf = self.app.shelf
        kb = ""
        if shelf is not None:
            kb = next((name for name, open_kb in shelf.kbs.items() if open_kb is self.shared), "")
        self.query_one(NoteHeader).show_note(message.note, conflict=message.conflict, kb=kb)
        self.query_one(Markdown).update(to_markdown_links(message.note.body_text))
        self._warn_front_matter(message.note)
        self.load_tickets()

    def _warn_front_matter(self, note: Note) -> None:
        """Say when the note's fields cannot be read: its title, type and tickets shown are
        then guesses from the text (once per note shown)."""
        from kb.notes.front_matter_guard import turned_into_text

        problem = next(
            (p.message for p in note.problems if p.message.startswith("front matter")), None
        )
        if problem is None and not note.fields and turned_into_text(note.body_text):
            problem = "front matter turned into text (line 1 is not '---')"
        if problem is None or self._warned == note.path:
            return
        self._warned = note.path
        self.notify(
            f"{problem}: its title, type, status and tickets are not read. "
            f"Press {self.key('edit')} to fix it.",
            title="This note's fields cannot be read",
            severity="warning",
            markup=False,
            timeout=10,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="note-tickets")
    def load_tickets(self) -> None:
        """The tickets the note is tied to (links and front matter), for the tickets line."""
        from kb.tickets.linking import note_tickets

        if self.note is not None:
            tied = note_tickets(self.shared.kb, self.note)
            self.post_message(NoteTicketsLoaded(self.path, tied))

    def on_note_tickets_loaded(self, message: NoteTicketsLoaded) -> None:
        """Show the note's tickets under its header."""
        self.query_one(TicketLine).show_tickets(message.tickets)

    def action_link_ticket(self) -> None:
        """Link this note to a ticket (the recent ticket offered)."""
        title = self.note.title if self.note is not None else ""
        # Back from the dialog, on_screen_resume reads the note and its tickets again.
        self.post_message(LinkNoteToTicket(self.path, title))

    # -- table of contents ----------------------------------------------------------------------

    @on(Markdown.TableOfContentsUpdated)
    def _contents_updated(self, message: Markdown.TableOfContentsUpdated) -> None:
        message.stop()
        contents = message.table_of_contents
        # Notes start at "## Issue": without this the tree hangs under an empty level-1 node.
        top = min((level for level, _, _ in contents), default=1)
        self.query_one(MarkdownTableOfContents).table_of_contents = [
            (level - top + 1, name, block_id) for level, name, block_id in contents
        ]

    @on(Markdown.TableOfContentsSelected)
    def _contents_selected(self, message: Markdown.TableOfContentsSelected) -> None:
        message.stop()
        block = self.query_one(Markdown).query_one(f"#{message.block_id}")
        self.query_one("#document", VerticalScroll).scroll_to_widget(block, top=True)

    def action_toggle_toc(self) -> None:
        """Show or hide the table of contents."""
        shown = self.query_one(MarkdownTableOfContents).display
        self.set_class(shown, "-toc-hidden")
        self.set_class(not shown, "-toc-shown")

    # -- links ----------------------------------------------------------------------------------

    @on(Markdown.LinkClicked)
    def _link_clicked(self, message: Markdown.LinkClicked) -> None:
        message.stop()
        self.follow(message.href)

    def follow(self, href: str) -> None:
        """Follow a link of this note: another note, a heading, or a web address."""
        target = resolve_href(href, self.path)
        if target.kind == "url":
            self.app.open_url(target.value)
        elif target.kind == "anchor":
            if not self.query_one(Markdown).goto_anchor(target.value):
                self.notify(
                    f"No heading “{target.value}” in this note", severity="warning", markup=False
                )
        elif target.link is not None:
            self.resolve_link(target.link)

    @work(thread=True, exclusive=True, exit_on_error=False, group="link")
    def resolve_link(self, link: Link) -> None:
        """Find the note a link leads to (as ``kb check`` resolves it)."""
        where, path = self.shared.kb.follow_link_into(self.path, link)
        self.post_message(LinkResolved(path, where))

    def on_link_resolved(self, message: LinkResolved) -> None:
        """Open the linked note on top of this one (back returns here), in its own KB."""
        if self.open_kb(message.kb):
            self.post_message(OpenNote(message.path))

    def action_links(self) -> None:
        """Pick a link of this note from a list (following links without a mouse)."""
        from kb.tui.screens.links import LinkPicker

        if self.note is None:
            return
        if not self.note.body.links:
            self.notify("This note links to no other note", severity="warning")
            return

        def chosen(href: str | None) -> None:
            if href:
                self.follow(href)

        self.app.push_screen(LinkPicker(self.note.body.links, self.note.path), chosen)

    # -- copying --------------------------------------------------------------------------------

    def action_copy_code(self, number: int = 0) -> None:
        """Copy a code block: the next one in turn, or block ``number`` (1-based)."""
        blocks = self.note.body.code_blocks if self.note else []
        if not blocks:
            self.notify("This note has no code block", severity="warning")
            return
        if number:
            if number > len(blocks):
                self.notify(f"This note has {len(blocks)} code block(s)", severity="warning")
                return
            index = number - 1
        else:
            index = self._next_block % len(blocks)
        self._next_block = index + 1
        block = blocks[index]
        # Without the final newline, pasting into a shell does not run the command at once.
        self.app.copy_to_clipboard(block.code.rstrip("\n"))
        language = f" ({block.language})" if block.language else ""
        self.notify(f"Copied code block {index + 1} of {len(blocks)}{language}", markup=False)
        self._mark_block(index)

    def _mark_block(self, index: int) -> None:
        fences = list(self.query_one(Markdown).query(MarkdownFence))
        for number, fence in enumerate(fences):
            fence.set_class(number == index, "-copied")
        if 0 <= index < len(fences):
            self.query_one("#document", VerticalScroll).scroll_to_widget(fences[index])

    def action_copy_resolution(self) -> None:
        """Copy the Resolution section (Markdown as written)."""
        resolution = self.note.body.sections.get("resolution", "") if self.note else ""
        if not resolution.strip():
            self.notify("This note has no Resolution section", severity="warning")
            return
        self.app.copy_to_clipboard(resolution.strip())
        self.notify("Copied the Resolution section")

    # -- editing --------------------------------------------------------------------------------

    def action_edit(self) -> None:
        """Edit the note in the built-in editor."""
        self.post_message(EditNote(self.path))

    def action_edit_external(self) -> None:
        """Edit the note in $VISUAL / $EDITOR; commit it when it changed."""
        from kb.notes import paths
        from kb.notes.errors import KBError

        try:
            # The editor writes where it is told: only at a real path inside the KB.
            path = paths.writable(self.shared.kb.root, self.path)
        except KBError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        command = [*external_editor(), str(path)]
        try:
            # The editor owns the terminal until it exits, so the app is suspended, not blocked.
            with self.app.suspend():
                before = path.read_bytes()
                completed = subprocess.run(command, check=False)
                after = path.read_bytes()
        except Exception as exc:  # SuspendNotSupported, a missing editor, an unreadable file
            self.notify(
                f"Cannot run the editor {command[0]!r}: {exc}", severity="error", markup=False
            )
            return
        if completed.returncode != 0:
            self.notify(
                f"The editor exited with status {completed.returncode}; nothing saved by kb",
                severity="warning",
            )
        if after == before:
            self.notify("No changes")
            return
        from kb.notes.front_matter_guard import front_matter_damage

        damage = front_matter_damage(
            before.decode("utf-8", errors="replace"), after.decode("utf-8", errors="replace")
        )
        if damage is None:
            self.record_edit(before)
            return
        from kb.tui.screens.confirm import ConfirmScreen

        def decided(save: bool | None) -> None:
            if save:
                self.record_edit(before)
            else:
                self.put_back(before, after)

        self.app.push_screen(
            ConfirmScreen(
                f"Your edit would break the note's front matter: {damage.summary}.\n"
                f"These lines would be lost:\n{damage.difference()}",
                "Save anyway",
                "Put the note back",
            ),
            decided,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def put_back(self, before: bytes, after: bytes) -> None:
        """Undo an external edit the user chose not to save, keeping their text aside."""
        from kb.notes import atomic
        from kb.notes.front_matter_guard import set_aside

        with self.shared.writing() as kb:
            kept = set_aside(kb.root, self.path, after.decode("utf-8", errors="replace"))
            atomic.write_bytes(kb.root / self.path, before, root=kb.root)
        self.app.call_from_thread(
            self.notify, f"Not saved; the note is as it was (your text is in {kept})", markup=False
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def record_edit(self, before: bytes = b"") -> None:
        """Commit and reindex a note the external editor changed (fixing a flagged note
        clears its flag in the same commit)."""
        from kb.notes.flags import clear_after_external_edit

        with self.shared.writing() as kb:
            if clear_after_external_edit(kb.root, self.path, before):
                self.app.call_from_thread(self.notify, "Flag cleared: the note was fixed")
            title = kb.note(self.path).title
            saved = kb.record_edit(self.path, f"Edit: {one_line(title)}")
        self.post_message(NoteSaved(saved))

    def on_note_saved(self, message: NoteSaved) -> None:
        """Report the save and show the new text."""
        report_saved(self, message.saved)
        self.load_note()

    def on_screen_resume(self) -> None:
        """Back from the editor or a linked note: the note may have changed."""
        if self.note is not None:
            self.load_note()

    def action_history(self) -> None:
        """Who changed this note, when, and the diff between any two versions."""
        self.post_message(ShowHistory(self.path))

    # -- flag it or fix it ----------------------------------------------------------------------

    def action_share(self) -> None:
        """Move this note into a team KB (asks which when there are several)."""
        from kb.tui.sharing import ask_and_share

        ask_and_share(self, self.path)

    def action_flag(self) -> None:
        """Flag the note for rework (asking why), or clear its flag."""
        from kb.notes.flags import flag_of

        if self.note is None:
            return
        current = flag_of(self.note)
        if current is None:
            from kb.tui.screens.flag import FlagDialog

            def flag(reason: str | None) -> None:
                if reason:
                    self.change_flag(reason)

            self.app.push_screen(FlagDialog(one_line(self.note.title)), flag)
            return
        from kb.tui.screens.confirm import ConfirmScreen

        def clear(yes: bool | None) -> None:
            if yes:
                self.change_flag(None)

        self.app.push_screen(
            ConfirmScreen(f"Clear the flag “{current.reason}”?", "Clear flag", "Keep it"), clear
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="save")
    def change_flag(self, reason: str | None) -> None:
        """Flag the note with ``reason``, or clear its flag (None): commit and reindex."""
        from kb.health.flags import clear_flag, flag_note

        with self.shared.writing() as kb:
            saved = flag_note(kb, self.path, reason) if reason else clear_flag(kb, self.path)[0]
        if saved is not None:
            self.post_message(NoteSaved(saved))
        self.app.call_from_thread(
            self.notify, f"Flagged: {reason}" if reason else "Flag cleared", markup=False
        )

    def action_back(self) -> None:
        """Back to the previous note, or home."""
        self.dismiss()
