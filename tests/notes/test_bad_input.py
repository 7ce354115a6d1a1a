"""Bad input from a teammate's repository or a service-desk export never hangs kb, never
reaches the terminal raw, never makes a note binary and never names a file Windows refuses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes.control_chars import storable, visible
from kb.notes.files import portable_name
from kb.notes.ticket_ids import DEFAULT_PATTERNS, TicketMatcher
from kb.notes.user_patterns import TIME_LIMIT, refusal, timed_out
from tests.helpers import PROJECT, Cli, built_once, git_log, no_traceback, use_engine, write

#: What a hostile export or commit puts in a field: a clipboard write (OSC 52), a link
#: (OSC 8), a screen clear (CSI 2J) and the 8-bit CSI.
OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
OSC8 = "\x1b]8;;http://x\x1b\\"
CLEAR = "\x1b[2J"
CSI8 = "\x9b"
HOSTILE = f"{OSC52}{OSC8}{CLEAR}{CSI8}"
#: Control characters that must never reach the terminal (tab and line feed may).
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _kb_process(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """kb in its own process: a hang fails the test instead of stopping the suite."""
    env = {"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin", "KB_DIR": str(root)}
    import os

    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "GIT_CONFIG_GLOBAL"):
        env[name] = os.environ[name]
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=root,
    )


def _empty_kb(path: Path) -> None:
    KnowledgeBase.init(path)
    use_engine(path, "whoosh")
    subprocess.run(["git", "add", "-A"], cwd=path, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "Engine"], cwd=path, check=True, capture_output=True)


@pytest.fixture
def root(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty KB (git repository) on the default engine."""
    return built_once(tmp_path_factory, "empty-whoosh", _empty_kb, tmp_path / "kb")


def _commit(root: Path, message: str = "Add") -> None:
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, capture_output=True)


# --- 10. catastrophic regular expressions and a huge synonym group ----------------------------


def test_dangerous_patterns_are_refused_and_safe_ones_kept() -> None:
    for pattern in [r"(a+)+$", r"(a|a)*", r"(a|aa)+$", r"(\w+)\1", r"(?:\d+\.)*\d+", "x" * 600]:
        assert refusal(pattern) is not None, pattern
    for pattern in [r"\bCASE-\d{6}\b", r"(?:INC|REQ)\d+", r"(ab|cd)*x", r"password:.*vault"]:
        assert refusal(pattern) is None, pattern
    assert "not a valid pattern" in str(refusal("["))
    assert refusal(12) == "not a string"


def test_catastrophic_patterns_in_kb_toml_never_hang_index_check_or_save(root: Path) -> None:
    (root / "kb.toml").write_text(
        '[search]\nengine = "whoosh"\n'
        "[tickets]\nextra_patterns = ['(a+)+$', '\\bCASE-\\d{6}\\b']\n"
        "[secrets]\npatterns = ['(x|xx)+y']\nallow = ['(\\w+)\\1']\n"
    )
    write(root, "notes/long-a.md", f"# Long run\n\nCASE-123456 {'a' * 60}!\n\n{'x' * 60}!\n")
    _commit(root)
    write(root, "notes/another.md", f"# Another\n\n{'a' * 60}! {'x' * 60}\n")
    started = time.monotonic()
    for command in (["index", "--rebuild"], ["check"], ["save"]):
        done = _kb_process(root, *command)
        assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr
        warnings = [line for line in done.stderr.splitlines() if "skipped" in line]
        if command != ["check"]:
            # One line for each refused pattern, naming its setting.
            assert len(warnings) == 3, done.stderr
            assert any("[tickets] extra_patterns" in line for line in warnings)
            assert any("[secrets] patterns" in line for line in warnings)
            assert any("[secrets] allow" in line for line in warnings)
        else:
            assert "[tickets] extra_patterns" in done.stdout
    assert time.monotonic() - started < 60
    assert git_log(root)[0] != "Add"  # the save committed the new note
    with KnowledgeBase.open(root) as kb:
        note = kb.note("notes/long-a.md")
        assert "CASE-123456" in note.mentioned_tickets  # the safe pattern still works


