"""The command palette (ctrl+p): every action of the app, and of the current screen, by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Provider


class PaletteCommand(NamedTuple):
    """One entry of the command palette."""

    name: str
    help: str
    callback: Callable[[], Any]


class KBCommands(Provider):
    """kb's actions: the app's own, then the ones the screen it was opened on adds."""

    def _commands(self) -> list[PaletteCommand]:
        commands: list[PaletteCommand] = []
        screen_commands = getattr(self.screen, "palette_commands", None)
        if callable(screen_commands):
            commands.extend(screen_commands())
        app_commands = getattr(self.app, "palette_commands", None)
        if callable(app_commands):
            commands.extend(app_commands())
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
