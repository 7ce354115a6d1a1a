"""Imports at the limits: a cell of 50 MB, JSON nested 10,000 deep, exports read and committed
a batch at a time, and an import killed midway that the next import (or ``kb save``) finishes."""

from __future__ import annotations

import csv
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.tickets.importers.save import ImportProgress, import_tickets
from tests.helpers import PROJECT, Cli, git_log, no_traceback, write

HEADER = ["number", "short_description", "description", "close_notes"]


def _rows(count: int, start: int = 0) -> list[list[str]]:
    return [
        [
            f"INC{start + number:07d}",
            f"Outlook asks for the password again ({start + number})",
            "The caller says Outlook keeps asking for the password after the mailbox move.",
            "Cleared the cached credentials and re-created the profile.",
        ]
        for number in range(count)
    ]


def _export(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def _new_kb(root: Path) -> Path:
    KnowledgeBase.init(root)
    return root


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def _commits(root: Path) -> int:
    return int(_git(root, "rev-list", "--count", "HEAD"))


def _uncommitted_records(root: Path) -> list[str]:
    """Ticket records git does not have as they are on disk (temporary files aside)."""
    lines = _git(
        root, "--no-optional-locks", "status", "--porcelain", "--untracked-files=all", "tickets"
    )
    return [
        line[3:]
        for line in lines.splitlines()
        if line[3:].endswith(".md") and not Path(line[3:]).name.startswith(".")
    ]


# -- a huge cell --------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["one line", "many lines with quotes"])
def test_a_huge_csv_cell_is_one_bad_row_and_the_rows_after_it_are_imported(
    tmp_path: Path, shape: str
) -> None:
    root = _new_kb(tmp_path / "kb")
    if shape == "one line":
        huge = "x" * (50 * 1024 * 1024)
    else:  # the reader must follow the quotes to find where the record ends
        huge = ('He said "it is broken", then, again:\n' * 40_000) * 35
    rows = [*_rows(1), ["INC0000900", "Huge", huge, ""], *_rows(8, start=1)]
    export = _export(tmp_path / "huge.csv", rows)
    result = Cli(root)("import", str(export))
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    assert "9 tickets: 9 new, 0 updated, 0 unchanged, 1 bad row (line 3)" in result.output
    assert "line 3: over 16 MB" in result.stderr
    for number in range(9):
        assert (root / f"tickets/INC{number:07d}.md").exists()
    assert not (root / "tickets/INC0000900.md").exists()
    assert _uncommitted_records(root) == []


def test_a_huge_json_ticket_is_one_bad_record_and_the_tickets_after_it_are_imported(
    tmp_path: Path,
) -> None:
    root = _new_kb(tmp_path / "kb")
    tickets = [
        {"number": f"INC{n:07d}", "short_description": f"Ticket {n}", "sys_id": str(n)}
        for n in range(6)
    ]
    tickets[2]["description"] = 'a "quoted" {[brace]}\\ ' * (1024 * 1024)
    export = tmp_path / "incidents.json"
    export.write_text(json.dumps({"records": tickets}), encoding="utf-8")
    result = Cli(root)("import", str(export))
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    assert "5 tickets: 5 new, 0 updated, 0 unchanged, 1 bad row (record 3)" in result.output
    assert (root / "tickets/INC0000005.md").exists()


# -- deep JSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"records": [' + '{"a": ' * 10_000 + "1" + "}" * 10_000 + "]}",
        '{"result": [{"number": "INC1", "sys_id": "1", "x": ' + "[" * 10_000 + "]" * 10_000,
    ],
    ids=["lists", "objects", "inside-a-ticket"],
)
def test_json_nested_10000_deep_is_one_clear_line(tmp_path: Path, text: str) -> None:
    root = _new_kb(tmp_path / "kb")
    export = tmp_path / "deep.json"
    export.write_text(text, encoding="utf-8")
    result = Cli(root)("import", str(export))
    no_traceback(result)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "too deep" in lines[0] and "unexpected" not in lines[0], lines
    assert _commits(root) == 1 and not list((root / "tickets").glob("*.md"))


