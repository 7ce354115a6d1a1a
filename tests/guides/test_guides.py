"""Guides (reading paths) and reading progress, on real KBs in temporary folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.guides.guide import find_guide, load_guides
from kb.guides.progress import PROGRESS_FILE, ReadingProgress
from kb.notes.errors import KBError
from tests.helpers import PLAIN_GUIDE, Cli, no_traceback, write


def test_reading_path_is_the_reading_path_section_in_order(guide_root: Path) -> None:
    with KnowledgeBase.open(guide_root) as kb:
        guides, problems = load_guides(kb)
    assert problems == []
    assert [guide.title for guide in guides] == ["First week on the desk", "Printing basics"]
    first = guides[0]
    assert [step.path for step in first.steps] == [
        "notes/printer-offline.md",
        "notes/updates/windows-update-0x80070005.md",
        "notes/vpn-no-intranet.md",
        None,
    ]
    assert [step.number for step in first.steps] == [1, 2, 3, 4]
    assert first.steps[0].title == "Printer shows offline and jobs are stuck"
    assert first.steps[3].broken and first.steps[3].title == "[[no-such-note]]"
    assert first.steps[3].problem == "broken link [[no-such-note]]"
    # A guide without a "Reading path" section reads its links in order.
    assert [step.path for step in guides[1].steps] == [
        "notes/printer-offline.md",
        "notes/vpn-no-intranet.md",
    ]


def test_progress_counts_and_first_unread(guide_root: Path) -> None:
    with KnowledgeBase.open(guide_root) as kb:
        first = load_guides(kb)[0][0]
    progress = ReadingProgress(guide_root)
    assert progress.reader == "Ana Tester"
    assert first.read_count(progress.read) == 0
    progress.mark_read(["notes/printer-offline.md"])
    again = ReadingProgress(guide_root)
    assert again.read == {"notes/printer-offline.md"}
    assert first.read_count(again.read) == 1
    step = first.first_unread(again.read)
    assert step is not None and step.number == 2
    # Someone else on the same machine has their own progress.
    assert ReadingProgress(guide_root, reader="Bo").read == set()
    again.mark_unread(["notes/printer-offline.md"])
    assert ReadingProgress(guide_root).read == set()


def test_damaged_progress_file_is_empty_with_a_warning(guide_root: Path) -> None:
    path = guide_root / PROGRESS_FILE
    path.parent.mkdir(exist_ok=True)
    path.write_text('{"readers": [1, 2')
    progress = ReadingProgress(guide_root)
    assert progress.read == set()
    assert progress.warning and "damaged" in progress.warning
    progress.mark_read(["notes/vpn-no-intranet.md"])
    assert ReadingProgress(guide_root).read == {"notes/vpn-no-intranet.md"}
    assert (guide_root / ".kb/progress.json.bad").read_text() == '{"readers": [1, 2'


def test_find_guide_by_path_name_and_title_words(guide_root: Path) -> None:
    with KnowledgeBase.open(guide_root) as kb:
        guides, _ = load_guides(kb)
        assert find_guide(kb, "notes/guides/first-week.md", guides).title.startswith("First")
        assert find_guide(kb, "first-week", guides).title.startswith("First")
        assert find_guide(kb, "week desk", guides).title.startswith("First")
        with pytest.raises(KBError) as not_a_guide:
            find_guide(kb, "printer-offline", guides)
        assert not_a_guide.value.code == 2 and "not a guide" in str(not_a_guide.value)
        with pytest.raises(KBError) as missing:
            find_guide(kb, "kubernetes", guides)
        assert missing.value.code == 1


def test_cli_lists_guides_with_progress(guide_root: Path, cli: Cli) -> None:
    ReadingProgress(guide_root).mark_read(["notes/printer-offline.md", "notes/vpn-no-intranet.md"])
    result = cli("guide")
    no_traceback(result)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "Ana Tester" in lines[0]
    assert any("2/4" in line and "First week on the desk" in line for line in lines)
    assert any("[1 broken step(s)]" in line for line in lines)
    assert any("2/2" in line and "Printing basics" in line for line in lines)
    listed = json.loads(cli("guide", "--json").stdout)
    assert listed[0] == {
        "path": "notes/guides/first-week.md",
        "title": "First week on the desk",
        "steps": 4,
        "read": 2,
        "broken": 1,
    }


def test_cli_prints_the_guide_then_each_note_in_order(guide_root: Path, cli: Cli) -> None:
    result = cli("guide", "first", "week")
    no_traceback(result)
    assert result.exit_code == 0
    out = result.output
    assert out.index("GUIDE  First week on the desk") < out.index("## Start here")
    order = [
        out.index("STEP 1 of 4  Printer shows offline"),
        out.index("The caller says the printer is offline"),
        out.index("STEP 2 of 4  Windows Update fails"),
        out.index("STEP 3 of 4  VPN connected"),
        out.index("STEP 4 of 4  [[no-such-note]]"),
    ]
    assert order == sorted(order)
    assert "title: Printer shows offline" not in out  # bodies, not raw front matter
    assert "step 4 of the guide leads nowhere" in result.stderr
    data = json.loads(cli("guide", "first-week", "--json").stdout)
    assert [step["path"] for step in data["steps"]][:3] == [
        "notes/printer-offline.md",
        "notes/updates/windows-update-0x80070005.md",
        "notes/vpn-no-intranet.md",
    ]
    assert data["steps"][0]["body"].startswith("## Issue")
    assert data["steps"][3]["problem"] == "broken link [[no-such-note]]"
    assert (data["read"], data["total"]) == (0, 4)


def test_cli_ambiguous_guide_lists_them_and_exits_2(guide_root: Path, cli: Cli) -> None:
    write(guide_root, "notes/printing-advanced.md", PLAIN_GUIDE.replace("basics", "advanced"))
    result = cli("guide", "printing")
    no_traceback(result)
    assert result.exit_code == 2
    assert "2 notes match 'printing'" in result.stderr
    assert "notes/printing-basics.md" in result.stderr
    assert "notes/printing-advanced.md" in result.stderr


def test_cli_guide_errors(guide_root: Path, cli: Cli) -> None:
    result = cli("guide", "printer-offline")
    no_traceback(result)
    assert result.exit_code == 2 and "is a fix note, not a guide" in result.stderr
    result = cli("guide", "kubernetes")
    assert result.exit_code == 1 and "no guide matches" in result.stderr


def test_kb_without_guides_says_so(cli: Cli) -> None:
    result = cli("guide")
    no_traceback(result)
    assert result.exit_code == 1 and "no guides" in result.stderr


def test_cli_warns_about_a_damaged_progress_file(guide_root: Path, cli: Cli) -> None:
    (guide_root / ".kb").mkdir(exist_ok=True)
    (guide_root / PROGRESS_FILE).write_bytes(b"\x00\xff")
    result = cli("guide")
    no_traceback(result)
    assert result.exit_code == 0 and "warning" in result.stderr and "0/4" in result.output


def test_starter_guides_are_reading_paths_through_the_fix_notes(starter_copy: Path) -> None:
    with KnowledgeBase.open(starter_copy) as kb:
        guides, _ = load_guides(kb)
        notes = {note.path: note for note in kb.notes()[0]}
    assert len(guides) == 4
    for guide in guides:
        assert not guide.broken, guide.path
        fixes = [s for s in guide.steps if s.path and notes[s.path].type == "fix"]
        assert len(guide.steps) >= 6 and len(fixes) >= 5, guide.path
    every_step = {step.path for guide in guides for step in guide.steps}
    assert len([path for path in every_step if notes[str(path)].type == "fix"]) >= 15


def test_flag_and_guide_names_resolve_like_a_technician_expects(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    write(root, "notes/printer-offline.md", "---\ntitle: Printer offline\ntype: fix\n---\n# x\n")
    write(root, "tickets/INC0041003.md", "---\nid: INC0041003\ntitle: Printer offline\n---\nx\n")
    write(
        root,
        "notes/guide-one.md",
        "---\ntitle: First days\ntype: guide\n---\n1. [[printer-offline]]\n",
    )
    write(
        root,
        "notes/guide-two.md",
        "---\ntitle: Second week\ntype: guide\n---\n1. [[printer-offline]]\n",
    )
    cli = Cli(root)
    result = cli("flag", "printer offline", "steps are out of date")
    assert result.exit_code == 0, result.stderr
    result = cli("guide", "guide")
    assert result.exit_code == 2 and "2 notes match" in result.stderr


def test_only_guides_are_parsed_and_any_way_of_writing_the_type_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KB of thousands of notes is not parsed whole to list its guides: only the notes
    whose front matter names the type are (and the notes a step needs the title of)."""
    root = tmp_path / "kb"
    for number in range(40):
        write(root, f"notes/fix-{number}.md", f"---\ntitle: Fix {number}\ntype: fix\n---\nBody\n")
    write(root, "notes/body-only.md", "# Not a guide\n\ntype: guide\n")  # body, no front matter
    write(root, "notes/flow.md", '---\n{"type": "Guide", title: Flow guide}\n---\n[[fix-3]]\n')
    write(root, "notes/crlf.md", "\ufeff---\r\ntype: 'guide'\r\ntitle: Windows endings\r\n---\r\n")
    with KnowledgeBase.open(root) as kb:
        parsed: list[str] = []
        load = kb.load
        monkeypatch.setattr(kb, "load", lambda source: (parsed.append(source.rel), load(source))[1])
        guides, _ = load_guides(kb)
    assert [guide.title for guide in guides] == ["Flow guide", "Windows endings"]
    assert guides[0].steps[0].title == "Fix 3"
    assert sorted(parsed) == ["notes/crlf.md", "notes/fix-3.md", "notes/flow.md"]


