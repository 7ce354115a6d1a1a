"""Messages worker threads post back to the event loop: the only way results reach the screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.widgets.option_list import Option

    from kb.notes.note import Note
    from kb.notes.protocol import Saved
    from kb.search.index import IndexReport
    from kb.search.results import Results


class SearchFinished(Message):
    """Hits for a query (the recent notes when the query is empty)."""

    def __init__(
        self, query: str, results: Results, full: bool = True, options: list[Option] | None = None
    ) -> None:
        super().__init__()
        self.query = query
        self.results = results
        #: False for a keystroke's search within a time budget (it may be refined on a pause).
        self.full = full
        #: The result list's options for the hits, built with them in the search thread.
        self.options = options


class SimilarNotesFound(Message):
    """Existing notes like the title being typed for a new note (the duplicate check)."""

    def __init__(self, title: str, results: Results) -> None:
        super().__init__()
        self.title = title
        self.results = results


class NoteLoaded(Message):
    """A note read from disk, for the preview or the note view."""

    def __init__(self, path: str, note: Note, conflict: bool = False) -> None:
        super().__init__()
        self.path = path
        self.note = note
        #: True when a sync kept another version of the note, waiting to be settled.
        self.conflict = conflict


class NoteTextLoaded(Message):
    """A note file's full text (front matter included), for the built-in editor."""

    def __init__(self, path: str, text: str) -> None:
        super().__init__()
        self.path = path
        self.text = text


class NoteSaved(Message):
    """A note was written, committed and reindexed (or written with warnings)."""

    def __init__(self, saved: Saved, text: str | None = None) -> None:
        super().__init__()
        self.saved = saved
        #: The text that was saved (the built-in editor's new baseline), when known.
        self.text = text


class LinkResolved(Message):
    """A followed link leads to this note (path relative to its KB's root), in the KB of the
    config's ``[kbs]`` called ``kb`` (None: the KB of the note the link is in)."""

    def __init__(self, path: str, kb: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.kb = kb


class IndexProgress(Message):
    """The index update has read ``done`` of ``total`` files."""

    def __init__(self, done: int, total: int, path: str, *, building: bool = False) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.path = path
        #: True when the index is built from scratch (searching waits for it).
        self.building = building

    def can_replace(self, message: Message) -> bool:
        # Only the latest count matters; a big rebuild would otherwise flood the queue.
        return isinstance(message, IndexProgress)


class IndexFinished(Message):
    """The index update ended: its report, or why it failed."""

    def __init__(self, report: IndexReport | None, error: str | None = None) -> None:
        super().__init__()
        self.report = report
        self.error = error
