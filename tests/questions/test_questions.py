"""Find out and get back: ask, follow up, update, answer — through the core and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes.errors import KBError
from kb.questions.asking import (
    add_update_entry,
    answer,
    append_update,
    ask,
    convert_to_fix,
    followups,
    waiting_line,
)
from tests.helpers import Cli, git_log, no_traceback, write

NOW = dt.datetime(2026, 11, 24, 14, 0)


def authors(root: Path) -> list[str]:
    """Commit authors (name <email>), newest first."""
    out = subprocess.run(
        ["git", "log", "--format=%an <%ae>"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
    return out.splitlines()


def updates_section(text: str) -> str:
    """The ``## Updates`` section as bytes on disk: from its heading to the end of the file."""
    return text[text.index("## Updates") :]


def stderr_lines(result: object) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]  # type: ignore[attr-defined]


# -- the journey from the issue, through the command line -----------------------------------------


def test_ask_followups_update_answer_end_to_end(cli: Cli, kb_root: Path) -> None:
    before = len(git_log(kb_root))
    late = cli(
        "ask",
        "Shared calendar of the board room shows blank after the mailbox migration",
        "--ticket",
        "INC0041005",
        "--asked-by",
        "Tom Kowalski x4412",
        "--promised",
        "2020-03-02 09:00",
        "--late",
    )
    no_traceback(late)
    assert late.exit_code == 0, late.output
    assert "Promised to Tom Kowalski x4412 by Mon 2 Mar 2020 09:00" in late.stdout
    assert "overdue" in late.stdout
    late_path = next(
        line.split()[1] for line in late.stdout.splitlines() if line.startswith("Saved ")
    )
    soon = cli(
        "ask",
        "Can the Teams room display be rotated to portrait",
        "--asked-by",
        "Ina Berg mobile 0170 555",
        "--promised",
        "+2h",
    )
    assert soon.exit_code == 0, soon.output
    assert "Promised to Ina Berg mobile 0170 555 by" in soon.stdout
    assert "(in 2 h)" in soon.stdout

    overdue = cli("followups", "--overdue")
    assert overdue.exit_code == 0, overdue.output
    assert "1 overdue question" in overdue.stdout
    assert "Shared calendar of the board room" in overdue.stdout
    assert "waiting: Tom Kowalski x4412" in overdue.stdout
    assert "INC0041005" in overdue.stdout
    assert "owner: Ana Tester" in overdue.stdout
    assert "Teams room" not in overdue.stdout and "Ina Berg" not in overdue.stdout

    listed = json.loads(cli("followups", "--json").stdout)
    assert [item["title"] for item in listed] == [
        "Shared calendar of the board room shows blank after the mailbox migration",
        "Can the Teams room display be rotated to portrait",
    ]
    assert [item["overdue"] for item in listed] == [True, False]
    assert listed[0]["asked_by"] == "Tom Kowalski x4412"
    assert listed[0]["promised"] == "2020-03-02T09:00"
    assert listed[0]["ticket"] == "INC0041005"
    assert listed[0]["owner"] == "Ana Tester"
    assert listed[0]["updates"] == 0 and listed[0]["last_update"] is None

    updated = cli(
        "update", late_path, "told", "caller", "the", "Exchange", "team", "is", "on", "it"
    )
    assert updated.exit_code == 0, updated.output
    text = (kb_root / late_path).read_text()
    log = updates_section(text)
    assert "Ana Tester: told caller the Exchange team is on it\n" in log
    after_update = json.loads(cli("followups", "--json", "--overdue").stdout)
    assert after_update[0]["updates"] == 1
    assert after_update[0]["last_update"].endswith(
        "Ana Tester: told caller the Exchange team is on it"
    )

    answered = cli(
        "answer",
        late_path,
        "--body-file",
        "-",
        input="1. Remove and re-add the calendar with Add-MailboxFolderPermission zebrafinch.\n"
        "2. Restart Outlook.\n",
    )
    no_traceback(answered)
    assert answered.exit_code == 0, answered.output
    assert "Get back to Tom Kowalski x4412 about INC0041005 (promised Mon 2 Mar 2020 09:00," in (
        answered.stdout
    )
    assert "overdue)" in answered.stdout

    fixed = (kb_root / late_path).read_text()
    assert "type: fix\n" in fixed and "status: not-validated\n" in fixed
    assert 'answered: "' in fixed
    assert updates_section(fixed) == log, "the update log survived byte for byte"
    issue = fixed.index("## Issue\nShared calendar of the board room")
    assert issue < fixed.index("## Resolution\n1. Remove and re-add") < fixed.index("## Updates")

    found = cli("search", "zebrafinch", "--json")
    assert found.exit_code == 0, found.output
    hits = json.loads(found.stdout)
    assert hits[0]["path"] == late_path and hits[0]["type"] == "fix"

    remaining = json.loads(cli("followups", "--json").stdout)
    assert [item["title"] for item in remaining] == [
        "Can the Teams room display be rotated to portrait"
    ]
    assert cli("followups", "--overdue").stdout.strip() == "No overdue questions."

    subjects = git_log(kb_root)[: len(git_log(kb_root)) - before]
    assert subjects == [
        "Answer: Shared calendar of the board room shows blank after the mailbox migration",
        "Update: Shared calendar of the board room shows blank after the mailbox migration",
        "New question: Can the Teams room display be rotated to portrait",
        "New question: Shared calendar of the board room shows blank after the mailbox migration",
    ]
    assert set(authors(kb_root)[: len(subjects)]) == {"Ana Tester <ana@example.org>"}