def test_links_to_names_with_spaces_or_accents_lead_to_their_notes(tmp_path: Path) -> None:
    """The Markdown parser gives a link's address as a URL: "heading%20only.md", written
    that way or as <heading only.md>, and café.md lead to the files of those names."""
    root = tmp_path / "kb"
    write(root, "notes/heading only.md", "# Heading only\n")
    write(root, "notes/café.md", "# Café wifi\n")
    write(
        root,
        "notes/start.md",
        "---\ntype: guide\ntitle: Start\n---\n"
        "[a](heading%20only.md)\n\n[b](<heading only.md>)\n\n[c](café.md)\n",
    )
    with KnowledgeBase.open(root) as kb:
        guides, _ = load_guides(kb)
        assert [(step.path, step.broken) for step in guides[0].steps] == [
            ("notes/heading only.md", False),
            ("notes/café.md", False),
        ]
        assert not [problem for problem in kb.check() if "broken link" in str(problem)]


def test_a_step_to_a_file_that_is_no_note_is_broken_with_its_reason(
    guide_root: Path, cli: Cli
) -> None:
    """A binary file named like a note (a teammate's commit): the step is there, marked
    broken with why, never counted as read or offered as the next one."""
    (guide_root / "notes/printer-offline.md").write_bytes(b"\x00\x01binary\x00" * 20)
    with KnowledgeBase.open(guide_root) as kb:
        plain = next(g for g in load_guides(kb)[0] if g.title == "Printing basics")
    first = plain.steps[0]
    assert first.path == "notes/printer-offline.md"
    assert first.broken and first.problem and "binary" in first.problem
    assert plain.broken == [first]
    assert plain.read_count({"notes/printer-offline.md"}) == 0
    assert plain.first_unread(set()) == plain.steps[1]
    result = cli("guide", "printing-basics")
    no_traceback(result)
    assert "step 1 of the guide leads nowhere" in result.stderr and "binary" in result.stderr
    listed = json.loads(cli("guide", "--json").stdout)
    assert next(g for g in listed if g["title"] == "Printing basics")["broken"] == 1
