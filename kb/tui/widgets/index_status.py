"""One line saying what the search index is doing, with a progress bar while it updates."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class IndexStatus(Horizontal):
    """Hidden when the index is idle; "Updating the search index 12/40" with a bar otherwise."""

    DEFAULT_CSS = """
    IndexStatus {
        height: 1;
        display: none;
        padding: 0 1;
        &.-busy {
            display: block;
        }
        & > Label {
            width: auto;
            margin-right: 1;
            color: $text-muted;
        }
        & > ProgressBar {
            width: 1fr;
        }
    }
    """

    def compose(self) -> ComposeResult:
        yield Label("Updating the search index")
        yield ProgressBar(show_eta=False)

    def show_progress(self, done: int, total: int, building: bool = False) -> None:
        """Show the update at ``done`` of ``total`` files."""
        self.add_class("-busy")
        verb = "Building" if building else "Updating"
        self.query_one(Label).update(f"{verb} the search index {done}/{total}")
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)

    def show_started(self, building: bool = False) -> None:
        """Show that an update started (before the first file is read)."""
        self.add_class("-busy")
        verb = "Building" if building else "Checking"
        self.query_one(Label).update(f"{verb} the search index…")
        self.query_one(ProgressBar).update(total=None)

    def show_idle(self) -> None:
        """Hide the line."""
        self.remove_class("-busy")
