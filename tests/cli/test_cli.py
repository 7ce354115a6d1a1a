"""The command line, end to end, on real git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes import frontmatter
from tests.helpers import ODD_QUERIES, Cli, git_log, no_traceback, write


def test_init_creates_a_git_kb(tmp_path: Path) -> None:
    target = tmp_path / "team-kb"
    result = Cli(None)("init", str(target))
    assert result.exit_code == 0, result.output
    for rel in ("kb.toml", ".gitignore", "notes", "tickets", "templates/fix.md"):
        assert (target / rel).exists(), rel
    assert git_log(target) == ["Create knowledge base"]
    # Running it again changes nothing and does not fail.
    assert Cli(None)("init", str(target)).exit_code == 0
    assert git_log(target) == ["Create knowledge base"]


def test_init_and_clone_make_the_folder_kb_is_pointed_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "kb --kb ~/team-kb init" means that folder, never the one the shell happens to be in
    # (which may be a home folder full of other files).
    here = tmp_path / "here"
    here.mkdir()
    (here / "readme.md").write_text("Someone's own file.\n", encoding="utf-8")
    monkeypatch.chdir(here)
    target = tmp_path / "team-kb"
    result = Cli(target)("init")
    assert result.exit_code == 0, result.output
    assert git_log(target) == ["Create knowledge base"]
    assert sorted(path.name for path in here.iterdir()) == ["readme.md"]
    joined = tmp_path / "joined"
    result = Cli(joined)("clone", str(target))
    assert result.exit_code == 0, result.output
    assert (joined / "kb.toml").is_file()
    assert sorted(path.name for path in here.iterdir()) == ["readme.md"]


def test_search_prints_ranked_hits(cli: Cli) -> None:
    result = cli("search", "printer", "offline")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == " 1. Printer shows offline and jobs are stuck"
    assert "notes/printer-offline.md · fix · validated · 2 tickets" in lines[1]


def test_search_json_contract(cli: Cli) -> None:
    result = cli("search", "0x80070005", "--json", "--limit", "1")
    assert result.exit_code == 0
    hits = json.loads(result.stdout)
    assert len(hits) == 1
    assert hits[0]["path"] == "notes/updates/windows-update-0x80070005.md"
    assert {"path", "title", "score", "snippet"} <= set(hits[0])
    assert isinstance(hits[0]["score"], float)


def test_search_exclusions_are_not_options(cli: Cli) -> None:
    result = cli("search", "windows", "-spooler", "--json")
    assert result.exit_code == 0, result.output
    paths = [hit["path"] for hit in json.loads(result.stdout)]
    assert paths == ["notes/updates/windows-update-0x80070005.md"]


def test_search_nothing_found_exits_1(cli: Cli) -> None:
    result = cli("search", "zebra")
    assert result.exit_code == 1
    assert "Nothing found" in result.stderr
    assert json.loads(cli("search", "zebra", "--json").stdout) == []


def test_search_nothing_found_shows_the_query_as_typed(cli: Cli) -> None:
    result = cli("search", "--", "Q:\\Nowhere\\zqxjkvw\x1b.dmp")
    assert result.exit_code == 1
    # Single backslashes, and the control character shown escaped, never sent raw.
    assert result.stderr.splitlines()[-1] == "Nothing found for “Q:\\Nowhere\\zqxjkvw\\u001b.dmp”."


@pytest.mark.parametrize("text", ODD_QUERIES)
def test_search_odd_queries_exit_cleanly(cli: Cli, text: str) -> None:
    result = cli("search", "--", text)
    no_traceback(result)
    assert result.exit_code in (0, 1)


def test_show_by_path_file_name_and_title_words(cli: Cli, kb_root: Path) -> None:
    text = (kb_root / "notes/printer-offline.md").read_text()
    for reference in ("notes/printer-offline.md", "printer-offline", "jobs stuck"):
        result = cli("show", reference)
        assert result.exit_code == 0, (reference, result.output)
        assert result.stdout == text


def test_show_ambiguous_lists_candidates_and_exits_2(cli: Cli, kb_root: Path) -> None:
    write(kb_root, "notes/printer-offline-2.md", "---\ntitle: Printer offline on Mac\n---\nx\n")
    result = cli("show", "printer offline")
    assert result.exit_code == 2
    assert "notes/printer-offline.md" in result.stderr
    assert "notes/printer-offline-2.md" in result.stderr


def test_show_unknown_exits_1(cli: Cli) -> None:
    result = cli("show", "nothing like this")
    assert result.exit_code == 1
    assert result.stderr.strip() == "kb: no note matches 'nothing like this'"


def test_show_at_revision(cli: Cli, kb_root: Path) -> None:
    path = kb_root / "notes/vpn-no-intranet.md"
    original = path.read_text()
    path.write_text(original.replace("Flush DNS", "Renew the lease"))
    subprocess.run(["git", "commit", "-qam", "Change"], cwd=kb_root, check=True)
    assert "Renew the lease" in cli("show", "vpn-no-intranet").stdout
    old = cli("show", "vpn-no-intranet", "--at", "HEAD~1")
    assert old.exit_code == 0 and old.stdout == original
    bad = cli("show", "vpn-no-intranet", "--at", "nope")
    assert bad.exit_code == 2 and "no revision 'nope'" in bad.stderr


def test_new_writes_template_commits_and_is_searchable(cli: Cli, kb_root: Path) -> None:
    result = cli(
        "new",
        "--title",
        "Badge reader: door stays shut!",
        "--ticket",
        "INC0099001",
        "--tag",
        "facilities",
    )
    assert result.exit_code == 0, result.output
    rel = result.stdout.strip()
    assert rel == "notes/badge-reader-door-stays-shut.md"
    parsed = frontmatter.parse((kb_root / rel).read_text())
    assert parsed.data["title"] == "Badge reader: door stays shut!"
    assert parsed.data["type"] == "fix" and parsed.data["status"] == "wip"
    assert parsed.data["tickets"] == ["INC0099001"] and "facilities" in parsed.data["tags"]
    assert "## Resolution" in parsed.body
    assert git_log(kb_root)[0] == "New fix: Badge reader: door stays shut!"
    assert cli("search", "badge", "--json").stdout.count(rel) == 1
    # Same title again: a new, unique file.
    again = cli("new", "--title", "Badge reader: door stays shut!")
    assert again.stdout.strip() == "notes/badge-reader-door-stays-shut-2.md"


def test_new_with_body_from_stdin(cli: Cli, kb_root: Path) -> None:
    body = "## Issue\nScanner sends blank pages.\n\n## Resolution\nClean the glass.\n"
    result = cli("new", "--title", "Scanner blank pages", "--body-file", "-", input=body)
    assert result.exit_code == 0, result.output
    text = (kb_root / result.stdout.strip()).read_text()
    assert text.endswith(body)
    assert frontmatter.parse(text).data["type"] == "fix"


def test_new_rejects_bad_input(cli: Cli) -> None:
    assert cli("new", "--title", "   ").exit_code == 2
    bad_ticket = cli("new", "--title", "x", "--ticket", "not a ticket")
    assert bad_ticket.exit_code == 2 and "does not look like a ticket id" in bad_ticket.stderr
    assert cli("new").exit_code == 2


def test_new_without_git_identity_still_saves(cli: Cli, kb_root: Path, isolated_user: Path) -> None:
    (isolated_user / ".gitconfig").write_text("")
    result = cli("new", "--title", "No identity note")
    assert result.exit_code == 2  # saved on disk, not committed: said, with the reason
    assert (kb_root / "notes/no-identity-note.md").exists()
    assert "git does not know who you are" in result.stderr


def _editor(tmp_path: Path, code: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n" + code)
    return f"{sys.executable} {script}"


def test_edit_saves_commits_and_reindexes(cli: Cli, kb_root: Path, tmp_path: Path) -> None:
    editor = _editor(
        tmp_path, "p.write_text(p.read_text().replace('Flush DNS', 'Flush DNS, then zorkmid'))\n"
    )
    result = cli("edit", "vpn-no-intranet", env={"EDITOR": editor})
    assert result.exit_code == 0, result.output
    assert git_log(kb_root)[0] == "Edit: VPN connected but intranet sites do not open"
    assert (
        json.loads(cli("search", "zorkmid", "--json").stdout)[0]["path"]
        == "notes/vpn-no-intranet.md"
    )


def test_edit_without_changes_commits_nothing(cli: Cli, kb_root: Path, tmp_path: Path) -> None:
    before = git_log(kb_root)
    result = cli("edit", "vpn-no-intranet", env={"EDITOR": _editor(tmp_path, "")})
    assert result.exit_code == 0 and "No changes" in result.stdout
    assert git_log(kb_root) == before


def test_edit_without_editor_or_terminal_is_a_clear_error(cli: Cli) -> None:
    result = cli("edit", "vpn-no-intranet")
    assert result.exit_code == 2
    assert "set $EDITOR" in result.stderr


def test_index_reports_counts_and_warnings(cli: Cli, kb_root: Path) -> None:
    (kb_root / "notes/blob.md").write_bytes(b"\x00\x01\x02")
    result = cli("index")
    assert result.exit_code == 0
    assert "3 added" in result.stdout and "1 warning" in result.stdout
    assert "notes/blob.md: binary file" in result.stderr
    again = cli("index")
    assert "0 added, 0 changed, 0 removed, 4 unchanged" in again.stdout
    rebuilt = cli("index", "--rebuild")
    assert "rebuilt (asked for)" in rebuilt.stdout


def test_a_long_indexing_without_a_terminal_says_how_far_it_is(
    cli: Cli, kb_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first search of a clone builds the index: in a log or a pipe (no terminal), a line
    every few seconds says how far it is, instead of nothing for minutes."""
    from kb.cli import helpers

    monkeypatch.setattr(helpers, "PROGRESS_LINE_EVERY", 0.0)
    result = cli("search", "printer")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("kb: indexing ")]
    assert lines and all("/3 notes (" in line for line in lines)
    assert "\r" not in result.stderr  # no line redrawn in place: it is not a terminal


