"""The list of search hits: title, status, kind, tickets solved, age and highlighted snippet."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from kb.tui.display import hit_prompt

if TYPE_CHECKING:
    from kb.search.results import Hit


class ResultsList(OptionList, can_focus=False):
    """Search hits, best first. Not focusable by default: the search box keeps the focus."""

    DEFAULT_CSS = """
    ResultsList {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(
        self, *, focusable: bool = False, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.can_focus = focusable
        self.hits: list[Hit] = []

    def show_hits(self, hits: list[Hit]) -> None:
        """Replace the list with these hits and highlight the first one."""
        now = time.time()
        self.hits = list(hits)
        self.set_options(
            Option(hit_prompt(hit, now), id=f"{hit.kb}:{hit.path}" if hit.kb else hit.path)
            for hit in self.hits
        )
        self.highlighted = 0 if self.hits else None

    @property
    def selected_hit(self) -> Hit | None:
        """The highlighted hit, if any."""
        index = self.highlighted
        if index is None or not 0 <= index < len(self.hits):
            return None
        return self.hits[index]

    def hit_at(self, index: int) -> Hit | None:
        """The hit shown at ``index``, if any."""
        return self.hits[index] if 0 <= index < len(self.hits) else None

    def select_path(self, path: str, kb: str = "") -> None:
        """Highlight the hit for this note (of the KB named ``kb``), if it is in the list."""
        for index, hit in enumerate(self.hits):
            if hit.path == path and hit.kb == kb:
                self.highlighted = index
                return
