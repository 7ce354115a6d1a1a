"""kb check: every kind of problem named with its file and line, a broken link included, on
real KBs in temporary folders (the guides' KB and the starter KB among them)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from kb import KnowledgeBase
from kb.notes.link_log import LINKS_FILE
from tests.helpers import Cli, no_traceback, write


def test_starter_kb_passes_kb_check(starter_copy: Path) -> None:
    result = Cli(starter_copy)("check")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("No problems in 32 files")


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


def test_check_names_an_unreadable_line_of_the_link_log(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    (root / LINKS_FILE).write_text("garbage{{\n")
    result = Cli(root)("check")
    assert result.exit_code == 1
    assert f"{LINKS_FILE}:1" in result.output and "not a link record" in result.output
