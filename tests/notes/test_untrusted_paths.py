"""Nothing from a repository is trusted to point elsewhere: symlinks a teammate commits never
make kb read, write or delete outside the KB.

Every test builds a "team" repository whose commit holds the symlinks, pushes it to a bare
"server", and runs kb in a clone of it (or in a clone that pulls it with ``kb sync``). The
folder the symlinks lead to stands for the victim's own files: it must come out byte for byte
as it went in.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from kb import KnowledgeBase
from kb.guides.progress import ReadingProgress
from kb.notes.errors import KBError
from tests.helpers import PRINTER_NOTE, PROJECT, Cli, git, no_traceback, use_engine, write

NETRC = "machine vault.corp.local login admin password Tr0ub4dor&3\n"


def precious(tmp_path: Path) -> Path:
    """The victim's own files, outside every KB: folders, files and a secret."""
    folder = tmp_path / "precious"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "wedding.jpg").write_bytes(b"\xff\xd8\xff jpeg bytes")
    (folder / "taxes" / "2025").mkdir(parents=True)
    (folder / "taxes" / "2025" / "return.pdf").write_bytes(b"%PDF-1.7 return")
    (folder / "diary.txt").write_text("dear diary\n")
    (folder / ".netrc").write_text(NETRC)
    return folder


def snapshot(folder: Path) -> dict[str, bytes | str | None]:
    """Every entry under ``folder``: files with their bytes, folders as None, links as text."""
    found: dict[str, bytes | str | None] = {}
    for current, dirs, files in os.walk(folder):
        for name in dirs:
            path = Path(current, name)
            found[path.relative_to(folder).as_posix()] = (
                f"-> {os.readlink(path)}" if path.is_symlink() else None
            )
        for name in files:
            path = Path(current, name)
            rel = path.relative_to(folder).as_posix()
            found[rel] = f"-> {os.readlink(path)}" if path.is_symlink() else path.read_bytes()
    return found


def team_server(
    tmp_path: Path,
    links: dict[str, str],
    *,
    engine: str = "whoosh",
    extra: dict[str, str] | None = None,
) -> Path:
    """A bare repository holding a team KB with the printer note and the given symlinks
    (path in the KB -> link target), committed as git stores symlinks."""
    team = tmp_path / "team"
    KnowledgeBase.init(team).close()
    use_engine(team, engine)
    write(team, "notes/printer-offline.md", PRINTER_NOTE)
    for rel, text in (extra or {}).items():
        if (team / rel).is_dir():  # kb's own local folder (locks), made by init
            shutil.rmtree(team / rel)
        write(team, rel, text)
    for rel, target in links.items():
        path = team / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    # -f: a team's .gitignore does not stop a file being committed on purpose.
    git(team, "add", "-A", "-f")
    git(team, "commit", "-qm", "Team KB")
    server = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server)], check=True)
    git(team, "push", "-q", str(server), "HEAD:main")
    return server


def clone(server: Path, root: Path) -> Path:
    """The victim's clone of the team KB."""
    git(server.parent, "clone", "-q", str(server), str(root))
    return root


def run(root: Path, *args: str, input: str | None = None) -> Any:
    """Run kb in ``root``; never a traceback."""
    result = Cli(root)(*args, input=input)
    no_traceback(result)
    return result


# --- .kb/ is always a real local folder ----------------------------------------------------------


def test_a_committed_index_symlink_never_deletes_outside_the_kb(
    tmp_path: Path, engine: str
) -> None:
    outside = precious(tmp_path)
    before = snapshot(outside)
    server = team_server(tmp_path, {".kb/index": "../../precious"}, engine=engine)
    victim = clone(server, tmp_path / "victim")
    assert (victim / ".kb" / "index").is_symlink()

    result = run(victim, "search", "printer offline")

    assert result.exit_code == 0, result.output
    assert "printer-offline" in result.output
    assert snapshot(outside) == before
    index = victim / ".kb" / "index"
    assert index.is_dir() and not index.is_symlink()
    assert run(victim, "index", "--rebuild").exit_code == 0
    assert snapshot(outside) == before


