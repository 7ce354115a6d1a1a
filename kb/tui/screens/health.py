"""The Health screen: ``kb stats`` in the app, computed in a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from kb.tui.actions import bindings
from kb.tui.screens.base import KBScreen
from kb.tui.widgets.footer import KBFooter

if TYPE_CHECKING:
    from kb.health.stats import Health


class HealthComputed(Message):
    """The KB's health figures."""

    def __init__(self, health: Health, every: list[tuple[str, Health]] | None = None) -> None:
        super().__init__()
        self.health = health
        #: Each configured KB's figures by its short name (empty when the app works on one).
        self.every = every or []


class HealthScreen(KBScreen):
    """Link rate, reuse, stale, flagged and past-review notes, content gaps, failed searches."""

    CSS_PATH = "health.tcss"
    SCOPE: ClassVar[str] = "health"
    BINDINGS: ClassVar[list[BindingType]] = bindings(SCOPE)

    def __init__(self) -> None:
        super().__init__()
        self.health: Health | None = None
        #: Each configured KB's figures, by short name, in the config's order.
        self.every: list[tuple[str, Health]] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="health-scroll"):
            yield Static("Working out the KB's health…", id="health-report", markup=False)
        yield KBFooter()

    @property
    def _seen_key(self) -> str:
        """Where the app keeps the figures last worked out for this screen's KB(s)."""
        return "health" if self.app.shelf is not None else f"health:{self.shared.kb.root}"

    def on_mount(self) -> None:
        """Show the figures last worked out (with the first frame) and work them out again
        in a thread: the report changes only if they did."""
        self.sub_title = "Health"
        self.query_one("#health-scroll").focus()
        seen = self.app.last_read.get(self._seen_key)
        if isinstance(seen, HealthComputed):
            self.on_health_computed(HealthComputed(seen.health, seen.every))
        self.compute()

    @work(thread=True, exclusive=True, exit_on_error=False, group="health")
    def compute(self) -> None:
        """Read every note, ticket record, link and the search log."""
        from kb.health.stats import compute

        shelf = self.app.shelf
        if shelf is None:
            computed = HealthComputed(compute(self.shared.kb))
        else:
            every = [(name, compute(shared.kb)) for name, shared in shelf.kbs.items()]
            own = next((h for name, h in every if shelf.kbs[name] is self.shared), every[0][1])
            computed = HealthComputed(own, every)
        self.app.last_read[self._seen_key] = computed
        self.post_message(computed)

    def on_health_computed(self, message: HealthComputed) -> None:
        """Show the report (nothing is drawn again when the figures are the ones shown)."""
        from kb.health.stats import report

        if self.health is not None and (self.health, self.every) == (message.health, message.every):
            return
        self.health = message.health
        self.every = message.every
        if not message.every:
            self.query_one("#health-report", Static).update(report(message.health))
            return
        from rich.text import Text

        from kb.tui.display import kb_badge

        text = Text()
        for name, health in message.every:
            if text:
                text.append("\n\n")
            text.append_text(kb_badge(name))
            text.append(" ")
            text.append(report(health))
        self.query_one("#health-report", Static).update(text)

    def action_refresh_health(self) -> None:
        """Compute the figures again."""
        self.query_one("#health-report", Static).update("Working out the KB's health…")
        self.compute()

    def action_back(self) -> None:
        """Back to where Health was opened from."""
        self.dismiss()