def test_a_pattern_that_runs_out_of_time_is_dropped_once_and_built_ins_go_on() -> None:
    slow = r"\w*\w*\w*\w*\w*q"  # passes the check, but backtracks polynomially
    assert refusal(slow) is None
    matcher = TicketMatcher((*DEFAULT_PATTERNS, slow))
    text = "INC0012345 " + "a" * 400 + " q"
    assert matcher.find(text) == ["INC0012345"]  # within the time limit (of CPU time)
    started = time.process_time()
    assert matcher.find(text) == ["INC0012345"]  # the second search does not wait again
    assert time.process_time() - started < TIME_LIMIT / 2
    lines = timed_out()
    assert len(lines) == 1 and "[tickets] patterns" in lines[0]
    assert timed_out() == []  # said once


def test_a_secret_pattern_out_of_time_matches_nothing_and_is_reported(root: Path) -> None:
    (root / "kb.toml").write_text(
        "[search]\nengine = \"whoosh\"\n[secrets]\npatterns = ['\\w*\\w*\\w*\\w*\\w*z']\n"
    )
    _commit(root, "Settings")
    body = root.parent / "body.md"
    body.write_text("## Issue\n\n" + ("b" * 400 + " z\n") * 3)
    done = _kb_process(root, "new", "--title", "Long words", "--body-file", str(body))
    assert done.returncode == 0, done.stderr
    timeouts = [line for line in done.stderr.splitlines() if "took more than" in line]
    assert len(timeouts) == 1 and "[secrets] patterns" in timeouts[0]
    assert git_log(root)[0] == "New fix: Long words"


def _synonyms_file(root: Path, count: int) -> None:
    (root / "synonyms.txt").write_text(", ".join(f"word{n}" for n in range(count)) + "\n")


def test_a_huge_synonym_group_builds_once_and_expands_a_word_a_bounded_number_of_times(
    root: Path,
) -> None:
    from kb.search import synonyms
    from kb.search.plan import build_plan
    from kb.search.query import parse

    _synonyms_file(root, 5_000)
    write(root, "notes/w.md", "# Terms\n\nThe word3 and the word4999 appear here.\n")
    _commit(root)
    table = synonyms.load(root)
    assert len(table.groups[-1]) == 5_000  # one group, stored once (not 5,000 lists of 4,999)
    words = [groups for key, groups in table.member_groups.items() if key[0].startswith("word")]
    assert len(words) == 5_000 and all(len(groups) == 1 for groups in words)
    alternatives = table.alternatives(("word1",))
    assert len(alternatives) == synonyms.MAX_ALTERNATIVES
    assert alternatives[0] == ("word0",) and ("word1",) not in alternatives
    plan = build_plan(parse("word1"), table)
    assert all(len(match.terms) <= synonyms.MAX_ALTERNATIVES + 1 for match in plan.matches)
    with KnowledgeBase.open(root) as kb:
        hits = kb.search("word1")
        assert [hit.path for hit in hits] == ["notes/w.md"]


# --- 11. terminal control sequences are shown, never sent -------------------------------------