def test_an_index_symlink_pulled_by_sync_never_deletes_outside_the_kb(
    tmp_path: Path, engine: str
) -> None:
    outside = precious(tmp_path)
    before = snapshot(outside)
    server = team_server(tmp_path, {}, engine=engine)
    victim = clone(server, tmp_path / "victim")
    git(victim, "config", "user.name", "Vic Tim")
    assert run(victim, "search", "printer").exit_code == 0  # a live index of its own
    attacker = clone(server, tmp_path / "attacker")
    shutil.rmtree(attacker / ".kb", ignore_errors=True)
    (attacker / ".kb").mkdir()
    os.symlink("../../precious", attacker / ".kb" / "index")
    git(attacker, "add", "-f", ".kb/index")
    git(attacker, "-c", "user.name=Mallory", "-c", "user.email=m@example.org", "commit", "-qm", "x")
    git(attacker, "push", "-q", "origin", "HEAD:main")

    run(victim, "sync")
    for args in (("search", "printer"), ("index",), ("search", "nothing-like-this-anywhere")):
        run(victim, *args)

    assert snapshot(outside) == before
    index = victim / ".kb" / "index"
    assert index.is_dir() and not index.is_symlink()
    assert run(victim, "search", "printer").exit_code == 0


def test_a_committed_kb_folder_symlink_is_replaced_by_a_real_folder(
    tmp_path: Path, engine: str
) -> None:
    outside = precious(tmp_path)
    before = snapshot(outside)
    server = team_server(tmp_path, {".kb": "../precious"}, engine=engine)
    victim = clone(server, tmp_path / "victim")

    assert run(victim, "search", "printer offline").exit_code == 0
    assert run(victim, "search", "no such words at all").exit_code == 1  # logged as missed
    progress = ReadingProgress(victim)
    progress.mark_read(["notes/printer-offline.md"])

    assert snapshot(outside) == before
    local = victim / ".kb"
    assert local.is_dir() and not local.is_symlink()
    assert (local / "searches.jsonl").is_file()
    assert (local / "progress.json").is_file()


def test_local_state_symlinks_are_removed_as_links_never_followed(tmp_path: Path) -> None:
    outside = precious(tmp_path)
    before = snapshot(outside)
    links = {
        ".kb/searches.jsonl": "../../precious/diary.txt",
        ".kb/state.json": "../../precious/.netrc",
        ".kb/progress.json": "../../precious/diary.txt",
        ".kb/index/lock": "../../../precious/created-by-kb",
        ".kb/index/current.json": "../../../precious/diary.txt",
    }
    server = team_server(tmp_path, links)
    victim = clone(server, tmp_path / "victim")

    assert run(victim, "search", "nothing-like-this-anywhere").exit_code == 1
    assert run(victim, "search", "printer").exit_code == 0
    progress = ReadingProgress(victim)
    assert progress.read == set()
    progress.mark_read(["notes/printer-offline.md"])
    from kb.notes.local_state import recent_ticket, remember_ticket

    assert recent_ticket(victim) is None  # the link to the secret is not read as state
    remember_ticket(victim, "INC0012345")

    assert snapshot(outside) == before
    for rel in links:
        assert not (victim / rel).is_symlink(), rel
    assert recent_ticket(victim) == "INC0012345"
    logged = (victim / ".kb" / "searches.jsonl").read_text()
    assert "nothing-like-this-anywhere" in logged and "dear diary" not in logged


def test_symlinks_among_index_generations_are_unlinked_not_followed(
    tmp_path: Path, engine: str
) -> None:
    outside = precious(tmp_path)
    before = snapshot(outside)
    live = f"{engine}-2-3-0123456789ab"  # a committed index that claims to be the live one
    links = {
        ".kb/index/old-generation": "../../../precious",
        ".kb/index/stale/photos": "../../../../precious/photos",
        f".kb/index/{live}/_MAIN_1.toc": "../../../../precious/diary.txt",
        f".kb/index/{live}/meta.json": "../../../../precious/diary.txt",
    }
    current = json.dumps({"format": f"{engine}-2-3", "generation": live})
    server = team_server(tmp_path, links, engine=engine, extra={".kb/index/current.json": current})
    victim = clone(server, tmp_path / "victim")

    assert run(victim, "search", "printer").exit_code == 0
    assert run(victim, "index", "--rebuild").exit_code == 0

    assert snapshot(outside) == before
    index = victim / ".kb" / "index"
    assert not any(os.path.lexists(index / name) for name in ("old-generation", "stale", live))


