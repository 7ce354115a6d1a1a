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
import re
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
#: The shared corpus beside the project (``../shared``), or where KB_CORPUS points.
TLDR = Path(os.environ.get("KB_CORPUS") or PROJECT.parent / "shared" / "corpus") / "tldr" / "pages"
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
    # Compiled modules are cached as on a user's machine (pip compiles them at install): a
    # PYTHONDONTWRITEBYTECODE of this shell would add every module's compiling to each run.
    environment = {**os.environ, "PYTHONPATH": str(PROJECT), "KB_DIR": ""}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


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


# -- the app in a real terminal (tmux) ----------------------------------------------------------


class Terminal:
    """The app running in a tmux pane of 100x30, on a socket of its own."""

    SOCKET = "kb-bench-keys"

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        command = f"env PYTHONPATH={PROJECT} KB_DIR= {sys.executable} -m kb --kb {root}"
        self.started = time.perf_counter()
        self._tmux("new-session", "-d", "-x", "100", "-y", "30", "-s", name, command)

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.SOCKET, *args], capture_output=True, text=True, check=False
        )
        return done.stdout

    def screen(self, styles: bool = False) -> list[str]:
        """The rows of the pane (with their colours when ``styles``)."""
        extra = ["-e"] if styles else []
        return self._tmux("capture-pane", "-p", *extra, "-t", self.name).split("\n")

    def typed(self) -> str:
        """What the search box shows (empty while the placeholder shows)."""
        rows = self.screen()
        if len(rows) < 2 or "Search: the caller" in rows[1]:
            return ""
        return rows[1].strip().strip("│").strip()

    def send(self, text: str) -> None:
        """Type text, as keys."""
        self._tmux("send-keys", "-t", self.name, "-l", text)

    def key(self, *names: str) -> None:
        """Press named keys (Enter, Escape)."""
        self._tmux("send-keys", "-t", self.name, *names)

    def type_and_enter(self, text: str) -> None:
        """The text and Enter in one go: Enter arrives with the last character."""
        self._tmux("send-keys", "-t", self.name, "-l", text, ";", "send-keys", "-t", self.name,
                   "Enter")  # fmt: skip

    def wait_for(self, test: Callable[[list[str]], bool], timeout: float = 10.0) -> float | None:
        """Seconds until the screen passes ``test``; None when it never did."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if test(self.screen()):
                return time.perf_counter() - started
        return None

    def close(self) -> None:
        """End the app's session."""
        self._tmux("kill-session", "-t", self.name)


def home_idle(term: Terminal) -> None:
    """Back to home with an empty search box and the recent notes on screen."""
    for _ in range(3):
        term.key("Escape")
        time.sleep(0.3)
        rows = term.screen()
        if len(rows) > 3 and "Search: the caller" in rows[1] and "Recently" in rows[3]:
            return
    term.wait_for(lambda rows: len(rows) > 3 and "Recently" in rows[3], 5)


def note_shown(rows: list[str]) -> bool:
    """True once a note's screen shows its title (home's top row is the search box)."""
    return bool(rows) and bool(rows[0].strip()) and not rows[0].startswith("╭─ kb")


def first_paint(root: Path, start: int = 0) -> tuple[float | None, float | None]:
    """Seconds from starting the app to the search box, and to the recent notes on screen
    (each ``start`` in a tmux session of its own name: a name is free again only once tmux
    has ended the last one)."""
    term = Terminal(root, f"paint{start}")
    try:
        paint = term.wait_for(lambda rows: any("Search: the caller" in row for row in rows), 20)
        recent = term.wait_for(lambda rows: len(rows) > 4 and "Recently" in rows[3], 20)
        since = time.perf_counter() - term.started
        return paint, (since if recent is not None else None)
    finally:
        term.close()


