"""Crash soak: kb processes killed at random instants and run side by side, then counted.

Three technicians share a KB through a bare repository, and everything runs through the
``kb`` command as separate processes, as on a real machine. Each round one of them does
something, and often it is interrupted:

- ``kb sync``, ``kb import`` or ``kb index --rebuild`` killed with SIGKILL at a random instant;
- several ``kb update`` on one question and several ``kb new`` at once (parallel writers on
  one clone);
- an edit behind kb's back, or a conflicting rewrite of a line that a colleague also changes.

After a kill the next command must recover by itself. At the end everyone syncs until nothing
moves; then the soak counts, on the remote and in the clones:

- lines lost: every line a command reported as written (exit 0), and every line written to a
  file behind kb's back, must be in some note unless it was deliberately rewritten;
- conflict markers in any version of any file the remote ever received;
- stray files the remote ever received (kb's temporary files, anything under ``.kb/``).

    python bench/bench_crash_soak.py --rounds 300 --seed 7

The targets are 0 lost, 0 markers, 0 stray files, and clones identical at the end.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOKEN = re.compile(r"\bT-[a-z]+-\d+-\d+\b")
MARKER = re.compile(rb"^(<{7}|>{7})( |$)", re.M)
STRAY = re.compile(r"(^|/)\.kb/|\.tmp$")
NAMES = ("ana", "ben", "cy")
QUESTION = "notes/printer-question.md"


def git(root: Path, *args: str, check: bool = True) -> str:
    """Plain git, as a user would run it."""
    return subprocess.run(
        ["git", *args], cwd=root, check=check, capture_output=True, text=True
    ).stdout


def kb_command(root: Path, *args: str) -> list[str]:
    """The argument list of one kb command on the KB at ``root``."""
    return [sys.executable, "-m", "kb", "--kb", str(root), *args]


def run_kb(root: Path, *args: str, stdin: str | None = None, timeout: float = 300) -> int:
    """Run one kb command to its end; its exit code."""
    done = subprocess.run(
        kb_command(root, *args),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    return done.returncode


def kill_at_random(root: Path, args: list[str], rng: random.Random, longest: float) -> bool:
    """Start a kb command and SIGKILL it after a random delay; True when it was killed."""
    process = subprocess.Popen(
        kb_command(root, *args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        process.wait(timeout=rng.uniform(0.05, longest))
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


def note_text(title: str, token: str) -> str:
    """A small fix note."""
    return f"---\ntitle: {title}\ntype: fix\n---\n## Issue\n{token} caller words\n\n## Resolution\n"


class Soak:
    """The clones, the remote, and what was written."""

    def __init__(self, base: Path, rng: random.Random, notes: int) -> None:
        self.base = base
        self.rng = rng
        self.written: set[str] = set()
        self.rewritten: set[str] = set()
        self.counter = 0
        self.stats: dict[str, float] = {
            "kills": 0,
            "syncs": 0,
            "parallel_writers": 0,
            "failed_commands": 0,
            "conflicts_settled": 0,
        }
        self.server = base / "server.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(self.server)], check=True)
        first = base / NAMES[0]
        subprocess.run(kb_command(first, "init", str(first)), check=True, capture_output=True)
        self._identity(first, NAMES[0])
        for number in range(notes):
            token = self.token("seed")
            (first / "notes" / f"seed-{number:04d}.md").write_text(
                note_text(f"Seed note {number}", token), encoding="utf-8"
            )
        subprocess.run(
            kb_command(first, "ask", "Printer jams on tray 2", "--asked-by", "Maria x1234"),
            check=True,
            capture_output=True,
        )
        asked = sorted((first / "notes").glob("printer-jams*.md"))
        git(first, "mv", asked[0].relative_to(first).as_posix(), QUESTION)
        git(first, "add", "-A")
        git(first, "commit", "-qm", "Seed notes")
        git(first, "remote", "add", "origin", str(self.server))
        run_kb(first, "sync")
        self.clones = [first]
        for name in NAMES[1:]:
            git(base, "clone", "-q", str(self.server), str(base / name))
            self._identity(base / name, name)
            self.clones.append(base / name)

    @staticmethod
    def _identity(root: Path, name: str) -> None:
        git(root, "config", "user.name", name.title())
        git(root, "config", "user.email", f"{name}@example.org")

    def token(self, who: str) -> str:
        self.counter += 1
        return f"T-{who}-{self.counter}-{self.rng.randrange(1000)}"

    def notes(self, root: Path) -> list[Path]:
        return sorted(p for p in (root / "notes").rglob("*.md") if ".conflict-" not in p.name)

    # -- actions ---------------------------------------------------------------------------

    def edit_behind(self, root: Path, who: str) -> None:
        """Append a line to a note, or rewrite one, without kb."""
        notes = self.notes(root)
        path = self.rng.choice(notes)
        text = path.read_text(encoding="utf-8")
        token = self.token(who)
        lines = text.splitlines(keepends=True)
        candidates = [i for i, line in enumerate(lines) if TOKEN.search(line)]
        if candidates and self.rng.random() < 0.3:
            index = self.rng.choice(candidates)
            self.rewritten.update(TOKEN.findall(lines[index]))
            lines[index] = f"rewritten line {token}\n"
            text = "".join(lines)
        else:
            text = text.rstrip("\n") + f"\nextra line {token}\n"
        path.write_text(text, encoding="utf-8")
        self.written.add(token)

    def parallel_writers(self, root: Path, who: str) -> None:
        """Several kb updates on one question and several new notes, all at once."""
        self.stats["parallel_writers"] += 1
        jobs: list[tuple[str, subprocess.Popen[bytes]]] = []
        for _ in range(self.rng.randint(2, 5)):
            token = self.token(who)
            args = ["update", QUESTION, f"told caller {token}"]
            jobs.append((token, subprocess.Popen(kb_command(root, *args), **_quiet())))
        for _ in range(self.rng.randint(1, 3)):
            token = self.token(who)
            process = subprocess.Popen(
                kb_command(root, "new", "--title", f"Soak {token}", "--body-file", "-"),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            assert process.stdin is not None
            process.stdin.write(note_text(f"Soak {token}", token).encode())
            process.stdin.close()
            jobs.append((token, process))
        for token, process in jobs:
            if process.wait(timeout=300) == 0:
                self.written.add(token)
            else:
                self.stats["failed_commands"] += 1

    def killed_import(self, root: Path, who: str) -> None:
        """A ticket export whose import is killed at a random instant, then imported again."""
        export = self.base / f"export-{who}-{self.counter}.csv"
        with export.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["number", "short_description", "description", "state"])
            start = self.rng.randrange(1_000_000, 9_000_000)
            for offset in range(self.rng.randint(50, 400)):
                out.writerow(
                    [f"INC{start + offset:07d}", "Printer jams", "Tray 2 jams.", "Resolved"]
                )
        if kill_at_random(root, ["import", str(export)], self.rng, 3.0):
            self.stats["kills"] += 1
        if run_kb(root, "import", str(export)) not in (0, 1):
            self.stats["failed_commands"] += 1

    def killed_index(self, root: Path) -> None:
        """A rebuild of the index killed at a random instant; a search must still answer."""
        if kill_at_random(root, ["index", "--rebuild"], self.rng, 4.0):
            self.stats["kills"] += 1
        if run_kb(root, "search", "printer", "--limit", "3") not in (0, 1):
            self.stats["failed_commands"] += 1

    def sync(self, root: Path, kill: bool) -> None:
        """``kb sync``, maybe killed at a random instant; conflicts kept are settled both ways."""
        self.stats["syncs"] += 1
        if kill and kill_at_random(root, ["sync"], self.rng, 2.5):
            self.stats["kills"] += 1
            return
        code = run_kb(root, "sync") if not kill else 0
        if code == 1:
            self.settle_conflicts(root)
        elif code != 0:
            self.stats["failed_commands"] += 1

    def settle_conflicts(self, root: Path) -> None:
        """Every conflict waiting in ``root`` settled by keeping both versions."""
        listing = subprocess.run(
            kb_command(root, "resolve"), capture_output=True, text=True, stdin=subprocess.DEVNULL
        ).stdout
        for line in listing.splitlines():
            if "  ←→  " not in line:
                continue
            theirs = line.split("  ←→  ", 1)[1].strip()
            if run_kb(root, "resolve", theirs, "--both") == 0:
                self.stats["conflicts_settled"] += 1
            else:
                self.stats["failed_commands"] += 1

    # -- the count -------------------------------------------------------------------------

    def settle(self) -> None:
        """Everyone syncs, without kills, until nothing moves."""
        for _ in range(5):
            for root in self.clones:
                self.sync(root, kill=False)
            heads = {git(root, "rev-parse", "HEAD").strip() for root in self.clones}
            status = [git(root, "status", "--porcelain") for root in self.clones]
            if len(heads) == 1 and not any(status):
                return

    def count(self) -> dict[str, float]:
        """Lines lost, markers and stray files on the remote, clones identical."""
        present: set[str] = set()
        for path in (self.clones[0] / "notes").rglob("*.md"):
            present.update(TOKEN.findall(path.read_text(encoding="utf-8", errors="replace")))
        lost = sorted(self.written - self.rewritten - present)
        if lost:
            print("lost:", ", ".join(lost[:20]), file=sys.stderr)
        markers, stray = 0, set()
        listing = git(self.server, "rev-list", "--all", "--objects").splitlines()
        blobs = []
        for line in listing:
            sha, _, path = line.partition(" ")
            if path and STRAY.search(path):
                stray.add(path)
            if path.endswith(".md"):
                blobs.append((sha, path))
        for sha, path in blobs:
            data = subprocess.run(
                ["git", "cat-file", "-p", sha], cwd=self.server, capture_output=True
            ).stdout
            if MARKER.search(data):
                markers += 1
                print(f"markers pushed in {path} ({sha[:8]})", file=sys.stderr)
        for path in sorted(stray)[:20]:
            print(f"stray file pushed: {path}", file=sys.stderr)
        heads = {git(root, "rev-parse", "HEAD").strip() for root in self.clones}
        return {
            **self.stats,
            "lines_written": len(self.written),
            "lines_rewritten_on_purpose": len(self.rewritten),
            "lines_lost": len(lost),
            "conflict_markers_pushed": markers,
            "stray_files_pushed": len(stray),
            "clones_identical": float(len(heads) == 1),
        }


def _quiet() -> dict[str, int]:
    return {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


def run(rounds: int, seed: int, notes: int, keep: Path | None) -> dict[str, float]:
    """The soak; returns the figures."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="kb-crash-soak-") as folder:
        base = Path(folder) if keep is None else keep
        base.mkdir(parents=True, exist_ok=True)
        gitconfig = base / "gitconfig"
        gitconfig.write_text("[user]\n\tname = Soak\n\temail = soak@example.org\n")
        os.environ["GIT_CONFIG_GLOBAL"] = str(gitconfig)
        os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
        os.environ["HOME"] = str(base)
        for name in [n for n in os.environ if n.startswith("GIT_") and "CONFIG" not in n]:
            del os.environ[name]
        started = time.perf_counter()
        soak = Soak(base, rng, notes)
        for number in range(1, rounds + 1):
            index = rng.randrange(len(NAMES))
            root, who = soak.clones[index], NAMES[index]
            action = rng.choices(
                ["edit", "parallel", "import", "index", "sync", "killed-sync"],
                weights=[5, 2, 1, 1, 2, 2],
            )[0]
            if action == "edit":
                soak.edit_behind(root, who)
            elif action == "parallel":
                soak.parallel_writers(root, who)
            elif action == "import":
                soak.killed_import(root, who)
            elif action == "index":
                soak.killed_index(root)
            else:
                soak.sync(root, kill=action == "killed-sync")
            if number % 25 == 0:
                print(
                    f"  round {number}: {soak.stats['kills']:g} kills, "
                    f"{soak.stats['syncs']:g} syncs, {soak.stats['failed_commands']:g} failed",
                    file=sys.stderr,
                )
        soak.settle()
        figures = soak.count()
        figures["seconds"] = round(time.perf_counter() - started, 1)
        return figures


def main() -> None:
    """Parse options, run, print the figures beside their targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--notes", type=int, default=200, help="seed notes in the KB")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    options = parser.parse_args()
    figures = run(options.rounds, options.seed, options.notes, options.keep)
    targets = {
        "lines_lost": 0,
        "conflict_markers_pushed": 0,
        "stray_files_pushed": 0,
        "clones_identical": 1,
    }
    print(f"kb crash soak: seed {options.seed}, {options.rounds} rounds, 3 clones, one remote")
    for key, value in figures.items():
        target = f"(target {targets[key]:g})" if key in targets else ""
        print(f"  {key.replace('_', ' '):<28} {value:<10g}{target}")
    failed = any(figures[key] != value for key, value in targets.items())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
