"""The stats report says what it means: a top list is not a count, and a search that a note
now answers is no longer listed as one that found nothing."""

from __future__ import annotations

from pathlib import Path

from kb.search import log as searchlog
from tests.helpers import Cli, write

ZEBRA_NOTE = """---
title: Zebra label printer prints blank labels
type: fix
status: validated
tags: [printing, zebra]
---
## Issue
The zebra label printer feeds blank labels.

## Resolution
Calibrate the media sensor.
"""


def test_most_reused_is_a_list_of_tickets_solved_not_a_count(cli: Cli) -> None:
    report = cli("stats").stdout
    line = next(line for line in report.splitlines() if line.startswith("Most reused"))
    assert line == "Most reused notes (tickets each solved):"
    assert "tickets  Printer shows offline" in report or "ticket   Printer" in report


def test_a_failed_search_a_note_now_answers_leaves_the_report(cli: Cli, kb_root: Path) -> None:
    searchlog.record(kb_root, "zebra blank labels", 0, True, "cli")
    searchlog.record(kb_root, "quokka firmware", 0, True, "cli")
    before = cli("stats").stdout
    assert "zebra blank labels" in before and "quokka firmware" in before
    write(kb_root, "notes/zebra-blank-labels.md", ZEBRA_NOTE)
    assert cli("index").exit_code == 0
    after = cli("stats").stdout
    assert "zebra blank labels" not in after
    assert "quokka firmware" in after