def type_phrase(term: Terminal, phrase: str, interval: float) -> tuple[list[float], float | None]:
    """Type ``phrase`` a key every ``interval`` seconds: each character's delay until it shows
    in the box (ms), and the delay from the last key until the list holds its results (ms)."""
    shown: dict[int, float] = {}
    sent: list[float] = []
    next_key = time.perf_counter()
    while len(sent) < len(phrase) or len(shown) < len(phrase):
        now = time.perf_counter()
        if len(sent) < len(phrase) and now >= next_key:
            term.send(phrase[len(sent)])
            sent.append(time.perf_counter())
            next_key += interval
        visible = term.typed()
        seen_at = time.perf_counter()
        for index in range(len(sent)):
            wanted = phrase[: index + 1].rstrip()
            if index not in shown and visible.startswith(wanted):
                shown[index] = seen_at
        if now - (sent[-1] if sent else now) > 3:
            break  # a character never showed: counted as missing
    changes = getattr(term, "box_changes", None)
    if changes is not None:
        # Read as the app wrote it: the first moment the box held each prefix.
        from pty_terminal import box_text

        for index in list(shown):
            wanted = phrase[: index + 1].rstrip()
            shown[index] = next(
                (when for when, row in changes
                 if when >= sent[index] and box_text(row).startswith(wanted)),
                shown[index],
            )  # fmt: skip
    echoes = [(shown[index] - sent[index]) * 1000 for index in shown if phrase[index] != " "]
    # The results: the list region once it stops changing, and when it first looked so.
    last = sent[-1]
    frames: list[tuple[float, list[str]]] = []
    while True:
        frames.append((time.perf_counter(), term.screen(styles=True)[3:11]))
        stable = [t for t, rows in frames if rows == frames[-1][1]]
        if frames[-1][0] - last > 6 or (frames[-1][0] - stable[0] > 1.5 and len(stable) > 3):
            break
    final = frames[-1][1]
    first = len(frames) - 1
    while first > 0 and frames[first - 1][1] == final:
        first -= 1
    pending = any("Searching" in row for row in final)
    results = None if pending else (frames[first][0] - last) * 1000
    return echoes, results


def open_terminal(root: Path, name: str, kind: str) -> Terminal:
    """The app in a tmux pane, or on a pty read as it writes (``kind`` "pty")."""
    if kind == "pty":
        from pty_terminal import PtyTerminal

        return PtyTerminal(root, name, PROJECT)  # type: ignore[return-value]
    return Terminal(root, name)


def typing_figures(
    root: Path, interval: float, phrases: list[str], kind: str = "tmux"
) -> dict[str, object]:
    """Echo delays and results delays over ``phrases`` typed at ``interval``."""
    term = open_terminal(root, f"typing{int(interval * 1000)}", kind)
    echoes: list[float] = []
    results: list[float] = []
    try:
        term.wait_for(lambda rows: len(rows) > 4 and "Recently" in rows[3], 30)
        time.sleep(1.5)  # the start-up index check done
        for phrase in phrases:
            echo, result = type_phrase(term, phrase, interval)
            echoes.extend(echo)
            if result is not None:
                results.append(result)
            home_idle(term)
    finally:
        term.close()
    return {"echoes": echoes, "results": results}


def enter_tries(root: Path, queries: list[str]) -> tuple[int, int, list[str]]:
    """Type each query with Enter in the same instant: how many opened the top hit of the
    whole text (its title and status line on the note's screen)."""
    from kb import KnowledgeBase

    with KnowledgeBase.open(root) as kb:
        expected = {}
        for query in queries:
            hits = kb.search(query, limit=30, refresh=False)
            expected[query] = (hits[0].title, hits[0].status) if hits else None
    term = Terminal(root, "enter")
    right = 0
    wrong: list[str] = []
    try:
        term.wait_for(lambda rows: len(rows) > 4 and "Recently" in rows[3], 30)
        time.sleep(1.5)
        for query in queries:
            want = expected[query]
            term.type_and_enter(query)
            term.wait_for(note_shown, 10)
            time.sleep(0.2)
            rows = term.screen()
            opened = rows[0].strip()
            if want is not None and opened.startswith(want[0][:60]) and want[1] in rows[1]:
                right += 1
            else:
                wrong.append(f"{query!r}: opened {opened[:50]!r}, top hit {want}")
            home_idle(term)
    finally:
        term.close()
    return right, len(queries), wrong


# -- searching in-process, as a process, and the baselines -----------------------------------


def prefixes(phrases: list[str]) -> list[str]:
    """Every prefix of two characters or more, in typing order."""
    return [phrase[:end] for phrase in phrases for end in range(2, len(phrase) + 1)]


def api_figures(root: Path, queries: list[str]) -> dict[str, float]:
    """p95 (ms) of the API's default search (fresh) and of the same without freshness, at
    the API's limit of 10, and of the app's keystroke search at its limit of 30."""
    from kb import KnowledgeBase

    figures: dict[str, float] = {}
    with KnowledgeBase.open(root) as kb:
        kb.search("warm up", refresh=False)
        kb.search("warm up")
        calls = (
            ("fresh", lambda q: kb.search(q)),
            ("no refresh", lambda q: kb.search(q, refresh=False)),
            ("app limit 30", lambda q: kb.search(q, limit=30, refresh=False, budget=0.06)),
        )
        # Every query once first: each figure then meets the same warm caches, whichever
        # runs first (the first pass over a query reads its postings from disk).
        for query in queries:
            kb.search(query, refresh=False)
            kb.search(query, limit=30, refresh=False)
        times: dict[str, list[float]] = {label: [] for label, _call in calls}
        for query in queries:
            for label, call in calls:
                started = time.perf_counter()
                call(query)
                times[label].append((time.perf_counter() - started) * 1000)
        for label, taken in times.items():
            figures[label] = percentile(taken, 95)
            figures[label + " p50"] = percentile(taken, 50)
    return figures