def test_ask_shows_what_may_already_be_known(cli: Cli) -> None:
    result = cli("ask", "printer offline jobs stuck in the spooler", "--promised", "eod")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Maybe already known:"
    assert "notes/printer-offline.md" in lines[1]
    assert "fix · validated" in lines[1]
    assert "Promised by" in result.stdout  # nobody named as waiting
    assert "--asked-by" in result.stdout


def test_a_question_note_holds_what_was_promised_to_whom(cli: Cli, kb_root: Path) -> None:
    result = cli(
        "ask",
        "Why does the scanner\nsave to the wrong share?",
        "--ticket",
        "inc0041777",
        "--asked-by",
        "Mia #2 desk: 4412",
        "--promised",
        "2036-12-01 15:30",
    )
    assert result.exit_code == 0, result.output
    path = kb_root / "notes/why-does-the-scanner-save-to-the-wrong-share.md"
    text = path.read_text()
    assert text.startswith("---\ntitle: Why does the scanner save to the wrong share?\n")
    assert "type: question\n" in text
    assert "status: wip\n" in text
    assert 'promised: "2036-12-01 15:30"\n' in text
    assert "ticket: INC0041777\n" in text
    assert "author: Ana Tester\n" in text
    assert "## Issue\nWhy does the scanner\nsave to the wrong share?\n" in text
    assert text.rstrip().endswith("## Updates")
    with KnowledgeBase.open(kb_root) as kb:
        note = kb.note(str(path))
        assert note.fields["asked_by"] == "Mia #2 desk: 4412"
        assert note.fields["promised"] == "2036-12-01 15:30"  # a string, not a YAML datetime
        assert note.tickets == ["INC0041777"]
    shown = cli("search", "scanner", "wrong", "share")
    assert "question" in shown.stdout.splitlines()[1]  # the badge in the hit's facts


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--promised", "tomorow 10:00"], "'tomorow' not understood; try 'tomorrow 10:00'"),
        (["--ticket", "not a ticket"], "does not look like a ticket id"),
    ],
)
def test_bad_ask_input_is_one_line_and_saves_nothing(
    cli: Cli, kb_root: Path, args: list[str], message: str
) -> None:
    before = git_log(kb_root)
    result = cli("ask", "Why is the VPN slow?", *args)
    no_traceback(result)
    assert result.exit_code == 2
    assert len(stderr_lines(result)) == 1
    assert message in result.stderr
    assert result.stderr.startswith("kb: ")
    assert git_log(kb_root) == before
    assert not list((kb_root / "notes").glob("why-is-the-vpn-slow*"))