def _hostile_kb(root: Path) -> None:
    """A KB whose every printed field holds control sequences."""
    write(
        root,
        "notes/evil.md",
        f"""
        ---
        title: "Printer {json.dumps(HOSTILE)[1:-1]} offline"
        type: question
        status: wip
        asked_by: "Tom {json.dumps(HOSTILE)[1:-1]} x4412"
        promised: "2020-01-01 12:00"
        tags: [printing]
        ---
        ## Issue
        The printer {HOSTILE} is offline.

        ## Updates
        - 2020-01-01 10:00 Ana: told caller {HOSTILE}
        """,
    )
    write(
        root,
        "notes/guide.md",
        f"""
        ---
        title: "Guide {json.dumps(HOSTILE)[1:-1]}"
        type: guide
        ---
        1. [[evil]]
        2. [[missing {HOSTILE}]]
        """,
    )
    write(
        root,
        "tickets/INC0012345.md",
        f"""
        ---
        id: INC0012345
        title: "Printer {json.dumps(HOSTILE)[1:-1]}"
        caller: "Eve {json.dumps(HOSTILE)[1:-1]}"
        ---
        ## Description

        Printer {HOSTILE} offline.
        """,
    )
    line = {
        "action": "link",
        "ticket": "INC0012345",
        "note": "notes/evil.md",
        "kind": "resolution",
        "rev": None,
        "at": "2020-01-01T10:00:00+00:00",
        "by": f"Mallory {HOSTILE}",
    }
    (root / "tickets" / "links.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(
        ["git", "commit", "-qm", f"Notes {HOSTILE}"], cwd=root, check=True, capture_output=True
    )


@pytest.mark.parametrize(
    "command",
    [
        ["search", "printer"],
        ["show", "notes/evil.md"],
        ["ticket", "INC0012345"],
        ["followups"],
        ["log", "notes/evil.md"],
        ["stats"],
        ["check"],
        ["guide"],
        ["guide", "notes/guide.md"],
        ["update", "notes/evil.md", f"called back {HOSTILE}"],
        ["show", "notes/nothing-like-this" + HOSTILE],
    ],
)
def test_no_command_prints_a_control_sequence(root: Path, command: list[str]) -> None:
    _hostile_kb(root)
    cli = Cli(root)
    result = cli(*command)
    no_traceback(result)
    printed = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert not RAW.findall(printed), (command, RAW.findall(printed), printed)
    if command[0] in ("search", "show", "followups", "ticket", "log"):
        assert "\\u001b]52" in printed or "\\x1b]52" in printed  # shown, not dropped


@pytest.mark.parametrize(
    "command",
    [["search", "printer"], ["ticket", "INC0012345"], ["followups"], ["stats"], ["check"]],
)
def test_json_output_escapes_control_characters_and_keeps_them(
    root: Path, command: list[str]
) -> None:
    _hostile_kb(root)
    result = Cli(root)(*command, "--json")
    no_traceback(result)
    assert not RAW.findall(result.stdout)
    data = json.loads(result.stdout)
    if command[0] in ("search", "followups"):
        assert any(HOSTILE in item["title"] for item in data)  # the very text, round trip


def test_the_progress_line_may_redraw_but_text_cannot_hide_in_a_line() -> None:
    from io import StringIO

    from kb.notes.control_chars import VisibleWriter

    sink = StringIO()
    writer = VisibleWriter(sink)  # type: ignore[arg-type]
    writer.write("\rIndexing 3/10 notes/a.md")
    writer.write("\r" + " " * 10 + "\r")
    writer.write(f"safe\rrm -rf ~{CSI8}\n")
    assert sink.getvalue() == (
        "\rIndexing 3/10 notes/a.md\r          \rsafe\\u000drm -rf ~\\u009b\n"
    )


def test_visible_keeps_lines_and_tabs_only_where_asked() -> None:
    assert visible("a\tb\nc\r\nd") == "a\tb\nc\r\nd"
    assert visible("a\tb\nc", lines=False) == "a\\u0009b\\u000ac"
    assert (
        visible(HOSTILE)
        == "\\u001b]52;c;cm0gLXJmIH4=\\u0007\\u001b]8;;http://x\\u001b\\\\u001b[2J\\u009b"
    )


