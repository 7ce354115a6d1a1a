"""A refused save or sync leaves the staging area and the work tree as they were; only files
with a line that looks like a secret are held back; moved lines are not new; a line can be
marked as fine. Real repositories, a bare repository as the server."""

from __future__ import annotations

from pathlib import Path

from kb import KnowledgeBase
from tests.helpers import Cli, Clone, git, no_traceback

SECRET = "Local admin password: Winter2026!"
STEPS = "".join(f"{n}. Step {n} of cleaning the drum and the rollers\n" for n in range(1, 6))
DOC_EXAMPLE = "Connect with ftp://*username:password*@ftp.example.com/ as in the manual"


def _index(root: Path) -> str:
    return git(root, "ls-files", "-s")


def test_a_refused_save_after_moving_a_whole_folder_leaves_staging_unchanged(
    pair: tuple[Clone, Clone],
) -> None:
    ana, _ben = pair
    for number in range(20):
        ana.write(f"notes/printers/p{number}.md", f"# Printer {number}\n{STEPS}")
    assert ana.cli("save").exit_code == 0
    git(ana.root, "mv", "notes/printers", "notes/hardware")
    ana.write("notes/hardware/p3.md", f"# Printer 3\n{STEPS}{SECRET}\n")
    staged, status = _index(ana.root), git(ana.root, "status", "--porcelain")
    result = ana.cli("save")
    no_traceback(result)
    assert result.exit_code == 2
    assert "notes/hardware/p3.md:7: looks like" in result.stderr
    assert "Winter2026" not in result.output and "Winter" not in result.stderr
    # Only the file with the finding is held back: the move of the others is committed.
    status_after = git(ana.root, "status", "--porcelain")
    assert status_after == "RM notes/printers/p3.md -> notes/hardware/p3.md\n"
    assert "notes/printers/p0.md" not in git(ana.root, "ls-files")
    assert "notes/hardware/p0.md" in git(ana.root, "ls-tree", "-r", "--name-only", "HEAD")
    assert _index(ana.root) == staged  # p3 is staged exactly as the user had it
    assert status.count("\n") == 20


def test_a_refused_edit_leaves_what_the_user_staged(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    cli = Cli(root)
    (root / "notes/a.md").write_text("# A\nfirst\n", encoding="utf-8")
    assert cli("save").exit_code == 0
    (root / "notes/a.md").write_text("# A\nfirst\nstaged by hand\n", encoding="utf-8")
    git(root, "add", "notes/a.md")
    before = _index(root)
    (root / "notes/a.md").write_text(f"# A\nfirst\nstaged by hand\n{SECRET}\n", encoding="utf-8")
    result = cli("save")
    assert result.exit_code == 2
    assert _index(root) == before
    assert (root / "notes/a.md").read_text(encoding="utf-8").endswith(f"{SECRET}\n")


def test_a_save_names_only_the_files_it_committed(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    cli = Cli(root)
    (root / "notes/a-kiosk.md").write_text(f"# Kiosk\n{SECRET}\n", encoding="utf-8")
    (root / "notes/b-toner.md").write_text("# Toner\nshake it\n", encoding="utf-8")
    result = cli("save")
    assert result.exit_code == 2
    message = git(root, "log", "-1", "--format=%s")
    assert message == "Save changes made outside kb: notes/b-toner.md\n"
    assert "the rest was saved" in result.stderr
    # Only the held-back file left: nothing else was saved, and the line does not say so.
    alone = cli("save")
    assert alone.exit_code == 2
    assert "held back (not committed, not sent): notes/a-kiosk.md." in alone.stderr
    assert "the rest was saved" not in alone.stderr


def test_one_secret_does_not_block_the_rest_of_a_sync(pair: tuple[Clone, Clone]) -> None:
    ana, ben = pair
    ana.write("notes/vpn.md", "# VPN\nreinstall the client\n")
    ana.write("notes/kiosk.md", f"# Kiosk\n{SECRET}\n")
    result = ana.cli("sync")
    no_traceback(result)
    assert result.exit_code == 2
    assert "notes/kiosk.md:2: looks like" in result.stderr
    assert "held back" in result.stderr
    assert ben.cli("sync").exit_code == 0
    assert (ben.root / "notes/vpn.md").exists()
    assert not (ben.root / "notes/kiosk.md").exists()


def test_a_rename_carrying_a_documentation_example_is_no_new_secret(
    pair: tuple[Clone, Clone],
) -> None:
    ana, ben = pair
    ana.write("notes/ftp.md", f"# FTP\n{DOC_EXAMPLE}\n")
    assert ana.cli("--allow-secrets", "sync").exit_code == 0
    git(ana.root, "mv", "notes/ftp.md", "notes/file-transfer.md")
    result = ana.cli("sync")
    assert result.exit_code == 0, result.output + result.stderr
    assert ben.cli("sync").exit_code == 0
    assert (ben.root / "notes/file-transfer.md").exists()


def test_a_line_marked_as_fine_is_committed_and_shared(pair: tuple[Clone, Clone]) -> None:
    ana, ben = pair
    ana.write("notes/sample.md", f"# Sample\n{SECRET} <!-- kb:allow-secret -->\n")
    result = ana.cli("sync")
    assert result.exit_code == 0, result.output + result.stderr
    assert ben.cli("sync").exit_code == 0
    assert (ben.root / "notes/sample.md").exists()