def test_a_truncated_json_export_imports_nothing(tmp_path: Path) -> None:
    root = _new_kb(tmp_path / "kb")
    export = tmp_path / "cut.json"
    whole = json.dumps([{"number": f"INC{n:07d}", "short_description": "x"} for n in range(50)])
    export.write_text(whole[: len(whole) // 2], encoding="utf-8")
    result = Cli(root)("import", str(export))
    no_traceback(result)
    assert result.exit_code == 2 and "is not valid JSON" in result.stderr
    assert not list((root / "tickets").glob("*.md"))


# -- streaming and batches ----------------------------------------------------------------------


def test_an_import_is_committed_in_batches_as_it_goes(tmp_path: Path) -> None:
    root = _new_kb(tmp_path / "kb")
    export = _export(tmp_path / "incidents.csv", _rows(450))
    seen: list[ImportProgress] = []
    with KnowledgeBase.open(root) as kb:
        report = import_tickets(kb, export, batch_rows=100, progress=seen.append)
    assert report.new == 450 and len(report.commits) == 5
    assert git_log(root)[:5] == [
        "Import 50 tickets from incidents.csv (part 5, the last): 50 new, 0 updated",
        *[
            f"Import 100 tickets from incidents.csv (part {part}): 100 new, 0 updated"
            for part in (4, 3, 2, 1)
        ],
    ]
    first = report.commits[0]
    assert _git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", first).split() == [
        f"tickets/INC{number:07d}.md" for number in range(100)
    ]
    # The first batches were committed while the rest of the export was still being read.
    assert any(step.committed >= 100 and step.rows < 450 for step in seen)
    assert all(a.rows <= b.rows for a, b in itertools.pairwise(seen))
    assert _uncommitted_records(root) == []
    with KnowledgeBase.open(root) as kb:
        hits = kb.search("INC0000123", limit=3)
        assert hits and hits[0].path == "tickets/INC0000123.md"
        assert kb.reindex().touched == 0  # the batches' index entries are all there


def test_the_users_staged_changes_stay_out_of_the_import_commits(tmp_path: Path) -> None:
    root = _new_kb(tmp_path / "kb")
    write(root, "notes/draft.md", "# Draft\n\nNot ready.\n")
    _git(root, "add", "notes/draft.md")
    export = _export(tmp_path / "incidents.csv", _rows(30))
    with KnowledgeBase.open(root) as kb:
        report = import_tickets(kb, export, batch_rows=10)
    assert len(report.commits) == 3
    for sha in report.commits:
        changed = _git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", sha).split()
        assert changed and all(path.startswith("tickets/") for path in changed)
    assert _git(root, "status", "--porcelain").splitlines() == ["A  notes/draft.md"]


def test_a_record_that_looks_like_it_holds_a_secret_is_left_uncommitted_and_said(
    tmp_path: Path,
) -> None:
    root = _new_kb(tmp_path / "kb")
    rows = _rows(3)
    rows[1][3] = "Reset it. New password: Winter2026!x7"
    export = _export(tmp_path / "incidents.csv", rows)
    result = Cli(root)("import", str(export))
    no_traceback(result)
    assert "tickets/INC0000001.md" in result.stderr and "--allow-secrets" in result.stderr
    assert _uncommitted_records(root) == ["tickets/INC0000001.md"]
    assert "tickets/INC0000000.md" in _git(root, "ls-files", "tickets")


def test_long_imports_say_how_far_they_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.cli.commands import ticketing

    monkeypatch.setattr(ticketing._ImportProgress, "PROGRESS_EVERY", 0.0)
    root = _new_kb(tmp_path / "kb")
    export = _export(tmp_path / "incidents.csv", _rows(600))
    result = Cli(root)("import", str(export))
    no_traceback(result)
    progress = [line for line in result.stderr.splitlines() if "rows/s" in line]
    assert progress and all(line.startswith("kb: incidents.csv: Importing ") for line in progress)
    assert "600 tickets: 600 new" in result.output


# -- an import killed midway --------------------------------------------------------------------


def _committed_records(root: Path) -> set[str]:
    return set(_git(root, "ls-tree", "--name-only", "HEAD", "tickets/").split())


#: ``kb import`` as a real process, its batches of :data:`KILLED_BATCH` rows instead of 5,000:
#: its first commit, after which it is killed, comes after a few hundred rows, and the import
#: that finishes it has a few thousand rows to go through rather than tens of thousands.
KILLED_BATCH = 500
_SMALL_BATCH_KB = (
    "import sys\n"
    "from kb.tickets.importers.save import import_tickets\n"
    "import_tickets.__kwdefaults__['batch_rows'] = int(sys.argv.pop(1))\n"
    "from kb.cli import main\n"
    "main()\n"
)


def _killed_import(tmp_path: Path, rows: int) -> tuple[Path, Path, list[str]]:
    """A KB whose import of ``rows`` rows was killed (SIGKILL) after its first commit, while
    it was writing records it had not committed yet."""
    root = _new_kb(tmp_path / "kb")
    export = _export(tmp_path / "incidents.csv", _rows(rows))
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    batch = str(KILLED_BATCH)
    process = subprocess.Popen(
        [sys.executable, "-c", _SMALL_BATCH_KB, batch, "--kb", str(root), "import", str(export)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while process.poll() is None:
            if _commits(root) > 1:
                written = len(list((root / "tickets").glob("INC*.md")))
                if written >= len(_committed_records(root)) + 50:
                    break
            time.sleep(0.05)
        assert process.poll() is None, "the import ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    on_disk = {f"tickets/{path.name}" for path in (root / "tickets").glob("INC*.md")}
    left = sorted(on_disk - _committed_records(root))
    assert left, "the kill left nothing uncommitted"
    return root, export, left


def test_an_import_killed_midway_is_finished_by_the_next_import(tmp_path: Path) -> None:
    root, export, left = _killed_import(tmp_path, 2_500)
    assert 0 < len(left) < 2_500
    result = Cli(root)("import", str(export))
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    assert "an interrupted import had left uncommitted" in result.output
    assert "Nothing changed" not in result.output
    assert _uncommitted_records(root) == []
    tracked = set(_git(root, "ls-files", "tickets").split())
    assert {f"tickets/INC{number:07d}.md" for number in range(2_500)} <= tracked
    assert any("an interrupted import left uncommitted" in line for line in git_log(root))
    with KnowledgeBase.open(root) as kb:
        ticket = Path(left[0]).stem
        hits = kb.search(ticket, limit=3, refresh=False)  # indexed by the import itself
        assert hits and hits[0].path == left[0]


def test_kb_save_finishes_a_killed_import(tmp_path: Path) -> None:
    root, _export_file, left = _killed_import(tmp_path, 3_000)
    result = Cli(root)("save")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    assert _uncommitted_records(root) == []
    assert set(left) <= set(_git(root, "ls-files", "tickets").split())


def test_the_next_import_commits_only_records_an_import_wrote(tmp_path: Path) -> None:
    root = _new_kb(tmp_path / "kb")
    with KnowledgeBase.open(root) as kb:
        import_tickets(kb, _export(tmp_path / "first.csv", _rows(3)))
    # Left by an interrupted import: a record with its import marker, a temporary file;
    # typed by a person and not committed yet: a record without the marker.
    orphan = (root / "tickets/INC0000000.md").read_text().replace("(0)", "(zero)")
    write(root, "tickets/INC0000777.md", orphan.replace("INC0000000", "INC0000777"))
    write(root, "tickets/.INC0000778.md.k2j3h4.tmp", orphan)
    write(root, "tickets/INC0000779.md", "---\nid: INC0000779\ntitle: Typed\n---\n")
    with KnowledgeBase.open(root) as kb:
        report = import_tickets(kb, _export(tmp_path / "second.csv", _rows(2, start=100)))
    assert report.finished == 1 and report.new == 2
    assert git_log(root)[1] == "Commit 1 ticket record an interrupted import left uncommitted"
    assert sorted(_uncommitted_records(root)) == ["tickets/INC0000779.md"]
    assert "tickets/INC0000777.md" in _git(root, "ls-files", "tickets")
