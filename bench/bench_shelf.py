"""Searching two KBs as one: a personal KB and a team KB together versus the team KB alone.

Generates both KBs with bench_index's note generator (the personal one from another seed),
indexes them, then times every keystroke prefix of bench_index's phrases three ways, in turn
on each query so that all three see the same machine: the team KB alone, both KBs through
``kb.shelf.Shelf.search`` (merged, snippets made for the hits kept), and both searched whole
one after the other (what searching them without the shelf would cost), each as the app asks
at a keystroke (30 hits).
Prints p50/p95/max beside the keystroke target of the speed issue (tantivy @20000: p95 <= 16
ms; whoosh @5000: p95 <= 50 ms).

    python bench/bench_shelf.py                                  # 2,000 + 20,000, tantivy
    python bench/bench_shelf.py --personal 500 --team 5000 --engine whoosh
    python bench/bench_shelf.py --keep /tmp/kb-shelf-bench       # keep (and reuse) the KBs
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import WARM_UP, generate_kb, keystrokes, percentile

from kb import KnowledgeBase
from kb.shelf import Shelf

#: Keystroke p95 targets of the speed issue, by engine (ms) and the size they are set for.
TARGETS = {"tantivy": (16.0, 20000), "whoosh": (50.0, 5000)}
#: What the app asks for at each keystroke (kb.tui.screens.home: RESULT_LIMIT, KEYSTROKE_BUDGET).
LIMIT, BUDGET = 30, 0.06


def build(root: Path, count: int, seed: int, engine: str) -> tuple[KnowledgeBase, float]:
    """A KB of ``count`` generated notes at ``root`` (reused when already there), indexed."""
    if not (root / "notes").is_dir():
        root.mkdir(parents=True, exist_ok=True)
        generate_kb(root, count, random.Random(seed))
    (root / "kb.toml").write_text(f'[search]\nengine = "{engine}"\n', encoding="utf-8")
    kb = KnowledgeBase.open(root)
    start = time.perf_counter()
    kb.reindex()
    return kb, time.perf_counter() - start


def summary(millis: Sequence[float]) -> str:
    return (
        f"p50 {percentile(millis, 50):6.1f}  p95 {percentile(millis, 95):6.1f}  "
        f"max {max(millis):6.1f} ms"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personal", type=int, default=2000, help="notes in the personal KB")
    parser.add_argument("--team", type=int, default=20000, help="notes in the team KB")
    parser.add_argument("--engine", default="tantivy", choices=["tantivy", "whoosh"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work (and keep the KBs) in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kb-shelf-bench-") as temporary:
        work = args.keep or Path(temporary)
        personal, personal_s = build(
            work / f"personal-{args.personal}", args.personal, args.seed + 100, args.engine
        )
        team, team_s = build(work / f"team-{args.team}", args.team, args.seed, args.engine)
        engine = team.index.factory.name
        print(
            f"engine {engine}; personal {args.personal} notes (indexed in {personal_s:.1f} s),"
            f" team {args.team} notes (indexed in {team_s:.1f} s)"
        )
        shelf = Shelf({"me": personal, "team": team}, "me")
        ways: dict[str, Callable[[str], object]] = {
            "team KB alone": lambda q: team.search(q, LIMIT, refresh=False, budget=BUDGET),
            "both, one search (the shelf)": lambda q: shelf.search(
                q, LIMIT, refresh=False, budget=BUDGET
            ),
            "both, one after the other": lambda q: (
                personal.search(q, LIMIT, refresh=False, budget=BUDGET),
                team.search(q, LIMIT, refresh=False, budget=BUDGET),
            ),
        }
        for query in WARM_UP:
            for way in ways.values():
                way(query)
        timings: dict[str, list[float]] = {name: [] for name in ways}
        queries = keystrokes()
        for query in queries:
            for name, way in ways.items():
                start = time.perf_counter()
                way(query)
                timings[name].append((time.perf_counter() - start) * 1000)
        print(
            f"{len(queries)} keystroke queries (the app's limit of {LIMIT}, snippets made), "
            "each way in turn:"
        )
        for name, millis in timings.items():
            print(f"  {name:<30} {summary(millis)}")
        alone = percentile(timings["team KB alone"], 95)
        both = percentile(timings["both, one search (the shelf)"], 95)
        print(f"  two KBs cost {both / alone:.2f}x the team KB alone at p95")
        limit, size = TARGETS.get(engine, (16.0, 20000))
        verdict = "met" if both <= limit else "NOT met"
        print(
            f"Target (speed issue, {engine} @{size}): keystroke p95 <= {limit:g} ms; "
            f"two KBs ({args.personal} + {args.team}): {both:.1f} ms: {verdict}"
        )
        shelf.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
