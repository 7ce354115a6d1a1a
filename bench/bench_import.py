"""Time ``kb import`` on big service-desk exports: a generated ServiceNow CSV (50,000 rows by
default) and a Jira CSV, each imported into a fresh KB, imported again (a no-op), then the
index brought up to date (measured alone).

    python bench/bench_import.py                      # 50,000 ServiceNow + 10,000 Jira rows
    python bench/bench_import.py --rows 5000 --jira-rows 1000
    python bench/bench_import.py --keep /tmp/kb-import-bench
    python bench/bench_import.py --big 1000000        # one huge export: rows/s and peak RSS

``--big`` imports one generated ServiceNow export in a child process of its own, so that its
peak resident memory is the import's alone, and checks the targets: memory bounded by a batch
(peak RSS at most 300 MB), every ticket committed and indexed, nothing left uncommitted.

Only kb's public API is used (``KnowledgeBase.init``, ``import_tickets``, ``reindex``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb import KnowledgeBase

SYSTEMS = [
    "Outlook",
    "Teams",
    "VPN",
    "Wi-Fi",
    "printer",
    "OneDrive",
    "SAP GUI",
    "Citrix",
    "BitLocker",
]
SYMPTOMS = [
    "keeps asking for the password",
    "crashes on start with error 0x80070005",
    "cannot connect since this morning",
    "is very slow after the update KB5034441",
    "shows offline although the network works",
    "does not sync files to the laptop",
    "freezes when opening attachments",
]
PEOPLE = ["Maria Garcia", "Tom Becker", "Lena Fischer", "Sam Patel", "Chris Wong", "Priya Nair"]
AGENTS = ["Ana Lopez", "Ben Okafor", "Hugo Silva", "Claire Martin"]
FIXES = [
    "Cleared cached credentials in Credential Manager and re-created the profile.",
    "Reinstalled the client from Software Center and rebooted.",
    "Reset the network stack (netsh winsock reset) and renewed the DHCP lease.",
    "Restarted the print spooler on srv-print01 and cleared the queue.",
    "Re-synced the device in Intune and applied the pending updates.",
]


def servicenow_csv(path: Path, rows: int, rng: random.Random) -> None:
    """A ServiceNow incident export: field names, display values, multi-line descriptions."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, quoting=csv.QUOTE_ALL)
        out.writerow(
            ["number", "short_description", "caller_id", "category", "subcategory", "state",
             "assigned_to", "opened_at", "resolved_at", "close_code", "close_notes",
             "description", "comments_and_work_notes"]
        )  # fmt: skip
        for number in range(rows):
            system, symptom = rng.choice(SYSTEMS), rng.choice(SYMPTOMS)
            day, hour = 1 + number % 28, 8 + number % 9
            agent = rng.choice(AGENTS)
            out.writerow(
                [
                    f"INC{1_000_000 + number:07d}",
                    f"{system} {symptom}",
                    rng.choice(PEOPLE),
                    "Software",
                    system,
                    rng.choice(["Resolved", "Closed", "In Progress", "New"]),
                    agent,
                    f"2026-10-{day:02d} {hour:02d}:14:22",
                    f"2026-10-{day:02d} {hour + 1:02d}:02:51",
                    "Solved (Permanently)",
                    rng.choice(FIXES),
                    f"The caller says {system} {symptom}.\nIt started after the weekend.\n"
                    f"Laptop LT-{rng.randint(1000, 9999)}, Windows 11 23H2.",
                    f"2026-10-{day:02d} {hour:02d}:30:00 - {agent} (Work notes)\n"
                    "Checked the account: no lockout.\n\n",
                ]
            )


def jira_csv(path: Path, rows: int, rng: random.Random) -> None:
    """A Jira Service Management export: repeated Labels and Comment headers, wiki markup."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["Summary", "Issue key", "Issue Type", "Status", "Assignee", "Reporter", "Created",
             "Resolved", "Labels", "Labels", "Description", "Comment", "Comment"]
        )  # fmt: skip
        for number in range(rows):
            system, symptom = rng.choice(SYSTEMS), rng.choice(SYMPTOMS)
            out.writerow(
                [
                    f"{system} {symptom}",
                    f"HELP-{number + 1}",
                    "Incident",
                    rng.choice(["Done", "In Progress", "Open"]),
                    rng.choice(AGENTS),
                    rng.choice(PEOPLE),
                    f"{1 + number % 28:02d}/Oct/26 9:14 AM",
                    f"{1 + number % 28:02d}/Oct/26 2:40 PM",
                    system.lower().replace(" ", "-"),
                    "helpdesk",
                    f"h3. What happens\n*{system}* {symptom}.\n{{code}}ipconfig /all{{code}}",
                    f"{1 + number % 28:02d}/Oct/26 10:02 AM;{rng.choice(AGENTS)};"
                    + rng.choice(FIXES),
                    f"{1 + number % 28:02d}/Oct/26 2:40 PM;{rng.choice(AGENTS)};Caller confirms.",
                ]
            )


def measure(work: Path, name: str, export: Path, engine_choice: str) -> None:
    """Import, import again, reindex; print the figures."""
    root = work / f"kb-{name}"
    KnowledgeBase.init(root)
    (root / "kb.toml").write_text(f'[search]\nengine = "{engine_choice}"\n')
    size = export.stat().st_size / 1_000_000
    with KnowledgeBase.open(root) as kb:
        engine = kb.index.factory.name
        started = time.perf_counter()
        first = kb.import_tickets(export)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = kb.import_tickets(export)
        again_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = kb.reindex()
        reindex_seconds = time.perf_counter() - started
        hits = kb.search("password credential manager", limit=5, refresh=False)
    commits = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    print(f"\n{name}: {export.name}, {size:.1f} MB, engine {engine}")
    print(f"  import         {first_seconds:8.1f} s  {first.summary()}")
    rate = first.tickets / first_seconds
    print(f"                 {rate:,.0f} tickets/s, {len(first.commits)} commits")
    print(f"  re-import      {again_seconds:8.1f} s  {again.summary()} (commits: {commits})")
    print(f"  reindex        {reindex_seconds:8.1f} s  {report.touched} documents touched")
    print(f"  search         {len(hits)} hits for 'password credential manager'")


#: The memory target of a big import: one batch, whatever the size of the export.
RSS_TARGET_MB = 300.0


def _rss_mb() -> float:
    """Resident memory of this process now, in MB (10^6 bytes)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


