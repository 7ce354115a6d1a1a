"""The home screen as it looks, compared with the saved pictures in ``__snapshots__``.

Each picture is named after its test; a change in the app's look shows as a failed
comparison and a report of the differences (``pytest --snapshot-update`` saves new pictures
once the change is the one wanted).
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from kb.tui.app import KBApp
from tests.helpers import settle


def _snapshot_app(root: Path, query: str) -> tuple[KBApp, object]:
    app = KBApp(str(root))

    async def before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(*query)
        await settle(pilot)
        for box in app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    return app, before


def test_snapshot_home_with_results_100x30(tui_root: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, before = _snapshot_app(tui_root, "windows")
    assert snap_compare(app, terminal_size=(100, 30), run_before=before)


def test_snapshot_home_with_results_80x24(tui_root: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, before = _snapshot_app(tui_root, "spooler")
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_snapshot_home_wide_120x30(tui_root: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    app, before = _snapshot_app(tui_root, "vpn dns")
    assert snap_compare(app, terminal_size=(120, 30), run_before=before)