def test_the_default_promise_comes_from_kb_toml(cli: Cli, kb_root: Path) -> None:
    toml = kb_root / "kb.toml"
    toml.write_text(toml.read_text() + '\n[questions]\ndefault_promise = "+4h"\n')
    result = cli("ask", "Is the plotter on floor 3 under warranty", "--asked-by", "Jo")
    assert result.exit_code == 0, result.output
    assert "(in 4 h)" in result.stdout
    listed = json.loads(cli("followups", "--json").stdout)
    promised = dt.datetime.fromisoformat(listed[0]["promised"])
    assert dt.timedelta(hours=3, minutes=58) < promised - dt.datetime.now() <= dt.timedelta(hours=4)


def test_followups_when_there_are_none(cli: Cli) -> None:
    for args, expected in ((["followups"], "No open questions."), (["followups", "--json"], "[]")):
        result = cli(*args)
        assert result.exit_code == 0
        assert result.stdout.strip() == expected


# -- updates --------------------------------------------------------------------------------------

HAND_WRITTEN = (
    "---\r\n"
    "title: Badge reader at door 4 rejects new cards\r\n"
    "type: question   # still open\r\n"
    "asked_by: Facilities, Lea x2200\r\n"
    "promised: 2026-11-20 12:00:00\r\n"
    "---\r\n"
    "Lea asked whether new cards need a re-encode.\r\n"
    "\r\n"
    "## Updates\r\n"
    "* 2026-11-19 09:00 Ben: vendor contacted\r\n"
    "  (ticket with the vendor is V-88)\r\n"
    "\r\n"
    "## Notes\r\n"
    "Door 4 firmware is older than the others.\r\n"
)


def test_an_update_goes_at_the_end_of_the_log_and_nothing_else_changes(
    cli: Cli, kb_root: Path
) -> None:
    path = kb_root / "notes/badge-reader.md"
    path.write_bytes(HAND_WRITTEN.encode())
    result = cli("update", "badge-reader", "called Lea: cards are being re-encoded")
    assert result.exit_code == 0, result.output
    after = path.read_bytes().decode()
    entry_start = after.index("- 2026") if "- 2026" in after else -1
    entry = after[entry_start : after.index("\r\n", entry_start) + 2]
    assert entry.endswith("Ana Tester: called Lea: cards are being re-encoded\r\n")
    assert after == HAND_WRITTEN.replace(
        "  (ticket with the vendor is V-88)\r\n",
        "  (ticket with the vendor is V-88)\r\n" + entry,
    )
    assert git_log(kb_root)[0] == "Update: Badge reader at door 4 rejects new cards"


def test_a_note_without_a_log_gets_one_at_the_end(cli: Cli, kb_root: Path) -> None:
    path = kb_root / "notes/printer-offline.md"
    before = path.read_text()
    result = cli("update", "notes/printer-offline.md", "shared with the print team")
    assert result.exit_code == 0, result.output
    after = path.read_text()
    assert after.startswith(before)
    added = after[len(before) :]
    assert added.startswith("\n## Updates\n- ")
    assert added.endswith(" Ana Tester: shared with the print team\n")
    assert added.count("\n") == 3


