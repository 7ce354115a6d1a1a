"""Typing in the app, `kb search` as a process and the API's fresh search, on big real KBs.

    python bench/bench_keystrokes.py --work /tmp/kb-keys                 # 5k, 20k and 40k
    python bench/bench_keystrokes.py --work /tmp/kb-keys --kbs 5k,20k    # some of them
    python bench/bench_keystrokes.py --work /tmp/kb-keys --build-only    # make the KBs only

The KBs are git repositories (every note committed, the index built), kept in ``--work``
and reused by the next run: ``5k`` holds 5,000 synthetic notes searched with Whoosh, ``20k``
20,000 with Tantivy, ``40k`` the shared tldr pages plus synthetic notes up to 40,000, with
Tantivy. The app is driven in a real terminal (tmux) as a technician types; every figure is
printed beside its target, with SQLite FTS5 and ripgrep on the same files for scale.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
TLDR = Path("/work/shared/corpus/tldr/pages")
#: name -> (notes, engine, with the tldr pages)
KBS: dict[str, tuple[int, str, bool]] = {
    "5k": (5_000, "whoosh", False),
    "20k": (20_000, "tantivy", False),
    "40k": (40_000, "tantivy", True),
}
#: What a technician types, key by key.
PHRASES = [
    "printer offline", "vpn connected no dns", "outlook password prompt", "c drive full",
    "bitlocker recovery key", "account lockout", "teams microphone", "onedrive not syncing",
]  # fmt: skip
GIT = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.org"]


def env() -> dict[str, str]:
    """The environment of every kb process the benchmark starts: this checkout's code."""
    return {**os.environ, "PYTHONPATH": str(PROJECT), "KB_DIR": ""}


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def line(label: str, value: float, target: float | None, unit: str = "ms") -> None:
    """One figure beside its target."""
    if target is None:
        print(f"  {label:<58} {value:8.1f} {unit}")
        return
    verdict = "met" if value <= target else "NOT met"
    print(f"  {label:<58} {value:8.1f} {unit}   target <= {target:g} {unit}: {verdict}")


# -- building the KBs ---------------------------------------------------------------------------


def build(work: Path, name: str) -> Path:
    """The KB ``name`` under ``work``, built (generated, committed, indexed) if not there."""
    sys.path.insert(0, str(HERE))
    from bench_index import generate_kb

    count, engine, with_tldr = KBS[name]
    root = work / f"kb-{name}"
    if (root / ".kb" / "index" / "current.json").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "notes").mkdir(parents=True)
    (root / "kb.toml").write_text(f'[search]\nengine = "{engine}"\n')
    (root / ".gitignore").write_text(".kb/\n")
    started = time.perf_counter()
    copied = 0
    if with_tldr and TLDR.is_dir():
        for page in sorted(TLDR.rglob("*.md")):
            target = root / "notes" / "tldr" / page.relative_to(TLDR)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target)
            copied += 1
    generate_kb(root, count - copied, random.Random(1))
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-qm", "Notes"], cwd=root, check=True)
    print(f"  {name}: {count} notes ({copied} tldr pages) written and committed"
          f" in {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kb", "--kb", str(root), "index"], env=env(), check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"  {name}: indexed with {engine} in {time.perf_counter() - started:.0f} s", flush=True)
    return root