def test_check_passes_then_names_a_broken_link(cli: Cli, kb_root: Path) -> None:
    # The fixture KB links [[printer-offline]] from the update note: that link works.
    result = cli("check")
    assert result.exit_code == 0, result.output
    write(
        kb_root,
        "notes/bad.md",
        "---\ntitle: Bad\ntype: fix\nstatus: nope\n---\n"
        "## Issue\nSee [[no-such-note]] and [x](missing.md).\n",
    )
    result = cli("check")
    assert result.exit_code == 1
    out = result.stdout
    assert "notes/bad.md:7: broken link [[no-such-note]]" in out
    assert "notes/bad.md:7: broken link [x](missing.md)" in out
    assert "unknown status 'nope'" in out
    assert "fix note without ## Resolution" in out
    problems = json.loads(cli("check", "--json").stdout)
    assert {p["message"] for p in problems} >= {"broken link [[no-such-note]]"}


def test_missing_kb_is_one_clear_line(tmp_path: Path) -> None:
    result = Cli(tmp_path / "nowhere")("search", "x")
    assert result.exit_code == 2
    assert result.stderr.startswith("kb: no KB at ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_kb_dir_environment_and_config_file(
    kb_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_DIR", str(kb_root))
    assert Cli(None)("search", "spooler").exit_code == 0
    monkeypatch.delenv("KB_DIR")
    config = tmp_path / "config.toml"
    config.write_text(f'kb = "{kb_root}"\n')
    monkeypatch.setenv("KB_CONFIG", str(config))
    assert Cli(None)("search", "spooler").exit_code == 0
    config.write_text("kb = [broken")
    result = Cli(None)("search", "spooler")
    assert result.exit_code == 2 and "config file" in result.stderr


def test_personal_kb_is_created_from_the_starter_notes(isolated_user: Path) -> None:
    result = Cli(None)("search", "printer", "--json")
    assert result.exit_code == 0, result.output
    assert "Created your personal KB" in result.stderr
    personal = isolated_user / "data" / "kb" / "personal"
    assert (personal / "notes" / "guide-using-kb.md").exists()
    assert git_log(personal) == ["Create knowledge base"]
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=personal, capture_output=True, text=True
    )
    assert status.stdout == ""
    assert json.loads(result.stdout)[0]["path"].startswith("notes/printer")
    # The second run reuses it.
    assert "Created" not in Cli(None)("search", "printer").stderr