@pytest.mark.parametrize("rel", [".kb", ".kb/index"])
def test_a_committed_file_in_place_of_a_local_folder_is_replaced(
    tmp_path: Path, engine: str, rel: str
) -> None:
    server = team_server(tmp_path, {}, engine=engine, extra={rel: "not a folder\n"})
    victim = clone(server, tmp_path / "victim")

    result = run(victim, "search", "printer")

    assert result.exit_code == 0, result.output
    assert (victim / rel).is_dir()


# --- leftover index generations ------------------------------------------------------------------


def _leftover_generation(root: Path) -> Path:
    """A generation folder as a rebuild killed before its switch leaves it: a real index
    holding documents, that ``current.json`` does not name."""
    kb = KnowledgeBase.open(root)
    try:
        index = kb.index
        folder = index.folder / f"{index.format_id}-{uuid.uuid4().hex[:12]}"
        engine = index.factory.create(folder)
        engine.write(iter([]), timeout=5)
        engine.close()
        (folder / "manifest.json").write_text('{"files": {}}')
    finally:
        kb.close()
    return folder


def test_leftover_generations_are_swept_by_an_incremental_update(
    tmp_path: Path, engine: str
) -> None:
    server = team_server(tmp_path, {}, engine=engine)
    victim = clone(server, tmp_path / "victim")
    assert run(victim, "index").exit_code == 0
    leftovers = [_leftover_generation(victim) for _ in range(5)]
    assert all(folder.is_dir() for folder in leftovers)
    live = json.loads((victim / ".kb" / "index" / "current.json").read_text())["generation"]

    write(victim, "notes/vpn.md", "---\ntitle: VPN drops\n---\nReconnect.\n")
    result = run(victim, "index")  # incremental: nothing is rebuilt

    assert result.exit_code == 0, result.output
    assert not any(folder.exists() for folder in leftovers)
    folders = [p.name for p in (victim / ".kb" / "index").iterdir() if p.is_dir()]
    assert folders == [live]
    assert run(victim, "search", "vpn drops").exit_code == 0


def test_leftover_generations_are_swept_when_a_note_is_saved(tmp_path: Path, engine: str) -> None:
    server = team_server(tmp_path, {}, engine=engine)
    victim = clone(server, tmp_path / "victim")
    assert run(victim, "index").exit_code == 0
    leftover = _leftover_generation(victim)

    assert run(victim, "new", "--title", "Teams camera is black").exit_code == 0

    assert not leftover.exists()
    assert run(victim, "search", "teams camera").exit_code == 0


# --- templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("absolute", [False, True])
def test_a_template_symlink_to_a_local_secret_is_never_read(tmp_path: Path, absolute: bool) -> None:
    outside = precious(tmp_path)
    target = str(outside / ".netrc") if absolute else "../../precious/.netrc"
    server = team_server(tmp_path, {"templates/fix.md": target, "templates/question.md": target})
    victim = clone(server, tmp_path / "victim")

    result = run(victim, "new", "--title", "Printer driver missing")

    assert result.exit_code == 0, result.output
    assert "templates/fix.md" in result.stderr and "built-in" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    text = (victim / "notes" / "printer-driver-missing.md").read_text()
    assert "Tr0ub4dor" not in text and "## Resolution" in text
    asked = run(victim, "ask", "Why does the plotter print blank pages?")
    assert asked.exit_code == 0, asked.output
    assert "templates/question.md" in asked.stderr
    pushed = git(victim, "log", "-p", "--all")
    assert "Tr0ub4dor" not in pushed


def test_a_template_tracked_as_a_symlink_inside_the_kb_is_not_used(tmp_path: Path) -> None:
    server = team_server(tmp_path, {"templates/fix.md": "../.git/config"})
    victim = clone(server, tmp_path / "victim")

    result = run(victim, "new", "--title", "Scanner to email fails")

    assert result.exit_code == 0, result.output
    text = (victim / "notes" / "scanner-to-email-fails.md").read_text()
    assert "[core]" not in text and "## Issue" in text
    assert "templates/fix.md" in result.stderr


def test_a_real_template_is_still_used(tmp_path: Path) -> None:
    server = team_server(
        tmp_path, {}, extra={"templates/fix.md": "---\ntype: fix\n---\n## Team steps\n"}
    )
    victim = clone(server, tmp_path / "victim")

    result = run(victim, "new", "--title", "Dock not detected")

    assert result.exit_code == 0 and result.stderr == ""
    assert "## Team steps" in (victim / "notes" / "dock-not-detected.md").read_text()


