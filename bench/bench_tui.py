"""How fast the app answers: time to first paint, and from the last keystroke to results.

    python bench/bench_tui.py                    # the starter KB and 20,000 synthetic notes
    python bench/bench_tui.py --notes 5000       # a smaller synthetic KB
    python bench/bench_tui.py --kb DIR           # an existing KB

Each measurement runs in a fresh process, started by this script, so first paint includes
Python's start-up and every import, as a technician opening kb mid-call would see it. The
app runs headless (Textual's test driver) at 100x30; the search index is built beforehand,
as it would be for a KB in daily use. "last key -> results" is when the first answer for
the whole typed text is on screen; with a slow engine that answer may come from part of the
index, and "full results" is when the complete answer replaced it (after a typing pause).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
#: What a technician types, one character at a time, in each measured session.
TYPED = ["printer offline", "vpn connected no", "outlook password", "0x80070005", "wifi drop"]


def child(kb_path: str, started: float, typed: str) -> dict[str, float]:
    """Run in the measured process: open the app, type, wait for the results."""
    from kb.tui.app import KBApp
    from kb.tui.screens.home import HomeScreen

    # Timestamps taken inside the app: when the search box reports the final text, and when
    # the results for that text are put on screen.
    seen: dict[str, float] = {}
    search = HomeScreen.run_search
    finished = HomeScreen.on_search_finished

    def on_search(self: HomeScreen, query: str, *args: Any, **kwargs: Any) -> Any:
        if query == typed:
            seen.setdefault("typed", time.monotonic())
        return search(self, query, *args, **kwargs)

    def on_finished(self: HomeScreen, message: Any) -> None:
        finished(self, message)
        if message.query == typed:
            seen.setdefault("shown", time.monotonic())
            if not message.results.partial:
                seen.setdefault("full", time.monotonic())

    HomeScreen.run_search = on_search  # type: ignore[method-assign]
    HomeScreen.on_search_finished = on_finished  # type: ignore[method-assign]

    async def session() -> dict[str, float]:
        app = KBApp(kb_path)
        async with app.run_test(size=(100, 30)) as pilot:
            painted = time.monotonic() - started
            screen = app.screen
            assert isinstance(screen, HomeScreen)
            while screen.shown_query is None:  # the first list (recent notes) is on screen
                await pilot.pause(0.002)
            first_list = time.monotonic() - started
            for char in typed:
                await pilot.press(char if char != " " else "space")
            while "full" not in seen:
                await pilot.pause(0.002)
            answered = seen["shown"] - seen["typed"]
            complete = seen["full"] - seen["typed"]
            return {
                "paint": painted,
                "first_list": first_list,
                "keystroke": answered,
                "complete": complete,
            }

    return asyncio.run(session())


def measure(kb_path: Path, typed: str) -> dict[str, float]:
    """One fresh process: first paint, first list and keystroke-to-results, in seconds."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(kb_path), str(started), typed],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the measured app failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def use_engine(root: Path, engine: str) -> None:
    """Choose the KB's search engine (kb.toml)."""
    (root / "kb.toml").write_text(f'[search]\nengine = "{engine}"\n')


def starter_kb(work: Path, engine: str) -> Path:
    """A KB holding the starter notes, indexed."""
    from kb import KnowledgeBase
    from kb.knowledgebase.starter import starter_notes

    root = work / "starter"
    root.mkdir()
    use_engine(root, engine)
    source = starter_notes()
    if source is None:
        raise SystemExit("starter notes not found")
    shutil.copytree(source, root / "notes")
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
    return root


def synthetic_kb(work: Path, count: int, engine: str) -> Path:
    """A KB of generated fix notes (the index benchmark's generator), indexed."""
    sys.path.insert(0, str(HERE))
    from bench_index import generate_kb

    from kb import KnowledgeBase

    root = work / f"synthetic-{count}"
    root.mkdir()
    use_engine(root, engine)
    generate_kb(root, count, random.Random(1))
    started = time.perf_counter()
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
        engine = kb.index.factory.name
    print(f"  built {count} notes with {engine} in {time.perf_counter() - started:.1f} s")
    return root


def report(label: str, kb_path: Path, rounds: int) -> None:
    """Measure several sessions and print the figures."""
    runs = [measure(kb_path, TYPED[index % len(TYPED)]) for index in range(rounds)]
    paint = [run["paint"] * 1000 for run in runs]
    first = [run["first_list"] * 1000 for run in runs]
    keys = [run["keystroke"] * 1000 for run in runs]
    complete = [run["complete"] * 1000 for run in runs]
    print(f"{label}")
    for name, values in (
        ("first paint", paint),
        ("first list on screen", first),
        ("last key -> results", keys),
        ("... -> full results", complete),
    ):
        print(f"  {name:<22} median {statistics.median(values):7.0f} ms  max {max(values):6.0f}")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=20_000, help="synthetic KB size")
    parser.add_argument("--kb", type=Path, help="measure this KB instead")
    parser.add_argument("--rounds", type=int, default=5, help="sessions per KB")
    parser.add_argument(
        "--engine", choices=("auto", "whoosh", "tantivy"), default="auto", help="search engine"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kb_path, started, typed = args.child
        print(json.dumps(child(kb_path, float(started), typed)))
        return 0
    print(f"kb app benchmark: python {sys.version.split()[0]}, 100x30, headless")
    with tempfile.TemporaryDirectory(prefix="kb-tui-bench-") as folder:
        work = Path(folder)
        if args.kb:
            report(f"KB {args.kb}", args.kb, args.rounds)
            return 0
        report("starter KB (32 notes)", starter_kb(work, args.engine), args.rounds)
        synthetic = synthetic_kb(work, args.notes, args.engine)
        report(f"{args.notes} synthetic notes", synthetic, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
