"""The footer every screen shows: its keys in the order of importance when they do not all fit.

Textual's footer cuts what does not fit at the right edge, mid-word. This one leaves out
whole keys instead, the least important first (the app's own keys before the screen's main
actions); what it leaves out stays in the command palette and on the help screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: Keys kept to the last: what a technician does most on a screen.
MAIN = frozenset(
    {
        "open",
        "back",
        "close",
        "save",
        "new_note",
        "sync",
        "ask",
        "edit",
        "settle",
        "copy_block",
        "flag",
        "link_ticket",
        "cancel",
        "submit",
        "next_difference",
    }
)
#: Keys left out first, in this order (last first): app-wide screens one press of f1 lists.
MINOR = ("help", "ticket_lookup", "followups")
#: The command palette key's cells at the right edge.
_PALETTE = 13


def _rank(action: str) -> int:
    name = action.split(".")[-1].split("(")[0]
    if name in MAIN:
        return 0
    if name in MINOR:
        return 1 + MINOR.index(name)
    return 0 if "(" in action else 1


def _same_keys(before: tuple[object, ...], after: tuple[object, ...]) -> bool:
    """True when two choices show the same keys at the same width (enabled or not)."""
    if len(before) != 4 or len(after) != 4 or before[2:] != after[2:]:
        return False
    keys = [(key, binding) for key, binding, _enabled, _tooltip in before[1]]  # type: ignore[attr-defined]
    return keys == [(key, binding) for key, binding, _enabled, _tooltip in after[1]]  # type: ignore[attr-defined]


def _cells(key: FooterKey) -> int:
    return len(key.key_display) + len(key.description) + 3


class KBFooter(Footer):
    """A footer that drops its least important keys, whole, to fit the screen's width."""

    def __init__(self) -> None:
        super().__init__()
        self._width = 0
        #: What the keys shown were chosen from (see _choice); None before the first compose.
        self._composed: tuple[object, ...] | None = None

    def _choice(self) -> tuple[object, ...]:
        """Everything the keys shown depend on: the screen's keys, their state and the width."""
        if not self._bindings_ready:
            return (False,)
        palette = self.app.COMMAND_PALETTE_BINDING
        # By key: the order of a screen's bindings follows the focus (the focused widget's
        # first), and a focus moving as the screen opens must not rebuild the keys, or swap
        # them on the screen.
        shown = tuple(
            sorted(
                (key, binding, enabled, tooltip)
                for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
                if binding.show or key == palette
            )
        )
        return (True, shown, self.size.width or self.app.size.width, self.show_command_palette)

    async def recompose(self) -> None:
        """Build the keys again only when what they show changed: a screen's bindings are
        announced several times as it opens (mount, focus), each one used to rebuild every
        key, restyle and redraw it."""
        if not self.is_attached or self._pruning:
            return  # the screen is going: nothing to draw
        choice = self._choice()
        if self._composed == choice:
            return
        before, self._composed = self._composed, choice  # a second call has nothing to do
        if before is not None and _same_keys(before, choice):
            # Only which keys are enabled changed (a screen's content loaded, a row chosen):
            # the keys shown are restyled where they are, not rebuilt (a rebuild costs a
            # screen tens of milliseconds and a frame as it opens).
            states = {key: (enabled, tooltip) for key, _binding, enabled, tooltip in choice[1]}
            for widget in self.query(FooterKey):
                state = states.get(widget.key)
                if state is not None:
                    enabled, tooltip = state
                    widget._disabled = not enabled
                    widget.set_class(not enabled, "-disabled")
                    if tooltip:
                        widget.tooltip = tooltip
            return
        await super().recompose()

    def compose(self) -> ComposeResult:
        # The keys from the first frame on: Textual's footer waits for the screen to
        # announce its bindings, and draws an empty bar until the frame after.
        if not self._bindings_ready and self.is_attached:
            self.set_reactive(Footer._bindings_ready, True)
        self._composed = self._choice()
        widgets: list[Widget] = list(super().compose())
        for widget in widgets:
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                # Each key would style itself twice as it mounts (compact on, then the
                # footer's value through its binding): restyled one by one, the keys cost
                # a screen tens of milliseconds to open. They start with the footer's value
                # (the palette's key is not bound to it: it keeps its own look).
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
        keys = [
            w for w in widgets if isinstance(w, FooterKey) and not w.has_class("-command-palette")
        ]
        room = (self.size.width or self.app.size.width) - _PALETTE
        used = sum(_cells(key) for key in keys)
        order = sorted(range(len(keys)), key=lambda i: (-_rank(keys[i].action), -i))
        dropped: set[int] = set()
        for index in order:
            if used <= room:
                break
            dropped.add(id(keys[index]))
            used -= _cells(keys[index])
        yield from (w for w in widgets if id(w) not in dropped)

    def on_resize(self, event: Resize) -> None:
        """Choose the keys again when the width changed what fits (the first size a footer
        gets is the one it was composed for: redrawing it would cost the screen a frame)."""
        if event.size.width != self._width:
            self._width = event.size.width
            if self._composed != self._choice():
                self.refresh(recompose=True)