def test_update_entries_are_stamped_and_appended_in_order() -> None:
    text = "## Issue\nx\n\n## Updates\n\n## Cause\ny"
    once = add_update_entry(text, "- one")
    twice = add_update_entry(once, "- two")
    assert twice == "## Issue\nx\n\n## Updates\n- one\n- two\n\n## Cause\ny"
    # A log in a code block is not the log.
    fenced = "```\n## Updates\n```\n"
    assert add_update_entry(fenced, "- a") == fenced + "\n## Updates\n- a\n"
    # The last line without a newline gets one before the entry.
    assert add_update_entry("## Updates\n- a", "- b") == "## Updates\n- a\n- b\n"


def test_update_errors(cli: Cli, kb_root: Path) -> None:
    empty = cli("update", "printer-offline", "   ")
    assert empty.exit_code == 2 and "write the update" in empty.stderr
    missing = cli("update", "no-such-note-anywhere", "hello")
    assert missing.exit_code == 1 and "no note matches" in missing.stderr
    binary = kb_root / "notes/blob.md"
    binary.write_bytes(b"\xff\xfe not utf-8 \xff")
    bad = cli("update", "notes/blob.md", "hello")
    no_traceback(bad)
    assert bad.exit_code == 2 and "not UTF-8" in bad.stderr
    assert binary.read_bytes() == b"\xff\xfe not utf-8 \xff"


# -- answers --------------------------------------------------------------------------------------


def test_answer_refuses_what_is_not_a_question(cli: Cli, kb_root: Path) -> None:
    before = (kb_root / "notes/printer-offline.md").read_bytes()
    result = cli("answer", "printer-offline", "--body-file", "-", input="restart it")
    no_traceback(result)
    assert result.exit_code == 2
    assert stderr_lines(result) == [
        "kb: notes/printer-offline.md is a fix note, not a question; only questions can be answered"
    ]
    assert (kb_root / "notes/printer-offline.md").read_bytes() == before


def test_answer_without_a_terminal_needs_the_body_file(cli: Cli, kb_root: Path) -> None:
    cli("ask", "Why does Excel open files read only", "--promised", "eod")
    path = kb_root / "notes/why-does-excel-open-files-read-only.md"
    before = path.read_bytes()
    result = cli("answer", "why-does-excel-open-files-read-only")
    assert result.exit_code == 2
    assert stderr_lines(result) == ["kb: give the answer with --body-file FILE or - (stdin)"]
    empty = cli("answer", "why-does-excel-open-files-read-only", "--body-file", "-", input="\n \n")
    assert empty.exit_code == 2 and "the answer is empty" in empty.stderr
    assert path.read_bytes() == before


def test_the_answer_editor_starts_with_a_guide_that_is_not_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.cli.commands.questions import _answer_in_editor
    from kb.questions.asking import clean_answer

    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "guide = open(path).read()\n"
        "assert 'Question: Why is it slow?' in guide\n"
        "open(path, 'a').write('Turn off the indexer.\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    written = _answer_in_editor("Why is it slow?")
    assert written.startswith("<!-- kb:")
    assert clean_answer(written) == "Turn off the indexer."


def test_convert_to_fix_keeps_issue_and_log_and_fills_resolution() -> None:
    question = (
        "---\ntype: question\nstatus: wip\n---\n"
        "Why is the badge reader slow?\n\n## Updates\n- 2026-11-19 09:00 Ben: asked vendor\n"
    )
    fixed = convert_to_fix(question, "Badge reader slow", "Update the firmware.", NOW)
    assert fixed == (
        '---\ntype: fix\nstatus: not-validated\nanswered: "2026-11-24 14:00"\n---\n'
        "## Issue\nBadge reader slow\n\n"
        "Why is the badge reader slow?\n\n"
        "## Resolution\nUpdate the firmware.\n\n"
        "## Updates\n- 2026-11-19 09:00 Ben: asked vendor\n"
    )
    partial = "---\ntype: question\n---\n## Issue\nq\n\n## Resolution\nTried a reboot.\n"
    assert convert_to_fix(partial, "q", "Reseat the cable.", NOW).endswith(
        "## Resolution\nTried a reboot.\n\nReseat the cable.\n"
    )


