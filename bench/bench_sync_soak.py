"""Soak test of team sync: three clones editing and syncing at random, then count lost lines.

Three technicians share a KB through a bare repository. Each round one of them edits a
note (appends a line, rewrites a line, adds to the update log, writes a new note, renames a
note), through kb or behind its back, and sometimes syncs. Conflicts are settled by keeping
both versions. At the end everyone syncs until nothing moves, and every line ever written
that nobody deliberately rewrote must still be in some note.

    python bench/bench_sync_soak.py --rounds 300 --seed 7

Prints rounds, syncs, merges, conflicts met, lines written and lines lost (the target is 0).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb import KnowledgeBase
from kb.sync.conflict_files import conflicts, resolve
from kb.sync.syncing import sync

TOKEN = re.compile(r"\bT-[a-z]+-\d+-\d+\b")
NAMES = ("ana", "ben", "cy")


def git(root: Path, *args: str) -> str:
    """Plain git, as a user would run it."""
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def note_text(title: str, token: str) -> str:
    """A small fix note with an update log."""
    return (
        f"---\ntitle: {title}\ntype: fix\nstatus: wip\n---\n## Issue\n{token} caller words\n\n"
        f"## Resolution\n1. first step {token}\n\n## Updates\n"
    )


class Technician:
    """One clone and what its owner wrote and deliberately rewrote."""

    def __init__(self, root: Path, name: str) -> None:
        self.root = root
        self.name = name
        git(root, "config", "user.name", name.title())
        git(root, "config", "user.email", f"{name}@example.org")
        self.kb = KnowledgeBase.open(root)
        self.counter = 0

    def token(self, round_number: int) -> str:
        self.counter += 1
        return f"T-{self.name}-{round_number}-{self.counter}"

    def notes(self) -> list[Path]:
        return sorted(p for p in (self.root / "notes").rglob("*.md") if ".conflict-" not in p.name)


def edit(
    tech: Technician, rng: random.Random, round_number: int, written: set[str], rewritten: set[str]
) -> str:
    """One random edit; returns its kind."""
    notes = tech.notes()
    kind = rng.choices(
        ["append", "update-log", "rewrite", "new", "rename"], weights=[3, 3, 3, 1, 0.5]
    )[0]
    if kind == "new" or not notes:
        token = tech.token(round_number)
        written.add(token)
        tech.kb.new_note(f"Soak note {token}", body=note_text(f"Soak {token}", token))
        return "new"
    path = rng.choice(notes)
    rel = path.relative_to(tech.root).as_posix()
    text = path.read_text(encoding="utf-8")
    if kind == "rename":
        target = path.with_name(f"renamed-{tech.token(round_number).lower()}.md")
        path.rename(target)
        return kind
    token = tech.token(round_number)
    written.add(token)
    if kind == "append":
        text = text.rstrip("\n") + f"\nextra line {token}\n"
    elif kind == "update-log":
        text = text.rstrip("\n") + f"\n- 2026-11-22 10:00 {tech.name}: told caller {token}\n"
    else:
        lines = text.splitlines(keepends=True)
        candidates = [i for i, line in enumerate(lines) if TOKEN.search(line)]
        if not candidates:
            text = text + f"rewrite {token}\n"
        else:
            index = rng.choice(candidates)
            rewritten.update(TOKEN.findall(lines[index]))
            lines[index] = f"rewritten line {token}\n"
            text = "".join(lines)
    if rng.random() < 0.5:
        tech.kb.save_text(rel, text, f"Edit: {rel}")  # through kb: a commit now
    else:
        path.write_text(text, encoding="utf-8")  # behind kb's back: committed by sync
    return kind


def run(rounds: int, seed: int, sync_chance: float, keep: Path | None = None) -> dict[str, float]:
    """The soak; returns the figures."""
    rng = random.Random(seed)
    stats = {"rounds": rounds, "syncs": 0, "merged_files": 0, "conflicts": 0, "errors": 0}
    with tempfile.TemporaryDirectory(prefix="kb-soak-") as folder:
        base = Path(folder)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=False)
            base = keep
        os.environ["GIT_CONFIG_GLOBAL"] = str(base / "gitconfig")
        (base / "gitconfig").write_text("[user]\n\tname = Soak\n\temail = soak@example.org\n")
        server = base / "server.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server)], check=True)
        first = KnowledgeBase.init(base / NAMES[0])
        written: set[str] = set()
        rewritten: set[str] = set()
        for number in range(3):
            token = f"T-seed-0-{number}"
            written.add(token)
            first.new_note(f"Seed note {number}", body=note_text(f"Seed {number}", token))
        first.close()
        git(base / NAMES[0], "remote", "add", "origin", str(server))
        techs = [Technician(base / NAMES[0], NAMES[0])]
        sync(techs[0].kb)
        for name in NAMES[1:]:
            git(base, "clone", "-q", str(server), str(base / name))
            techs.append(Technician(base / name, name))
        started = time.perf_counter()

        def do_sync(tech: Technician) -> None:
            stats["syncs"] += 1
            try:
                report = sync(tech.kb)
            except Exception as exc:  # counted, and the soak goes on: it must not lose lines
                stats["errors"] += 1
                print(f"  sync error ({tech.name}): {exc}", file=sys.stderr)
                return
            stats["merged_files"] += len(report.merged)
            stats["conflicts"] += len(report.conflicts)
            for conflict in conflicts(tech.root):
                resolve(tech.kb, conflict, "both")

        for round_number in range(1, rounds + 1):
            tech = rng.choice(techs)
            edit(tech, rng, round_number, written, rewritten)
            if rng.random() < sync_chance:
                do_sync(tech)
            if round_number % 50 == 0:
                print(
                    f"  round {round_number}: {stats['syncs']} syncs, "
                    f"{stats['conflicts']} conflicts",
                    file=sys.stderr,
                )
        for _ in range(4):
            for tech in techs:
                do_sync(tech)
        heads = {git(t.root, "rev-parse", "HEAD").strip() for t in techs}
        seconds = time.perf_counter() - started
        present: set[str] = set()
        markers = 0
        for path in (techs[0].root / "notes").rglob("*.md"):
            text = path.read_text(encoding="utf-8", errors="replace")
            present.update(TOKEN.findall(text))
            found = len(re.findall(r"^(<{7}|>{7})", text, re.M))
            if found:
                print(f"markers in {path}", file=sys.stderr)
            markers += found
        expected = written - rewritten
        lost = sorted(expected - present)
        for tech in techs:
            tech.kb.close()
        stats.update(
            {
                "lines_written": len(written),
                "lines_rewritten_on_purpose": len(rewritten),
                "lines_lost": len(lost),
                "conflict_markers": markers,
                "clones_identical": float(len(heads) == 1),
                "seconds": round(seconds, 1),
            }
        )
        if lost:
            print("lost:", ", ".join(lost[:20]), file=sys.stderr)
    return stats


def main() -> None:
    """Parse options, run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sync-chance", type=float, default=0.35)
    parser.add_argument("--keep", type=Path, help="work in this new folder and keep it")
    options = parser.parse_args()
    stats = run(options.rounds, options.seed, options.sync_chance, options.keep)
    print(f"kb sync soak: seed {options.seed}, 3 clones, one bare remote")
    for key, value in stats.items():
        print(f"  {key.replace('_', ' '):<28} {value:g}")
    sys.exit(1 if stats["lines_lost"] or stats["conflict_markers"] else 0)


if __name__ == "__main__":
    main()