def test_the_app_shows_control_characters_escaped(root: Path) -> None:
    from kb.tui.display import hit_prompt, note_header, snippet_text
    from kb.tui.links import to_markdown_links

    _hostile_kb(root)
    with KnowledgeBase.open(root) as kb:
        note = kb.note("notes/evil.md")
        hits = kb.search("printer")
    shown = [
        note_header(note).plain,
        to_markdown_links(note.body_text),
        *(hit_prompt(hit).plain for hit in hits),
        snippet_text(
            f"a {HOSTILE} printer b", [(len(f"a {HOSTILE} "), len(f"a {HOSTILE} printer"))]
        ).plain,
    ]
    for text in shown:
        assert not RAW.findall(text), text
    assert "\\u001b]52" in shown[0] and "\\u009b" in shown[1]
    highlighted = snippet_text(
        f"a {CLEAR} printer", [(len(f"a {CLEAR} "), len(f"a {CLEAR} printer"))]
    )
    start = highlighted.plain.index("printer")
    assert [(span.start, span.end) for span in highlighted.spans] == [(start, start + 7)]


# --- 12. NUL and other control bytes never make a note binary ----------------------------------


def test_a_nul_in_a_body_file_is_replaced_so_the_note_stays_searchable_and_checked(
    root: Path,
) -> None:
    body = root.parent / "body.md"
    body.write_text("## Issue\n\nScanner\x00 jams\x01 on\x0bpage two\n\npassword: Winter2026!x\n")
    result = Cli(root)("new", "--title", "Scanner\x00 jams", "--body-file", str(body))
    no_traceback(result)
    # The secret check saw the password (a binary file is skipped by it).
    assert result.exit_code == 2 and "looks like" in result.output
    data = (root / "notes" / "scanner-jams.md").read_bytes()
    assert b"\x00" not in data and b"\x01" not in data and b"\x0b" not in data
    text = data.decode("utf-8")
    assert "Scanner\ufffd jams\ufffd on\npage two" in text and "title: Scanner\ufffd jams" in text
    with KnowledgeBase.open(root) as kb:
        assert [hit.path for hit in kb.search("jams")] == ["notes/scanner-jams.md"]


def test_an_import_with_nul_and_escapes_writes_a_text_record(root: Path) -> None:
    export = root.parent / "incidents.json"
    export.write_text(
        json.dumps(
            {
                "records": [
                    {
                        "number": "INC0099999",
                        "short_description": f"Title\u0000 {OSC52}",
                        "description": f"Desc\u0000 {CLEAR} toner\u0001 smudges",
                        "state": "Closed",
                        "caller_id": f"Eve\u0000 {OSC8}",
                    }
                ]
            }
        )
    )
    result = Cli(root)("import", str(export))
    no_traceback(result)
    data = (root / "tickets" / "INC0099999.md").read_bytes()
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data)
    with KnowledgeBase.open(root) as kb:
        assert [hit.path for hit in kb.search("smudges")] == ["tickets/INC0099999.md"]
    numstat = subprocess.run(
        ["git", "diff", "--numstat", "HEAD~1", "--", "tickets/INC0099999.md"],
        cwd=root,
        capture_output=True,
        text=True,
    ).stdout
    assert numstat and not numstat.startswith("-")  # git sees text, not binary


def test_ask_update_and_answer_replace_control_bytes(root: Path) -> None:
    cli = Cli(root)
    asked = cli("ask", "Why does\x00 the badge\x07 fail?", "--asked-by", "Tom\x00 x4412")
    no_traceback(asked)
    assert asked.exit_code == 0, asked.output
    path = next((root / "notes").glob("why-does*.md"))
    rel = f"notes/{path.name}"
    assert cli("update", rel, "told\x00 him").exit_code == 0
    answer = root.parent / "answer.md"
    answer.write_text("Re-enrol\x00 the badge.\n")
    assert cli("answer", rel, "--body-file", str(answer)).exit_code == 0
    data = path.read_bytes()
    assert not re.search(rb"[\x00-\x08\x0e-\x1f]", data), data
    assert "told\ufffd him" in data.decode() and "Re-enrol\ufffd the badge." in data.decode()