def test_installed_console_script_runs(kb_root: Path) -> None:
    """The real entry point, in a subprocess, without a terminal."""
    exe = Path(sys.executable).parent / "kb"
    if not exe.exists():
        pytest.skip("kb console script not installed in this environment")
    done = subprocess.run(
        [str(exe), "--kb", str(kb_root), "search", "spooler", "--json"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["path"] == "notes/printer-offline.md"


def test_python_api(kb_root: Path) -> None:
    kb = KnowledgeBase.open(kb_root)
    report = kb.reindex()
    assert len(report.added) == 3
    hits = kb.search("spooler", limit=5)
    assert hits[0].path == "notes/printer-offline.md"
    assert hits[0].title and hits[0].score > 0 and hits[0].snippet
    kb.close()


def test_index_of_a_hostile_kb_warns_and_exits_0(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    Cli(None)("init", str(root))
    write(root, "notes/good.md", "# Toner low\nReplace the toner.\n")
    write(root, "notes/broken.md", "---\ntitle: [oops\n---\n# Scanner jams\n")
    (root / "notes" / "blob.md").write_bytes(b"\x00\xff" * 100)
    (root / "notes" / "passwd.md").symlink_to("/etc/passwd")
    result = Cli(root)("index")
    no_traceback(result)
    assert result.exit_code == 0
    assert "notes/passwd.md: symlink leads outside the KB; not read" in result.stderr
    assert "notes/blob.md: binary file" in result.stderr
    assert "notes/broken.md:1: front matter is not valid YAML" in result.stderr
    assert Cli(root)("search", "scanner").exit_code == 0


def test_init_without_git_identity_still_commits(tmp_path: Path, isolated_user: Path) -> None:
    (isolated_user / ".gitconfig").write_text("")
    result = Cli(None)("init", str(tmp_path / "kb"))
    assert result.exit_code == 0, result.output
    assert git_log(tmp_path / "kb") == ["Create knowledge base"]


def test_a_broken_kb_toml_is_a_warning_on_every_command(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    (root / "kb.toml").write_text((root / "kb.toml").read_text() + "\n[tickets\n")
    result = Cli(root)("followups")
    no_traceback(result)
    assert result.exit_code == 0
    assert "kb: warning: kb.toml: not read, defaults used" in result.stderr


def test_usage_errors_are_one_line_with_exit_2(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    cli = Cli(root)
    for args in (["import"], ["import", "--format", "bogus", "x.csv"], ["nosuch"]):
        result = cli(*args)
        no_traceback(result)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("kb: ")


def test_a_content_folder_inside_a_link_leading_out_is_reported(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "kb").mkdir(parents=True)
    (outside / "kb" / "secret.md").write_text("# Secret outside\n")
    root = tmp_path / "kb"
    write(root, "notes/a.md", "# A note\n")
    write(root, "kb.toml", '[content]\nfolders = ["notes", "docs/kb"]\n')
    (root / "docs").symlink_to(outside)
    cli = Cli(root)
    result = cli("check")
    no_traceback(result)
    assert "docs/kb: symlinked folder leads outside the KB; not read" in result.output
    assert result.exit_code == 1
    assert cli("search", "secret", "outside").exit_code == 1