def test_answering_through_the_core(kb: KnowledgeBase) -> None:
    asked = ask(
        kb,
        "Why do the Teams calls drop at noon",
        now=NOW,
        ticket="HELP-77",
        asked_by="Sam, desk 12",
        promised="tomorrow 10:00",
    )
    assert asked.question.promised == dt.datetime(2026, 11, 25, 10, 0)
    append_update(kb, asked.saved.path, "told Sam we are checking QoS", now=NOW)
    listed = followups(kb, now=NOW)
    assert [q.path for q in listed] == [asked.saved.path]
    assert not listed[0].is_overdue(NOW)
    assert followups(kb, now=NOW, overdue_only=True) == []
    assert followups(kb, now=dt.datetime(2026, 11, 25, 11, 0), overdue_only=True)[0].ticket == (
        "HELP-77"
    )
    later = dt.datetime(2026, 11, 25, 12, 30)
    done = answer(kb, asked.saved.path, "## Resolution\nRaise the QoS priority.", now=later)
    assert waiting_line(done.question, later) == (
        "Get back to Sam, desk 12 about HELP-77 (promised Wed 25 Nov 10:00, 2 h overdue)"
    )
    text = kb.read_text(asked.saved.path)
    assert text.count("## Resolution") == 1
    assert 'answered: "2026-11-25 12:30"' in text
    assert followups(kb, now=later) == []
    with pytest.raises(KBError, match="not a question"):
        answer(kb, asked.saved.path, "again", now=later)


def test_followups_order_and_what_counts_as_open(kb_root: Path) -> None:
    question = "---\ntitle: {title}\ntype: question\nstatus: {status}\n{extra}---\n## Issue\nq\n"
    notes = {
        "later": ("Later one", "wip", 'promised: "2026-11-30 09:00"\n'),
        "sooner": ("Sooner one", "wip", "promised: 2026-11-25\n"),  # a YAML date: read leniently
        "unpromised": ("No promise", "wip", ""),
        "archived": ("Given up", "archived", 'promised: "2026-11-01 09:00"\n'),
        "answered": ("Answered", "wip", 'answered: "2026-11-02 09:00"\n'),
        "odd": ("Odd promise", "wip", "promised: next week sometime\n"),
    }
    for name, (title, status, extra) in notes.items():
        write(
            kb_root, f"notes/q/{name}.md", question.format(title=title, status=status, extra=extra)
        )
    with KnowledgeBase.open(kb_root) as kb:
        listed = followups(kb, now=NOW)
    assert [q.title for q in listed] == ["Sooner one", "Later one", "Odd promise", "No promise"]
    assert listed[0].promised == dt.datetime(2026, 11, 25, 12, 0)


def test_answering_a_hand_written_question_keeps_its_line_endings(kb_root: Path) -> None:
    path = kb_root / "notes/badge-reader.md"
    path.write_bytes(HAND_WRITTEN.encode())
    with KnowledgeBase.open(kb_root) as kb:
        done = answer(kb, "badge-reader", "Re-encode the cards.\nThen test door 4.", now=NOW)
    assert done.question.asked_by == "Facilities, Lea x2200"
    assert done.question.promised == dt.datetime(2026, 11, 20, 12, 0)  # a YAML datetime, read
    after = path.read_bytes().decode()
    assert after.count("\n") == after.count("\r\n")
    assert "type: fix   # still open\r\n" in after  # the comment is kept
    body = after[after.index("---\r\n", 4) + 5 :]
    assert body == (
        "## Issue\r\nBadge reader at door 4 rejects new cards\r\n\r\n"
        "Lea asked whether new cards need a re-encode.\r\n\r\n"
        "## Resolution\r\nRe-encode the cards.\r\nThen test door 4.\r\n\r\n"
        + HAND_WRITTEN[HAND_WRITTEN.index("## Updates") :]
    )
