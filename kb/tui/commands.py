"""The command palette (ctrl+p): every action of the app, and of the current screen, by name.

The commands come from the action registry (kb.tui.actions); each one's help line ends with
the key it has on the screen the palette was opened on, as the user remapped it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.keys import format_key

from kb.tui.actions import APP, actions_for, bound_keys, keymap_of

if TYPE_CHECKING:
    from textual.dom import DOMNode


class PaletteCommand(NamedTuple):
    """One entry of the command palette."""

    name: str
    help: str
    callback: Callable[[], Any]


def palette_commands(
    node: DOMNode, scope: str, key_scopes: Iterable[str] | None = None
) -> list[PaletteCommand]:
    """The palette entries of one scope, run on ``node`` (the screen, or the app for APP).

    ``key_scopes`` are where the keys shown are looked up (the scope itself by default).
    """
    keymap = keymap_of(node.app)
    scopes = tuple(key_scopes) if key_scopes is not None else (scope,)
    commands = []
    for action in actions_for(scope):
        if action.palette is None:
            continue
        name, text = action.palette
        keys = bound_keys(action.id, keymap, scopes)
        shown = f" ({format_key(keys[0])})" if keys else ""
        run = partial(node.app.run_action, action.method, node)
        commands.append(PaletteCommand(name, f"{text}{shown}", run))
    return commands


def screen_scope(screen: DOMNode) -> str:
    """The registry scope of a screen ("note", "home" ...); APP for one kb does not list."""
    scope = getattr(screen, "SCOPE", None)
    return scope if isinstance(scope, str) and scope else APP


class KBCommands(Provider):
    """kb's actions: the ones of the screen the palette was opened on, then the app's."""

    def _commands(self) -> list[PaletteCommand]:
        commands: list[PaletteCommand] = []
        screen_commands = getattr(self.screen, "palette_commands", None)
        if callable(screen_commands):
            commands.extend(screen_commands())
        app_commands = getattr(self.app, "palette_commands", None)
        if callable(app_commands):
            commands.extend(app_commands(self.screen))
        return commands

    async def discover(self) -> Hits:
        """Everything, before anything is typed."""
        for command in self._commands():
            yield DiscoveryHit(command.name, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        """Commands whose name matches what is typed (fuzzy)."""
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(command.name), command.callback, help=command.help
                )
