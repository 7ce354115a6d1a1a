"""Edits that would break a note's front matter are refused or confirmed, never committed
silently; ``kb check`` reports a front matter block that became text."""

from __future__ import annotations

import sys
from pathlib import Path

from kb.notes.front_matter_guard import front_matter_damage, turned_into_text
from tests.helpers import VPN_NOTE, Cli, git_log

TEXT = VPN_NOTE.lstrip("\n")


def test_a_stray_keystroke_above_the_front_matter_is_damage() -> None:
    damage = front_matter_damage(TEXT, "X" + TEXT)
    assert damage is not None
    assert "plain text" in damage.summary
    assert "- status: archived" in damage.difference()
    assert "- tickets: [HELP-482]" in damage.difference()


def test_dropping_a_known_field_is_damage_editing_the_body_is_not() -> None:
    dropped = front_matter_damage(TEXT, TEXT.replace("status: archived\n", ""))
    assert dropped is not None and dropped.dropped == ["status"]
    broken = front_matter_damage(TEXT, TEXT.replace("tags: [vpn, dns]", "tags: [vpn, dns"))
    assert broken is not None and "not valid YAML" in broken.summary
    assert front_matter_damage(TEXT, TEXT + "More words.\n") is None
    assert front_matter_damage(TEXT, TEXT.replace("archived", "validated")) is None
    # A note with no readable front matter to begin with has nothing to lose.
    assert front_matter_damage("X" + TEXT, "Y" + TEXT) is None


def test_turned_into_text_is_recognised() -> None:
    assert turned_into_text("X" + TEXT)
    assert not turned_into_text(TEXT)
    assert not turned_into_text("# Heading\n\nsome --- text\n")


def _editor(tmp_path: Path, code: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n" + code)
    return f"{sys.executable} {script}"


def test_kb_edit_refuses_a_save_that_breaks_the_front_matter(
    cli: Cli, kb_root: Path, tmp_path: Path
) -> None:
    note = kb_root / "notes/vpn-no-intranet.md"
    before, log = note.read_bytes(), git_log(kb_root)
    editor = _editor(tmp_path, "p.write_text('X' + p.read_text() + 'New line.\\n')\n")
    result = cli("edit", "vpn-no-intranet", env={"EDITOR": editor})
    assert result.exit_code == 2
    assert "not saved" in result.stderr and "plain text" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert note.read_bytes() == before
    assert git_log(kb_root) == log
    kept = result.stderr.split("your text is in ")[1].strip()
    assert (kb_root / kept).read_text().startswith("X---")


def test_kb_edit_refuses_dropping_a_known_field(cli: Cli, kb_root: Path, tmp_path: Path) -> None:
    code = "p.write_text(p.read_text().replace('tickets: [HELP-482]\\n', ''))\n"
    editor = _editor(tmp_path, code)
    result = cli("edit", "vpn-no-intranet", env={"EDITOR": editor})
    assert result.exit_code == 2 and "tickets" in result.stderr
    assert "HELP-482" in (kb_root / "notes/vpn-no-intranet.md").read_text()


def test_kb_check_reports_front_matter_turned_into_text(cli: Cli, kb_root: Path) -> None:
    note = kb_root / "notes/vpn-no-intranet.md"
    note.write_text("X" + note.read_text())
    result = cli("check")
    assert result.exit_code == 1
    assert "notes/vpn-no-intranet.md:1" in result.stdout
    assert "front matter turned into text" in result.stdout
