"""Help: every key of every screen (as remapped by the user) and the query syntax."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

if TYPE_CHECKING:
    from textual.app import App

QUERY_SYNTAX = """\
## Searching

| you type | it finds |
|---|---|
| `printer offline` | notes with those words (more words matched ranks higher) |
| `0x80070005`, `KB5034441`, `INC0012345` | error codes, update numbers and ticket ids, exactly |
| `"print spooler"` | the words next to each other, in that order |
| `vpn -mac`, `-"old client"` | leave out notes with a word or a phrase |
| `tag:vpn` `type:fix` `status:validated` | filters on the note's front matter |
| `ticket:INC0012345` `system:"windows 11"` `author:ana` | more filters; `-tag:x` excludes |
| `outlook pass` | the last word is a prefix while you type (`password`, `passcode`) |
| `splooler` | spelling mistakes are forgiven when the exact words find little |

An empty search shows the recently changed notes. When nothing answers the query well,
kb says so ("No strong match") instead of presenting a guess as the answer.

## Remapping keys

Every key above has an id. Put your own keys in the `[keys]` table of the config file
(`~/.config/kb/config.toml` on Linux, or the file `$KB_CONFIG` names):

```toml
[keys]
new-note = "ctrl+k"
copy-code = "y"
```
"""


def key_lines(app: App[object], bindings: list[Binding], keymap: dict[str, str]) -> list[str]:
    """One Markdown list item per binding: its keys (as remapped by the user), what it does,
    and the id to remap it with."""
    lines: list[str] = []
    for binding in bindings:
        if binding.id and binding.id.startswith("copy-") and binding.id[5:].isdigit():
            continue  # the nine "copy block N" keys get one line of their own
        keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
        shown = " ".join(
            f"`{app.get_key_display(Binding(key.strip(), binding.action))}`"
            for key in keys.split(",")
            if key.strip()
        )
        description = binding.description or binding.action.replace("_", " ")
        remap = f" · id `{binding.id}`" if binding.id else ""
        lines.append(f"- {shown} {description}{remap}")
    return lines


def help_markdown(app: App[object], keymap: dict[str, str]) -> str:
    """The help text: keys of each screen, then the query syntax."""
    from kb.tui.screens.ask import AskScreen
    from kb.tui.screens.editor import EditorScreen
    from kb.tui.screens.followups import FollowupsScreen
    from kb.tui.screens.guide_reader import GuideReaderScreen
    from kb.tui.screens.home import HomeScreen
    from kb.tui.screens.new_note import NewNoteScreen
    from kb.tui.screens.note import NoteScreen
    from kb.tui.screens.ticket import TicketScreen

    sections: list[tuple[str, list[Binding], list[str]]] = [
        (
            "Everywhere",
            _bindings(type(app).BINDINGS),
            [
                f"- `{app.get_key_display(Binding('ctrl+p', ''))}` Command palette:"
                " every action by name",
                f"- `{app.get_key_display(Binding('ctrl+q', ''))}` Quit",
            ],
        ),
        ("Home: search", _bindings(HomeScreen.BINDINGS), []),
        ("Note", _bindings(NoteScreen.BINDINGS), ["- `1` … `9` Copy code block 1 … 9"]),
        ("Editor", _bindings(EditorScreen.BINDINGS), []),
        ("New note", _bindings(NewNoteScreen.BINDINGS), []),
        ("Ask (a question to find out)", _bindings(AskScreen.BINDINGS), ["- `enter` Save"]),
        ("Follow-ups", _bindings(FollowupsScreen.BINDINGS), []),
        ("Guide reader", _bindings(GuideReaderScreen.BINDINGS), []),
        ("Ticket", _bindings(TicketScreen.BINDINGS), []),
    ]
    parts = ["# kb help", ""]
    for title, bindings, extra in sections:
        parts += [f"## {title}", "", *key_lines(app, bindings, keymap), *extra, ""]
    parts.append(QUERY_SYNTAX)
    return "\n".join(parts)


def _bindings(items: list[object]) -> list[Binding]:
    return [item for item in items if isinstance(item, Binding)]


class HelpScreen(ModalScreen[None]):
    """Keys and query syntax; escape, q or f1 closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "close", "Close", id="close-help")
    ]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Markdown(help_markdown(self.app, self.keymap), id="help")
        yield Footer()

    def on_mount(self) -> None:
        """Arrow keys scroll the help at once."""
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        """Back to where help was opened."""
        self.dismiss(None)