def child_import(root: Path, export: Path) -> None:
    """Import ``export`` into ``root`` (the child process of ``--big``); print the figures."""
    from kb.tickets.importers.save import ImportProgress, import_tickets

    last = [time.monotonic()]

    def progress(step: ImportProgress) -> None:
        if time.monotonic() - last[0] < 30:
            return
        last[0] = time.monotonic()
        print(
            f"    {step.seconds:7.0f} s  {step.rows:>9,} rows  {step.rate:6.0f} rows/s  "
            f"{step.committed:>9,} committed  RSS {_rss_mb():5.0f} MB  ({step.step})",
            flush=True,
        )

    started = time.perf_counter()
    with KnowledgeBase.open(root) as kb:
        report = import_tickets(kb, export, progress=progress)
    seconds = time.perf_counter() - started
    figures = {
        "seconds": seconds,
        "rows": report.rows,
        "new": report.new,
        "bad": report.bad_count,
        "commits": len(report.commits),
        "warning": report.saved.commit.warning
        if report.saved is not None and report.saved.commit is not None
        else None,
        "index_warning": report.saved.index_warning if report.saved is not None else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
    }
    print("RESULT " + json.dumps(figures), flush=True)


def measure_big(work: Path, rows: int, engine_choice: str, rng: random.Random) -> bool:
    """Generate a ``rows``-row ServiceNow export, import it in a child process, check the
    targets; True when every one is met."""
    export = work / "incidents-big.csv"
    started = time.perf_counter()
    servicenow_csv(export, rows, rng)
    size = export.stat().st_size / 1_000_000
    print(f"\nbig: {export.name}, {rows:,} rows, {size:,.0f} MB, made in "
          f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    root = work / "kb-big"
    KnowledgeBase.init(root)
    (root / "kb.toml").write_text(f'[search]\nengine = "{engine_choice}"\n')
    with KnowledgeBase.open(root) as kb:
        engine = kb.index.factory.name
    print(f"  engine {engine}; importing in a child process (a line every 30 s):", flush=True)
    child = subprocess.Popen(
        [sys.executable, __file__, "--child-import", str(root), str(export)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    result: dict[str, object] = {}
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
        else:
            print(line, end="", flush=True)
    child.wait()
    if child.returncode != 0 or not result:
        print(f"  the import failed (exit {child.returncode})")
        return False

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True
        ).stdout

    tracked = len(git("ls-files", "tickets").splitlines()) - 1  # tickets/.gitkeep
    left = len(git("status", "--porcelain", "--untracked-files=all", "tickets").splitlines())
    with KnowledgeBase.open(root) as kb:
        indexed = kb.index.engine().count()
    seconds = float(result["seconds"])  # type: ignore[arg-type]
    peak = float(result["peak_rss_mb"])  # type: ignore[arg-type]
    print(f"  import         {seconds:8.0f} s  {rows / seconds:,.0f} rows/s, "
          f"{result['commits']} commits")  # fmt: skip
    print(f"  peak RSS       {peak:8.0f} MB (the kb process; git runs beside it)")
    if result["warning"] or result["index_warning"]:
        print(f"  warnings       {result['warning']} {result['index_warning']}")
    targets = [
        (f"peak RSS <= {RSS_TARGET_MB:.0f} MB", f"{peak:.0f} MB", peak <= RSS_TARGET_MB),
        ("every row imported", f"{result['new']:,} new of {rows:,}", result["new"] == rows),
        ("every ticket committed", f"{tracked:,} tracked", tracked == rows),
        ("nothing left uncommitted", f"{left:,} files", left == 0),
        ("every ticket indexed", f"{indexed:,} documents", indexed >= rows),
    ]
    print("\n  target                     measured                 met")
    for name, measured, met in targets:
        print(f"  {name:<26} {measured:<24} {'yes' if met else 'NO'}")
    return all(met for _, _, met in targets)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child-import":
        child_import(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="ServiceNow rows (50,000)")
    parser.add_argument("--jira-rows", type=int, default=10_000, help="Jira rows (10,000; 0 skips)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--engine", choices=["auto", "whoosh", "tantivy"], default="auto", help="search engine"
    )
    parser.add_argument("--keep", type=Path, help="work here and keep everything")
    parser.add_argument(
        "--big", type=int, metavar="ROWS", help="import one export of ROWS rows, check targets"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = args.keep or Path(tempfile.mkdtemp(prefix="kb-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.big:
            met = measure_big(work, args.big, args.engine, rng)
            sys.stdout.flush()
            sys.exit(0 if met else 1)
        servicenow = work / "incidents.csv"
        servicenow_csv(servicenow, args.rows, rng)
        measure(work, "servicenow", servicenow, args.engine)
        if args.jira_rows:
            jira = work / "jira.csv"
            jira_csv(jira, args.jira_rows, rng)
            measure(work, "jira", jira, args.engine)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