def cli_seconds(root: Path, query: str, runs: int) -> list[float]:
    """Wall seconds of ``kb search`` processes, start-up included."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kb", "--kb", str(root), "search", query], env=env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        times.append(time.perf_counter() - started)
    return times


def edit_notes(root: Path, count: int, rng: random.Random) -> None:
    """Append a line to ``count`` notes, as a technician (or a pull) would change them."""
    notes = sorted((root / "notes").rglob("*.md"))
    for path in rng.sample(notes, count):
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"\nChecked again on {rng.randrange(1, 28)} November.\n")


def fts5_figures(root: Path, work: Path, queries: list[str]) -> dict[str, float]:
    """SQLite FTS5 on the same files: build seconds and keystroke p50/p95 (ms), LIMIT 30."""
    database = work / f"fts5-{root.name}.sqlite"
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    connection.execute("CREATE VIRTUAL TABLE fts USING fts5(path, body, "
                       "tokenize='porter unicode61', prefix='2 3 4')")  # fmt: skip
    rows = ((str(p), p.read_text(encoding="utf-8", errors="replace"))
            for p in (root / "notes").rglob("*.md"))  # fmt: skip
    with connection:
        connection.executemany("INSERT INTO fts(path, body) VALUES (?, ?)", rows)
    build = time.perf_counter() - started
    times = []
    for query in queries:
        tokens = ['"' + token.replace('"', '""') + '"' for token in query.split()]
        tokens[-1] += "*"
        started = time.perf_counter()
        connection.execute(
            "SELECT path, snippet(fts, 1, '[', ']', '…', 12) FROM fts WHERE fts MATCH ? "
            "ORDER BY bm25(fts) LIMIT 30", (" ".join(tokens),),
        ).fetchall()  # fmt: skip
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    return {"build s": build, "p50": percentile(times, 50), "p95": percentile(times, 95)}


def rg_seconds(root: Path, word: str, runs: int = 5) -> float | None:
    """Median wall seconds of ``rg -il word notes/`` (None when ripgrep is not installed)."""
    if shutil.which("rg") is None:
        return None
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(["rg", "-il", word, str(root / "notes")], stdout=subprocess.DEVNULL,
                       check=False)  # fmt: skip
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# -- the report ----------------------------------------------------------------------------------

#: Targets of the issue, per KB: results after the last key (ms), kb search median (ms),
#: after 10 edits (ms), keystroke p95 at limit 30 (ms).
TARGETS: dict[str, dict[str, float]] = {
    "5k": {"results": 150, "cli": 350, "keystroke": 50},
    "20k": {"results": 100, "keystroke": 16},
    "40k": {"results": 150, "cli": 250, "cli_edits": 400, "paint": 500, "recent": 1000},
}
ENTER_QUERIES = [*PHRASES, "printer", "vpn dns", "outlook", "wifi drop", "mfa prompts",
                 "slow logon", "mapped drive", "blue screen", "citrix session", "dock monitor",
                 "shared mailbox", "trust relationship"]  # fmt: skip


def measure(work: Path, name: str, args: argparse.Namespace) -> None:
    """Every figure for one KB, each beside its target."""
    root = build(work, name)
    count, engine, _tldr = KBS[name]
    goals = TARGETS[name]
    print(f"\n== {name}: {count} notes, {engine} ({root}) ==", flush=True)
    # One start varies by a hundred milliseconds with the machine: the median of several.
    starts = [first_paint(root, start) for start in range(args.starts)]
    for index, (label, goal) in enumerate((("app first paint (search box on screen)", "paint"),
                                          ("app recent notes on screen", "recent"))):  # fmt: skip
        seen = sorted(start[index] * 1000 for start in starts if start[index] is not None)
        median = statistics.median(seen) if len(seen) == len(starts) else float("nan")
        line(f"{label}, median of {len(starts)}", median, goals.get(goal))
        if seen:
            print(f"    each start: {', '.join(f'{value:.0f}' for value in seen)} ms")
    if not args.no_typing:
        for interval in (0.15, 0.06):
            typing = typing_figures(root, interval, PHRASES[: args.phrases], args.terminal)
            echoes, results = typing["echoes"], typing["results"]
            assert isinstance(echoes, list) and isinstance(results, list)
            label = f"typing a key every {interval * 1000:.0f} ms ({args.terminal})"
            line(f"{label}: character on screen, median", percentile(echoes, 50), 16)
            line(f"{label}: character on screen, p99", percentile(echoes, 99), 50)
            line(f"{label}: full text's results on screen, median",
                 percentile(results, 50), goals["results"])  # fmt: skip
            line(f"{label}: full text's results on screen, max", max(results or [0]), None)
    right, total, wrong = enter_tries(root, ENTER_QUERIES[: args.enter])
    verdict = "met" if right == total else "NOT met"
    print(f"  {'Enter with the last character opens the top hit':<58} {right:>5}/{total}"
          f"      target {total}/{total}: {verdict}")  # fmt: skip
    for miss in wrong:
        print(f"    {miss}")
    queries = prefixes(PHRASES)
    api = api_figures(root, queries)
    line("KnowledgeBase.search() fresh (default), p95, limit 10", api["fresh"],
         2 * api["no refresh"])  # fmt: skip
    line("KnowledgeBase.search(refresh=False), p95, limit 10", api["no refresh"], None)
    line("keystroke search at the app's limit of 30, p95", api["app limit 30"],
         goals.get("keystroke"))  # fmt: skip
    line("keystroke search at the app's limit of 30, p50", api["app limit 30 p50"], None)
    runs = cli_seconds(root, "printer offline", args.runs)
    line("kb search as a process, nothing changed, median", statistics.median(runs) * 1000,
         goals.get("cli"))  # fmt: skip
    after = []
    rng = random.Random(7)
    for _ in range(max(3, args.runs // 2)):
        edit_notes(root, 10, rng)
        after.extend(cli_seconds(root, "printer offline", 1))
    line("kb search as a process after 10 edits, median", statistics.median(after) * 1000,
         goals.get("cli_edits"))  # fmt: skip
    # The searches took the edits in note by note; kb index then compacts a Tantivy index
    # (Whoosh needs none), so that it ranks as a rebuilt one.
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kb", "--kb", str(root), "index"], env=env(),
                          capture_output=True, text=True, check=False)  # fmt: skip
    line("kb index after those edits (compaction included)", time.perf_counter() - started,
         None, "s")  # fmt: skip
    compacted = re.search(r"compacted: dropped (\d+)", done.stdout)
    found = f"{compacted.group(1)} old versions dropped" if compacted else "no compaction"
    print(f"    {found}")
    subprocess.run(["git", "checkout", "-q", "--", "notes"], cwd=root, check=False)
    fts = fts5_figures(root, work, queries)
    line("for scale: SQLite FTS5 keystroke p50, LIMIT 30", fts["p50"], None)
    line("for scale: SQLite FTS5 keystroke p95, LIMIT 30", fts["p95"], None)
    line("for scale: SQLite FTS5 build", fts["build s"], None, "s")
    rg = rg_seconds(root, "offline")
    if rg is not None:
        line("for scale: rg -il offline notes/ (process), median", rg * 1000, None)


def main(argv: Sequence[str] | None = None) -> int:
    """Build what is missing, then measure each KB asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the KBs (kept)")
    parser.add_argument("--kbs", default="5k,20k,40k", help="which KBs (5k, 20k, 40k)")
    parser.add_argument("--build-only", action="store_true", help="make the KBs, measure nothing")
    parser.add_argument("--no-typing", action="store_true", help="skip the typing figures")
    parser.add_argument("--phrases", type=int, default=4, help="phrases typed per speed")
    parser.add_argument("--enter", type=int, default=20, help="tries of Enter with the last key")
    parser.add_argument("--runs", type=int, default=7, help="kb search processes per figure")
    parser.add_argument("--starts", type=int, default=5,
                        help="app starts for the first paint figures (their median)")  # fmt: skip
    parser.add_argument(
        "--terminal", choices=("pty", "tmux"), default="pty",
        help="how typing is watched: a pty read as the app writes (pyte), or tmux copies",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is needed to drive the app in a real terminal", file=sys.stderr)
        return 2
    args.work.mkdir(parents=True, exist_ok=True)
    names = [name.strip() for name in args.kbs.split(",") if name.strip()]
    for name in names:
        if name not in KBS:
            print(f"unknown KB {name!r} (choose from {', '.join(KBS)})", file=sys.stderr)
            return 2
    print(f"kb keystroke benchmark, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    for name in names:
        if args.build_only:
            build(args.work, name)
        else:
            measure(args.work, name, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