def test_storable_keeps_text_and_line_ends() -> None:
    assert storable("a\tb\r\nc\n") == "a\tb\r\nc\n"
    assert storable("a\x00b\x1bc\x0cd") == "a\ufffdb\ufffdc\nd"


# --- 14. Windows reserved names ----------------------------------------------------------------


def test_windows_device_names_get_a_prefix_whatever_their_case_and_extension() -> None:
    reserved = ("CON", "con", "Aux.txt", "AUX.TXT", "nul.tar.gz", "COM1", "lpt9", "CON.")
    for name in (*reserved, "LPT¹", "CON .md"):
        assert portable_name(name) == f"_{name}", name
    for name in ["console", "CONX", "INC0012345", "com10", "con-2", "_CON"]:
        assert portable_name(name) == name, name


@pytest.mark.parametrize("title", ["CON", "nul", "Aux", "com1", "LPT9"])
def test_a_note_titled_like_a_device_gets_a_safe_file_name(root: Path, title: str) -> None:
    result = Cli(root)("new", "--title", title)
    assert result.exit_code == 0, result.output
    path = result.stdout.strip()
    assert path == f"notes/_{title.lower()}.md"
    assert f"title: {title}\n" in (root / path).read_text()


def test_tickets_with_device_ids_are_stored_under_safe_names_and_found_by_id(root: Path) -> None:
    (root / "kb.toml").write_text(
        "[search]\nengine = \"whoosh\"\n[tickets]\nextra_patterns = ['\\bCON\\b']\n"
    )
    export = root.parent / "incidents.csv"
    export.write_text(
        "number,short_description,description,state\n"
        "CON,Console broken,The console is broken,Closed\n"
        "AUX.TXT,Aux file,An aux file,Closed\n"
        "com1,Port,Serial port,Closed\n"
    )
    result = Cli(root)("import", str(export), "--format", "servicenow")
    no_traceback(result)
    names = sorted(path.name for path in (root / "tickets").glob("*.md"))
    assert names == ["_AUX.TXT.md", "_COM1.md", "_CON.md"]
    assert "id: CON\n" in (root / "tickets" / "_CON.md").read_text()
    shown = Cli(root)("ticket", "CON")
    assert shown.exit_code == 0 and "Console broken" in shown.stdout


# --- settings out of range or of the wrong type ----------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("[search]\nmax_file_bytes = 9223372036854775807", "max_file_bytes"),
        ("[search]\nmax_file_bytes = -5", "max_file_bytes"),
        ('[search]\nmax_file_bytes = "big"', "max_file_bytes"),
        ("[health]\nstale_days = 99999999999999999", "stale_days"),
        ("[health]\nstale_days = 1.5", "stale_days"),
        ('[tickets]\nhash_numbers = "yes"', "hash_numbers"),
        ("[sync]\nremote = 7", "remote"),
    ],
)
def test_an_out_of_range_setting_is_one_warning_and_the_default(
    root: Path, setting: str, expected: str
) -> None:
    write(root, "notes/printer.md", "# Printer offline\n\nRestart the spooler.\n")
    (root / "kb.toml").write_text(f"{setting}\n")
    result = Cli(root)("search", "printer")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and expected in warnings[0], result.stderr
    with KnowledgeBase.open(root) as kb:
        assert kb.settings.max_file_bytes == 1_000_000 or expected != "max_file_bytes"


def test_a_kb_toml_nested_too_deeply_is_one_line(root: Path) -> None:
    (root / "kb.toml").write_text("a = " + "[" * 50_000 + "]" * 50_000 + "\n")
    result = Cli(root)("check")
    no_traceback(result)
    assert "kb.toml" in result.output and "nested too deeply" in result.output


def test_a_user_config_nested_too_deeply_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("kb = " + "[" * 50_000 + "]" * 50_000 + "\n")
    monkeypatch.setenv("KB_CONFIG", str(config))
    result = Cli(None)("search", "x")
    no_traceback(result)
    assert result.exit_code == 2 and "nested too deeply" in result.stderr