# --- symlinked content folders -------------------------------------------------------------------


def _notes_outside(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes | str | None]]:
    outside = precious(tmp_path)
    write(outside, "wait.md", "---\ntitle: Waiting on a part\ntype: question\n---\n## Updates\n")
    before = snapshot(outside)
    server = team_server(tmp_path, {"notes": "../precious"})
    return clone(server, tmp_path / "victim"), outside, before


def _refused(result: Any, named: str) -> None:
    """kb refused with exit 2 and one line naming the symlink."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and "symlink" in lines[0], lines


def test_notes_symlinked_outside_refuses_every_write(tmp_path: Path) -> None:
    victim, outside, before = _notes_outside(tmp_path)

    _refused(run(victim, "new", "--title", "Printer jam"), "notes/")
    _refused(run(victim, "ask", "Why is the badge reader offline?"), "notes/")
    _refused(run(victim, "update", "wait", "told the caller"), "notes/")
    _refused(run(victim, "update", "notes/wait.md", "told the caller"), "notes/")
    _refused(run(victim, "answer", "wait", "--body-file", "-", input="Reseat it.\n"), "notes/")
    _refused(run(victim, "flag", "wait", "outdated"), "notes/")
    _refused(run(victim, "link", "wait", "INC0012345"), "notes/")
    _refused(run(victim, "edit", "wait"), "notes/")

    assert snapshot(outside) == before


def test_kb_check_reports_a_symlinked_content_folder(tmp_path: Path) -> None:
    victim, outside, before = _notes_outside(tmp_path)

    result = run(victim, "check")

    assert result.exit_code == 1, result.output
    assert "notes" in result.output and "symlink" in result.output
    assert "No problems" not in result.output
    assert snapshot(outside) == before


def test_tickets_symlinked_outside_refuses_import_and_link(tmp_path: Path) -> None:
    outside = precious(tmp_path)
    before = snapshot(outside)
    server = team_server(tmp_path, {"tickets": "../precious"})
    victim = clone(server, tmp_path / "victim")
    export = tmp_path / "export.csv"
    export.write_text(
        "number,short_description,state,opened_at\nINC0050001,Printer offline,New,2026-11-20\n"
    )

    _refused(run(victim, "import", str(export)), "tickets/")
    _refused(run(victim, "link", "printer-offline", "INC0012345"), "tickets/")
    check = run(victim, "check")
    assert check.exit_code == 1 and "tickets" in check.output

    assert snapshot(outside) == before


def test_a_content_folder_symlinked_inside_the_kb_is_read_but_never_written(
    tmp_path: Path,
) -> None:
    server = team_server(
        tmp_path,
        {"notes": "docs"},
        extra={"docs/wait.md": "---\ntitle: Waiting on a part\ntype: question\n---\n"},
    )
    victim = clone(server, tmp_path / "victim")
    before = (victim / "docs" / "wait.md").read_bytes()

    assert run(victim, "search", "waiting part").exit_code == 0
    _refused(run(victim, "update", "wait", "told the caller"), "notes/")
    _refused(run(victim, "new", "--title", "Printer jam"), "notes/")

    assert (victim / "docs" / "wait.md").read_bytes() == before
    assert not (victim / "docs" / "printer-jam.md").exists()


def test_the_app_s_saves_never_write_through_a_symlinked_subfolder(tmp_path: Path) -> None:
    outside = precious(tmp_path)
    before = snapshot(outside)
    server = team_server(tmp_path, {"notes/vendor": "../../precious"})
    victim = clone(server, tmp_path / "victim")

    with KnowledgeBase.open(victim) as kb:
        with pytest.raises(KBError) as refused:
            kb.save_text("notes/vendor/diary.md", "---\ntitle: x\n---\n", "Edit: x")
        assert refused.value.code == 2 and "notes/vendor/" in str(refused.value)
        with pytest.raises(KBError):
            kb.save_text("notes/../../precious/diary.txt", "overwritten", "Edit: x")

    assert snapshot(outside) == before


def test_a_note_file_symlink_is_never_written_through(tmp_path: Path) -> None:
    outside = precious(tmp_path)
    before = snapshot(outside)
    server = team_server(tmp_path, {"notes/diary.md": "../../precious/diary.txt"})
    victim = clone(server, tmp_path / "victim")

    result = run(victim, "update", "diary", "told the caller")

    assert result.exit_code in (1, 2) and result.exit_code != 0
    assert snapshot(outside) == before


def test_kb_resolve_never_deletes_a_conflict_file_behind_a_symlinked_folder(
    tmp_path: Path,
) -> None:
    outside = precious(tmp_path)
    write(outside, "wait.md", "---\ntitle: Waiting on a part\n---\nmine\n")
    write(outside, "wait.conflict-bob-20261120-0900.md", "---\ntitle: Waiting\n---\ntheirs\n")
    before = snapshot(outside)
    server = team_server(tmp_path, {"notes": "../precious"})
    victim = clone(server, tmp_path / "victim")

    listed = run(victim, "resolve")
    settled = run(victim, "resolve", "notes/wait.md", "--mine")

    assert "wait.conflict" not in listed.output
    assert settled.exit_code != 0
    assert snapshot(outside) == before


def test_a_lock_under_a_symlinked_kb_folder_is_taken_inside_the_kb(tmp_path: Path) -> None:
    from kb.notes.lock import FileLock

    outside = precious(tmp_path)
    before = snapshot(outside)
    server = team_server(tmp_path, {".kb": "../precious"})
    victim = clone(server, tmp_path / "victim")

    with FileLock(victim / ".kb" / "locks" / "links.lock", timeout=1):
        pass

    assert snapshot(outside) == before
    assert (victim / ".kb" / "locks" / "links.lock").is_file()
    assert not (victim / ".kb").is_symlink()


# --- other files kb reads from the repository ----------------------------------------------------


def test_settings_and_synonyms_are_never_read_through_a_symlink_outside(tmp_path: Path) -> None:
    outside = precious(tmp_path)
    (outside / "settings.toml").write_text('[tickets]\nurl = "https://evil.example/{id}"\n')
    (outside / "synonyms.txt").write_text("printer, wedding\n")
    before = snapshot(outside)
    server = team_server(
        tmp_path,
        {"kb.toml": "../precious/settings.toml", "synonyms.txt": "../precious/synonyms.txt"},
    )
    victim = clone(server, tmp_path / "victim")

    with KnowledgeBase.open(victim) as kb:
        assert kb.settings.ticket_url is None
        assert any("kb.toml" in str(problem) for problem in kb.settings.problems)
        members = [" ".join(member) for member in kb.synonyms.member_groups]
        assert members and not any("wed" in member for member in members)
    check = run(victim, "check")
    assert check.exit_code == 1 and "kb.toml" in check.output and "synonyms.txt" in check.output
    assert snapshot(outside) == before


def test_a_link_log_symlink_is_never_read_nor_written_through(tmp_path: Path) -> None:
    outside = precious(tmp_path)
    line = {"action": "link", "ticket": "INC0099999", "note": "notes/printer-offline.md"}
    (outside / "links.jsonl").write_text(json.dumps(line) + "\n" + NETRC)
    before = snapshot(outside)
    server = team_server(tmp_path, {"tickets/links.jsonl": "../../precious/links.jsonl"})
    victim = clone(server, tmp_path / "victim")

    ticket = run(victim, "ticket", "INC0099999", "--json")
    assert "printer-offline" not in ticket.output
    check = run(victim, "check")
    assert "Tr0ub4dor" not in check.output and "links.jsonl" in check.output
    _refused(run(victim, "link", "printer-offline", "INC0012345"), "tickets/links.jsonl")

    assert snapshot(outside) == before
    assert "Tr0ub4dor" not in git(victim, "log", "-p", "--all")


# --- one owner for every write -------------------------------------------------------------------


def test_every_atomic_write_names_the_kb_it_writes_in() -> None:
    """Every atomic write in kb passes ``root=``: the path is checked to be a real path inside
    that KB (no symlink on the way) before anything is written."""
    missing = []
    for path in sorted((PROJECT / "kb").rglob("*.py")):
        if path.name == "atomic.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "atomic"
                and node.func.attr.startswith("write")
                and not any(keyword.arg == "root" for keyword in node.keywords)
            ):
                missing.append(f"{path.relative_to(PROJECT)}:{node.lineno}")
    assert missing == []
