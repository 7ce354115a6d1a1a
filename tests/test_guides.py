"""Guides (reading paths), reading progress and kb check, on real KBs in temporary folders."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.guides.guide import find_guide, load_guides
from kb.guides.progress import PROGRESS_FILE, ReadingProgress
from kb.knowledgebase.starter import starter_notes
from kb.notes.errors import KBError

from .conftest import Cli, no_traceback, use_engine, write

ONBOARDING = """
---
title: First week on the desk
type: guide
status: validated
---
## Start here
Read [[printer-offline]] first if you only have ten minutes; see also ![a picture](img/desk.png).

## Reading path
1. [[printer-offline]] — the commonest call
2. [The update error](../updates/windows-update-0x80070005.md) — a relative link
3. [[vpn-no-intranet|VPN and DNS]]
4. [[printer-offline]] — listed twice, read once
5. [[no-such-note]] — not written yet

## Afterwards
[[first-week]] links back to itself and is not a step.
"""

PLAIN_GUIDE = """
---
title: Printing basics
type: guide
---
Read [[printer-offline]], then [[vpn-no-intranet]].
"""


@pytest.fixture
def guide_root(kb_root: Path) -> Path:
    write(kb_root, "notes/guides/first-week.md", ONBOARDING)
    write(kb_root, "notes/printing-basics.md", PLAIN_GUIDE)
    (kb_root / "notes/img").mkdir()
    (kb_root / "notes/img/desk.png").write_bytes(b"\x89PNG")
    return kb_root


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


# -- kb check ---------------------------------------------------------------------------------


@pytest.fixture
def starter_copy(tmp_path: Path) -> Path:
    source = starter_notes()
    assert source is not None
    root = tmp_path / "starter"
    root.mkdir()
    shutil.copytree(source, root / "notes")
    use_engine(root, "whoosh")
    return root


def test_starter_kb_passes_kb_check(starter_copy: Path) -> None:
    result = Cli(starter_copy)("check")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("No problems in 32 files")


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


def test_broken_link_makes_check_exit_1_naming_the_link(guide_root: Path, cli: Cli) -> None:
    write(
        guide_root,
        "notes/vpn-no-intranet.md",
        """
        ---
        title: VPN connected but intranet sites do not open
        type: fix
        status: validated
        ---
        ## Issue
        Internal sites time out.

        ## Resolution
        Flush DNS, then see [[dns-cache-flush]] and [the split tunnel note](split-tunnel.md).
        """,
    )
    result = cli("check")
    no_traceback(result)
    assert result.exit_code == 1
    assert "notes/vpn-no-intranet.md:10: broken link [[dns-cache-flush]]" in result.output
    assert (
        "notes/vpn-no-intranet.md:10: broken link [the split tunnel note](split-tunnel.md)"
        in result.output
    )
    assert "notes/guides/first-week.md:14: broken link [[no-such-note]]" in result.output
    problems = json.loads(cli("check", "--json").stdout)
    assert {
        "path": "notes/vpn-no-intranet.md",
        "line": 10,
        "level": "warning",
        "message": "broken link [[dns-cache-flush]]",
    } in problems


def test_check_finds_every_kind_of_problem(kb_root: Path, cli: Cli) -> None:
    write(kb_root, "notes/no-resolution.md", "---\ntype: fix\n---\n## Issue\nIt broke.\n")
    write(kb_root, "notes/odd.md", "---\ntitle: Odd\ntype: howto\nstatus: done\n---\nText\n")
    write(kb_root, "notes/broken.md", "---\ntitle: [unclosed\n---\nBody\n")
    write(kb_root, "notes/copy.md", "---\ntitle: printer shows OFFLINE and jobs are stuck\n---\n")
    write(kb_root, "notes/old.md", "---\ntitle: Old\nreview_by: 2020-01-01\n---\n")
    write(kb_root, "notes/empty-guide.md", "---\ntitle: Nothing\ntype: guide\n---\nNo links.\n")
    result = cli("check")
    no_traceback(result)
    assert result.exit_code == 1
    out = result.output
    assert "notes/no-resolution.md: fix note without ## Resolution" in out
    assert "notes/odd.md: unknown type 'howto'" in out
    assert "notes/odd.md: unknown status 'done'" in out
    assert "notes/broken.md:1: front matter is not valid YAML" in out
    assert "same title as" in out and "notes/copy.md" in out
    assert "notes/old.md: review date 2020-01-01 has passed" in out
    assert "notes/empty-guide.md: guide without a reading path" in out
    assert out.rstrip().endswith("problems in 9 files.")


def test_check_in_a_git_kb_after_fixing_passes(guide_root: Path, cli: Cli) -> None:
    path = guide_root / "notes/guides/first-week.md"
    path.write_text(path.read_text().replace("[[no-such-note]]", "[[printer-offline]]"))
    result = cli("check")
    assert result.exit_code == 0, result.output
    subprocess.run(["git", "status"], cwd=guide_root, check=True, capture_output=True)
