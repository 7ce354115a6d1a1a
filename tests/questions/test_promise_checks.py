"""``kb ask --promised`` refuses a time that has already passed, unless told it is late."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import Cli, git_log, no_traceback


def test_a_promise_in_the_past_is_refused_with_one_line(cli: Cli, kb_root: Path) -> None:
    before = git_log(kb_root)
    result = cli("ask", "Why is the scanner slow", "--promised", "2020-03-02 09:00")
    no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "kb: the promised time Mon 2 Mar 2020 09:00 has already passed; give a time to come "
        "(+2h, tomorrow 10:00), or add --late to record it as overdue"
    ]
    assert git_log(kb_root) == before


def test_late_records_a_promise_already_due(cli: Cli) -> None:
    result = cli("ask", "Why is the scanner slow", "--promised", "2020-03-02 09:00", "--late")
    assert result.exit_code == 0, result.output
    assert "overdue" in result.stdout
