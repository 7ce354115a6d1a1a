"""How fast each screen opens on the starter KB: from the key to the screen drawn.

    python bench/bench_screens.py              # 5 rounds, the median and the worst
    python bench/bench_screens.py --rounds 10

The app runs headless (Textual's test driver) at 100x30 over a copy of the starter KB,
indexed beforehand. Each figure is the time from pressing the key to the first frame of
the app idle again with the new screen drawn ("drawn": its content, loaded in workers, is
in), the target is 200 ms. "frame" is the time to the first frame the new screen (or the
new theme) put on the terminal; "complete" the time to the last frame it put there before
the app went idle: the screen with its content, as the user sees it (the "drawn" figure
also holds the test driver's wait for idleness, 20 ms steps of sleep, and the thread that
reads a screen's content again when it opened with what it read last time: follow-ups,
guides and health show that with their first frame). The first round
includes each screen's first use (its module imported); later rounds do not.
"first paint" is the time from starting the app (KBApp made, run_test entered) to the
home screen's first frame: once for the first app of the process, then for a second one.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TARGET_MS = 200
#: (what is measured, the key that opens it, the key that leaves it)
SCREENS = [
    ("help", "f1", "escape"),
    ("ask", "ctrl+a", "escape"),
    ("follow-ups", "f2", "escape"),
    ("guides", "f4", "escape"),
    ("health", "f3", "escape"),
    ("ticket lookup", "ctrl+g", "escape"),
    ("light/dark", "ctrl+t", ""),
]


def starter_kb(work: Path) -> Path:
    """A git KB holding the starter notes, indexed with Whoosh."""
    from kb import KnowledgeBase
    from kb.knowledgebase.starter import starter_notes

    root = work / "starter"
    source = starter_notes()
    if source is None:
        raise SystemExit("starter notes not found")
    shutil.copytree(source, root / "notes")
    KnowledgeBase.init(root)
    (root / "kb.toml").write_text('[search]\nengine = "whoosh"\n')
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
    return root


async def first_paint(root: Path) -> float:
    """Milliseconds from making the app to the home screen's first frame."""
    from kb.tui.app import KBApp

    started = time.perf_counter()
    painted: list[float] = []
    app = KBApp(str(root))
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.call_after_refresh(lambda: painted.append(time.perf_counter()))
        while not painted:
            await pilot.pause(0.001)
        await app.workers.wait_for_complete()
    return (painted[0] - started) * 1000


async def measure(root: Path, rounds: int) -> dict[str, list[float]]:
    """Open each screen ``rounds`` times; milliseconds from key to the new frame."""
    from kb.tui.app import KBApp

    times: dict[str, list[float]] = {name: [] for name, _key, _back in SCREENS}
    frames: dict[str, list[float]] = {name: [] for name, _key, _back in SCREENS}
    complete: dict[str, list[float]] = {name: [] for name, _key, _back in SCREENS}
    from textual.widgets import Input

    # The caret's blink redraws a focused box every half second: a frame, but not part of a
    # screen opening ("complete" would otherwise be the blink after the content).
    Input._toggle_cursor = lambda self: None  # type: ignore[method-assign]
    times["first paint"] = [await first_paint(root)]
    times["2nd app paint"] = [await first_paint(root)]
    app = KBApp(str(root))
    shown: list[tuple[float, object, str]] = []
    display = app._display

    def displayed(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            shown.append((time.perf_counter(), screen, app.theme))
        display(screen, renderable)

    app._display = displayed  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        for _ in range(rounds):
            for name, key, back in SCREENS:
                before = app.screen
                dark = app.theme
                shown.clear()
                started = time.perf_counter()
                await pilot.press(key)
                while app.screen is before and app.theme == dark:
                    await pilot.pause(0.001)
                await pilot.pause()  # the frame is drawn
                times[name].append((time.perf_counter() - started) * 1000)
                first = next(
                    (at for at, screen, theme in shown if screen is not before or theme != dark),
                    None,
                )
                if first is not None:
                    frames[name].append((first - started) * 1000)
                await app.workers.wait_for_complete()
                await pilot.pause()  # what the workers loaded is drawn
                last = [at for at, screen, theme in shown if screen is app.screen]
                if last:
                    complete[name].append((last[-1] - started) * 1000)
                if back:
                    await pilot.press(back)
                    await pilot.pause()
                    # What going back starts (home searches again, draws its preview) is
                    # not counted in the next screen's figure.
                    await app.workers.wait_for_complete()
                    await pilot.pause()
    times.update({f"{name} frame": values for name, values in frames.items() if values})
    times.update({f"{name} complete": values for name, values in complete.items() if values})
    return times


def main() -> None:
    """Print each screen's median and worst opening time beside the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        root = starter_kb(Path(work))
        times = asyncio.run(measure(root, args.rounds))
    print(f"{'screen':<21}{'median':>9}{'worst':>9}   target {TARGET_MS} ms")
    for name, values in times.items():
        median, worst = statistics.median(values), max(values)
        verdict = "met" if median <= TARGET_MS else "NOT met"
        print(f"{name:<21}{median:>7.0f} ms{worst:>6.0f} ms   {verdict}")


if __name__ == "__main__":
    main()
