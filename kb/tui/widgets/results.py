"""The list of search hits: title, status, kind, tickets solved, age and highlighted snippet."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextvars import Context
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.content import Content
from textual.geometry import Spacing
from textual.strip import Strip
from textual.style import Style
from textual.visual import Padding, Visual
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from kb.tui.display import hit_prompt

if TYPE_CHECKING:
    from rich.text import Text

    from kb.search.results import Hit

#: The text opacity of a list older than the text typed.
DIMMED = 0.6
#: How the list lays out a hit (its CSS below): a search thread measures a hit the same way.
ROW_RULES = {"text_wrap": "nowrap", "text_overflow": "ellipsis"}


def hit_options(
    hits: Iterable[Hit],
    width: int = 0,
    context: Context | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[Option]:
    """The list's options for ``hits``: styled and, given the list's ``width`` for prompts,
    measured, wherever this runs (a search thread), so that showing them costs the loop
    almost nothing. ``context`` is the app's (its theme colours the prompts as the loop
    would); without it the options are built as plain Rich text, measured when shown.
    Once ``cancelled()`` (a newer keystroke's search), the rest is not built: the caller
    throws the options away, and the newer search gets the interpreter."""

    def build() -> list[Option]:
        now = time.time()
        options = []
        for hit in hits:
            if cancelled is not None and cancelled():
                break
            prompt: Text | Content = hit_prompt(hit, now, width)
            if context is not None:
                prompt = Content.from_rich_text(prompt)
                if width > 0:
                    _know_height(prompt, width)
            options.append(HitOption(prompt, id=f"{hit.kb}:{hit.path}" if hit.kb else hit.path))
        return options

    return context.run(build) if context is not None else build()


def _know_height(prompt: Content, width: int) -> None:
    """Give a prompt the height the list will ask it for at ``width`` (under ROW_RULES): not
    wrapped, it is its number of lines, which Textual would find by laying out every line.
    Kept where :meth:`Content.get_height` keeps it (Textual is pinned; a test checks that the
    list's own question is answered from it, with the height it would compute)."""
    key = (width, ROW_RULES["text_overflow"], ROW_RULES["text_wrap"] == "nowrap")
    prompt._height_cache = (key, prompt.plain.count("\n") + 1)


@dataclass(frozen=True)
class RowLook:
    """How the list draws a hit that is not highlighted: its style, padding and width, read
    on the loop, so that a search thread can draw the hits' rows before they are shown."""

    style: Style
    padding: Spacing
    width: int
    #: How many hits, from the top, are drawn beforehand: as many as the screen can show
    #: (the rest is drawn on the loop if scrolled to, as the list does by itself).
    ahead: int = 10


class HitOption(Option):
    """A hit's option, with its rows as the list would draw them for one :class:`RowLook`."""

    drawn: tuple[RowLook, list[Strip]] | None = None


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

    @property
    def dimmed(self) -> bool:
        """True while the list shows an earlier text's hits (the typed text's are coming)."""
        return self.styles.text_opacity < 1

    @dimmed.setter
    def dimmed(self, dimmed: bool) -> None:
        # A style set on the widget, not a class: a class change restyles the list from the
        # stylesheet (4 ms on the loop, twice per burst of typing); this costs a repaint.
        self.styles.text_opacity = DIMMED if dimmed else 1.0

    @property
    def prompt_width(self) -> int:
        """The width a hit's prompt is laid out in (0 before the list has a size)."""
        padding = self.get_component_styles("option-list--option").padding
        return max(0, self.scrollable_content_region.width - padding.width)

    def row_look(self) -> RowLook | None:
        """How a hit's rows are drawn now; None before the list has a size."""
        if not self.scrollable_content_region:
            return None
        return RowLook(
            self.get_visual_style("option-list--option"),
            self.get_component_styles("option-list--option").padding,
            self.scrollable_content_region.width - self._get_left_gutter_width(),
            ahead=max(1, self.screen.size.height // 3 + 1),
        )

    def draw_rows(
        self,
        options: list[Option],
        look: RowLook,
        context: Context,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        """Draw each option's rows for ``look``, as :meth:`_get_option_render` would, where
        this runs (a search thread, in the app's ``context``): on the loop, showing a new list
        then costs no drawing but the highlighted hit's. Only reads the list's styles. Stops
        once ``cancelled()``, as :func:`hit_options` does."""

        def draw() -> None:
            for index, option in enumerate(options[: look.ahead]):
                if cancelled is not None and cancelled():
                    return
                if not isinstance(option, HitOption):
                    continue
                visual: Visual = self._get_visual(option)
                if look.padding:
                    visual = Padding(visual, look.padding)
                strips = visual.to_strips(self, visual, look.width, None, look.style)
                meta = {"option": index}  # its index once the list holds these options
                rows = [
                    strip.extend_cell_length(look.width, look.style.rich_style).apply_meta(meta)
                    for strip in strips
                ]
                option.drawn = (look, rows)

        context.run(draw)

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        drawn = option.drawn if isinstance(option, HitOption) else None
        if drawn is not None and drawn[0].style == style:  # the highlighted hit's is its own
            look = drawn[0]
            padding = self.get_component_styles("option-list--option").padding
            width = self.scrollable_content_region.width - self._get_left_gutter_width()
            if (look.padding, look.width) == (padding, width):
                return drawn[1]
        return super()._get_option_render(option, style)

    def show_hits(self, hits: list[Hit], options: list[Option] | None = None) -> None:
        """Replace the list with these hits and highlight the first one. ``options`` are the
        hits' own, built beforehand by :func:`hit_options` (off the loop)."""
        self.hits = list(hits)
        self.set_options(hit_options(self.hits) if options is None else options)
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
