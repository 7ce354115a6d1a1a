"""Pick one of a note's links from a list: following links without a mouse."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from kb.tui.actions import bindings
from kb.tui.display import one_line
from kb.tui.links import WIKI_SCHEME
from kb.tui.screens.dialog import DIALOG_SCREEN

if TYPE_CHECKING:
    from kb.notes.markdown import Link


def link_href(link: Link) -> str:
    """The href the note view follows for a link found by the core's Markdown reader."""
    return f"{WIKI_SCHEME}{link.target}" if link.kind == "wiki" else link.target


def link_prompt(link: Link, title: str = "") -> Text:
    """The title of the note it leads to (else the link's words), and the link's own words
    or target when they differ."""
    label = link.label.strip()
    shown = one_line(title) or label or link.target
    other = label if title and label and label != title else link.target
    if other == shown:
        return Text(shown, style="bold")
    return Text.assemble((shown, "bold"), "  ", (other, "dim"))


class LinkPicker(ModalScreen[str | None]):
    """The note's links, in order; enter follows one, escape closes."""

    DEFAULT_CLASSES = DIALOG_SCREEN
    CSS_PATH = "links.tcss"
    SCOPE: ClassVar[str] = "links"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, links: list[Link], source: str = "") -> None:
        super().__init__()
        #: The note the links are in (their titles are looked up from it).
        self.source = source
        # The same note linked twice is listed once.
        seen: dict[str, Link] = {}
        for link in links:
            seen.setdefault(link_href(link), link)
        self.links = list(seen.values())

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label("Follow a link", id="links-title", classes="dialog-title")
            yield OptionList(
                *[
                    Option(link_prompt(link), id=str(index))
                    for index, link in enumerate(self.links)
                ],
                id="links",
            )

    def on_mount(self) -> None:
        """Focus the list with the first link highlighted; then look up the titles."""
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()
        if self.source:
            self.load_titles()

    @work(thread=True, exclusive=True, exit_on_error=False, group="link-titles")
    def load_titles(self) -> None:
        """Read the titles of the notes the links lead to, off the event loop."""
        from kb.notes.links import link_titles

        titles = link_titles(cast(Any, self.app).shared.kb, self.source, self.links)
        self.app.call_from_thread(self._show_titles, titles)

    def _show_titles(self, titles: dict[str, str]) -> None:
        options = self.query_one(OptionList)
        for index, link in enumerate(self.links):
            if link.target in titles:
                options.replace_option_prompt(str(index), link_prompt(link, titles[link.target]))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Follow the chosen link."""
        self.dismiss(link_href(self.links[int(event.option.id or 0)]))

    def action_dismiss_picker(self) -> None:
        """Close without following a link."""
        self.dismiss(None)
