"""Adopting a team's existing Markdown repository: kb init, kb clone, kb sync, kb log.

The tldr pages corpus (``../shared/corpus/tldr/pages``) is committed at the root of a new
repository (``pages/...``, no ``notes/``), ``--copies`` times over (``pages``, ``pages-2``,
...). Every step runs the real command line (``python -m kb``) as a technician would, and
prints its time beside the target it is measured against.

    python bench/bench_adopt.py                 # the corpus once (7,425 pages)
    python bench/bench_adopt.py --copies 5      # five times over (~37,000 pages)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
#: Where the shared tldr corpus is looked for: beside the checkout, or beside its parent folder.
CORPORA = [base / "shared" / "corpus" / "tldr" / "pages" for base in PROJECT.parents[:2]]
#: Seconds each step should take at most (kb's own targets for an adopted repository).
TARGETS = {
    "init + first index": None,
    "no-op kb index": 2.0,
    "kb sync, nothing to do": 3.0,
    "kb sync, one change": 4.0,
    "kb sync pulling 2,000 changed files": 60.0,
    "kb log, file with 50 commits": 1.5,
}


def main() -> int:
    """Build the repository, run every step once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1, help="corpus copies (default 1)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--corpus", type=Path, help="the tldr pages folder")
    options = parser.parse_args()
    candidates = [options.corpus] if options.corpus else CORPORA
    corpus = next((path for path in candidates if path.is_dir()), None)
    if corpus is None:
        print(f"the tldr corpus is not at {candidates[0]}; nothing measured")
        return 0
    work = options.keep or Path(tempfile.mkdtemp(prefix="kb-adopt-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(work, options.copies, corpus)
    finally:
        if options.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def run(work: Path, copies: int, corpus: Path) -> None:
    """Every measured step, in the order a team lives them."""
    team, server, ana, ben = work / "team", work / "server.git", work / "ana", work / "ben"
    team.mkdir()
    for number in range(copies):
        shutil.copytree(corpus, team / ("pages" if number == 0 else f"pages-{number + 1}"))
    git(team, "init", "-q", "-b", "master")
    git(team, "add", "-A")
    git(team, "commit", "-qm", "tldr pages")
    pages = sorted(p.relative_to(team).as_posix() for p in team.rglob("*.md"))
    print(f"repository: {len(pages):,} pages, {copies} cop{'y' if copies == 1 else 'ies'}")
    figure("init + first index", kb(team, "init", "."))
    git(work, "clone", "-q", "--bare", str(team), str(server))
    git(team, "remote", "add", "origin", str(server))
    git(team, "fetch", "-q", "origin")
    git(team, "branch", "-q", "-u", "origin/master")
    print(f"kb clone (clone + first index): {kb(work, 'clone', str(server), str(ana)):.1f} s")
    kb(work, "clone", str(server), str(ben))
    figure("no-op kb index", kb(ana, "index"))
    figure("kb sync, nothing to do", kb(ana, "sync"))
    (ana / pages[0]).write_text("# changed\none change\n", encoding="utf-8")
    figure("kb sync, one change", kb(ana, "sync"))
    kb(ben, "sync")
    for rel in pages[1:2001]:
        with open(ben / rel, "a", encoding="utf-8") as handle:
            handle.write("\n- Changed by Ben\n")
    kb(ben, "sync")
    figure("kb sync pulling 2,000 changed files", kb(ana, "sync"))
    target = ana / pages[-1]
    for number in range(50):
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"\n- edit {number}\n")
        git(ana, "commit", "-qam", f"edit {number}")
    figure("kb log, file with 50 commits", kb(ana, "log", pages[-1]))


def kb(root: Path, *args: str) -> float:
    """Seconds ``kb --kb ROOT ARGS`` takes (``init``/``clone`` run without ``--kb``)."""
    command = [sys.executable, "-m", "kb"]
    if args[0] not in ("init", "clone"):
        command += ["--kb", str(root)]
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    start = time.perf_counter()
    done = subprocess.run(
        [*command, *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"kb {' '.join(args)} failed: {done.stderr.strip()}")
    return seconds


def git(root: Path, *args: str) -> None:
    """Plain git, as the team uses it."""
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def figure(name: str, seconds: float) -> None:
    """One figure beside its target."""
    target = TARGETS[name]
    verdict = "" if target is None else (" met" if seconds <= target else " NOT met")
    against = "" if target is None else f"  (target <= {target:.1f} s:{verdict})"
    print(f"{name}: {seconds:.2f} s{against}")


if __name__ == "__main__":
    raise SystemExit(main())
