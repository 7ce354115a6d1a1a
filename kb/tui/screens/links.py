"""Pick one of a note's links from a list: following links without a mouse."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from kb.tui.actions import bindings
from kb.tui.links import WIKI_SCHEME
from kb.tui.screens.dialog import DIALOG_SCREEN

if TYPE_CHECKING:
    from kb.notes.markdown import Link


def link_href(link: Link) -> str:
    """The href the note view follows for a link found by the core's Markdown reader."""
    return f"{WIKI_SCHEME}{link.target}" if link.kind == "wiki" else link.target


def link_prompt(link: Link) -> Text:
    """The link's words, and where it leads when that is different."""
    label = link.label.strip()
    if not label or label == link.target:
        return Text(link.target, style="bold")
    return Text.assemble((label, "bold"), "  ", (link.target, "dim"))


class LinkPicker(ModalScreen[str | None]):
    """The note's links, in order; enter follows one, escape closes."""

    DEFAULT_CLASSES = DIALOG_SCREEN
    CSS_PATH = "links.tcss"
    SCOPE: ClassVar[str] = "links"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, links: list[Link]) -> None:
        super().__init__()
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
        """Focus the list with the first link highlighted."""
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Follow the chosen link."""
        self.dismiss(link_href(self.links[int(event.option.id or 0)]))

    def action_dismiss_picker(self) -> None:
        """Close without following a link."""
        self.dismiss(None)
