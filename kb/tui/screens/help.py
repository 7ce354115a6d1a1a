"""Help: every key of every screen (as remapped by the user) and the query syntax."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.measure import Measurement
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from kb.tui.actions import HELP_SECTIONS, actions_for, bindings, bound_keys
from kb.tui.screens.dialog import DIALOG_SCREEN
from kb.tui.widgets.footer import KBFooter

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
    from rich.segment import Segment
    from textual.app import App

    from kb.tui.actions import Action

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
| `lang:fr`, `lang:main` | notes of a language folder (`pages.fr/`), or of none |
| `outlook pass` | the last word is a prefix while you type (`password`, `passcode`) |
| `splooler` | spelling mistakes are forgiven when the exact words find little |

An empty search shows the recently changed notes. When nothing answers the query well,
kb says so ("No strong match") instead of presenting a guess as the answer.

## Remapping keys

Every key above has an id, the same on every screen. Put your own keys in the `[keys]`
table of the config file (`~/.config/kb/config.toml` on Linux, or the file `$KB_CONFIG`
names):

```toml
[keys]
new-note = "ctrl+k"
copy-code = "y"
back = "escape,ctrl+b"
```

`back` is then escape or ctrl+b on every screen and dialog. Ids of earlier versions of kb
(`ticket-back`, `close-editor` …) still work: each sets the action it is now part of.
"""


def key_lines(app: App[object], actions: list[Action], keymap: Mapping[str, str]) -> list[str]:
    """One Markdown list item per action: its keys (as remapped by the user), what it does,
    and the id to remap it with."""
    lines: list[str] = []
    for action in actions:
        if not action.help or not action.keys:
            continue
        keys = (
            action.keys.split(",")
            if action.system
            else keymap.get(action.id, action.keys).split(",")
        )
        shown = " ".join(
            f"`{app.get_key_display(Binding(key.strip(), action.method))}`"
            for key in keys
            if key.strip()
        )
        remap = "" if action.system else f" · id `{action.id}`"
        lines.append(f"- {shown} {action.label}{remap}")
    return lines


def _copy_blocks_line(app: App[object], keymap: Mapping[str, str]) -> str:
    first, last = (
        app.get_key_display(Binding(bound_keys(f"copy-{n}", keymap, ("note",))[0], ""))
        for n in (1, 9)
    )
    return f"- `{first}` … `{last}` Copy code block 1 … 9 · ids `copy-1` … `copy-9`"


#: Lines of a section that are not an action of the registry (enter in a form).
_EXTRA: dict[str, list[str]] = {"ask": ["- `enter` Save"]}


def help_markdown(app: App[object], keymap: Mapping[str, str]) -> str:
    """The help text: keys of each screen, then the query syntax."""
    parts = ["# kb help", ""]
    for scope, title in HELP_SECTIONS:
        lines = key_lines(app, actions_for(scope), keymap)
        if scope == "note":
            lines.append(_copy_blocks_line(app, keymap))
        parts += [f"## {title}", "", *lines, *_EXTRA.get(scope, []), ""]
    parts.append(QUERY_SYNTAX)
    return "\n".join(parts)


class RenderedOnce:
    """A Rich renderable drawn once per width and options, then replayed from its lines.

    Rendering the help's Markdown costs tens of milliseconds, and Textual renders a widget's
    content several times as a screen opens (its height, then each layout pass).
    """

    def __init__(self, renderable: RenderableType, key: object = None) -> None:
        self.renderable = renderable
        #: What the renderable was made from (tells whether it can be used again).
        self.key = key
        self._lines: dict[tuple[object, ...], list[list[Segment]]] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (
            options.max_width,
            options.min_width,
            options.height,
            options.justify,
            options.overflow,
            options.no_wrap,
            options.highlight,
            options.markup,
            options.legacy_windows,
            options.ascii_only,
        )
        lines = self._lines.get(key)
        if lines is None:
            lines = console.render_lines(self.renderable, options, pad=False, new_lines=True)
            if len(self._lines) >= 8:
                self._lines.clear()
            self._lines[key] = lines
        for line in lines:
            yield from line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


#: The help last drawn, kept for the next time help opens (its text only changes with the keys).
_LAST: list[RenderedOnce] = []


def _drawn_help(source: str) -> RenderedOnce:
    """The help's Markdown, drawn lines kept from the last time it was shown with this text."""
    from rich.markdown import Markdown as RichMarkdown

    if not _LAST or _LAST[0].key != source:
        _LAST[:] = [RenderedOnce(RichMarkdown(source, code_theme="ansi_dark"), key=source)]
    return _LAST[0]


class HelpScreen(ModalScreen[None]):
    """Keys and query syntax; back (escape), q or the help key closes it."""

    DEFAULT_CLASSES = DIALOG_SCREEN
    CSS_PATH = "help.tcss"
    SCOPE: ClassVar[str] = "help"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.keymap = keymap
        #: The help as Markdown text.
        self.source = ""

    def compose(self) -> ComposeResult:
        self.source = help_markdown(self.app, self.keymap)
        # One rendered block, not a widget per line: help opens at once even on a busy
        # machine (Textual's Markdown widget built ~150 widgets for it). Rendered once per
        # width: Textual renders it again to measure it and at each layout as it opens.
        with VerticalScroll(id="help-scroll"):
            yield Static(_drawn_help(self.source), id="help")
        yield KBFooter()

    def on_mount(self) -> None:
        """Arrow keys scroll the help at once."""
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        """Back to where help was opened."""
        self.dismiss(None)
