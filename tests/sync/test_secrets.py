"""Secrets: what technicians paste by mistake is stopped before a commit and before a push."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes.secrets import SecretRules, scan_line
from tests.helpers import (
    CORPUS,
    ORDINARY,
    PROJECT,
    SECRETS,
    Cli,
    git_log,
    no_traceback,
)


@pytest.mark.parametrize("line", SECRETS)
def test_secrets_are_found(line: str) -> None:
    assert scan_line(line) is not None


@pytest.mark.parametrize("line", ORDINARY)
def test_ordinary_prose_passes(line: str) -> None:
    assert scan_line(line) is None


def test_the_finding_never_repeats_the_secret() -> None:
    kind, excerpt = scan_line("Local admin password: Winter2026!") or ("", "")
    assert "Winter2026!" not in excerpt and "password" in kind


def test_starter_notes_and_real_support_articles_do_not_trip_it() -> None:
    folders = [PROJECT / "notes", CORPUS / "ms-support"]
    lines = 0
    for folder in folders:
        for path in folder.rglob("*.md"):
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                lines += 1
                assert scan_line(line) is None, f"{path}:{number}: {line}"
    assert lines > 1000 or not (CORPUS / "ms-support").exists()


def test_team_patterns_and_allow_list() -> None:
    rules = SecretRules.from_settings([r"\bcorp-api-[0-9a-f]{16}\b"], [r"password: see the vault"])
    assert scan_line("key corp-api-0123456789abcdef", rules) is not None
    assert scan_line("password: see the vault", rules) is None
    assert scan_line("password: Vault-Open-99", rules) is not None


@pytest.fixture
def team_kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    return root


def test_a_note_with_a_password_is_saved_but_not_committed(team_kb: Path, tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text("## Resolution\nLog in as admin, password: Winter2026!\n")
    cli = Cli(team_kb)
    result = cli("new", "--title", "Kiosk login", "--body-file", str(body))
    no_traceback(result)
    assert result.exit_code == 2
    assert "notes/kiosk-login.md:" in result.stderr and "looks like a credential" in result.stderr
    assert "Winter2026!" not in result.stderr
    assert (team_kb / "notes/kiosk-login.md").exists()  # nothing lost
    assert git_log(team_kb) == ["Create knowledge base"]
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=team_kb, capture_output=True, text=True
    ).stdout
    assert "?? notes/kiosk-login.md" in status  # not staged either
    # The user says it is fine: committed.
    result = cli("--allow-secrets", "save")
    assert result.exit_code == 0, result.output
    assert git_log(team_kb)[0].startswith("Save changes made outside kb")


def test_kb_toml_patterns_apply_to_commits(team_kb: Path, tmp_path: Path) -> None:
    toml = team_kb / "kb.toml"
    text = toml.read_text().replace(
        "[secrets]\n", "[secrets]\npatterns = ['\\bcorp-api-[0-9a-f]{16}\\b']\n"
    )
    assert "patterns = ['" in text
    toml.write_text(text)
    subprocess.run(["git", "commit", "-qam", "patterns"], cwd=team_kb, check=True)
    body = tmp_path / "body.md"
    body.write_text("Use corp-api-0123456789abcdef for the inventory sync.\n")
    result = Cli(team_kb)("new", "--title", "Inventory sync", "--body-file", str(body))
    assert result.exit_code == 2 and "kb.toml pattern" in result.stderr


def test_a_push_carrying_a_secret_committed_by_hand_is_refused(
    team_kb: Path, tmp_path: Path
) -> None:
    server = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server)], check=True)
    subprocess.run(["git", "remote", "add", "origin", str(server)], cwd=team_kb, check=True)
    cli = Cli(team_kb)
    assert cli("sync").exit_code == 0
    (team_kb / "notes" / "vpn.md").write_text("# VPN\n-----BEGIN OPENSSH PRIVATE KEY-----\n")
    subprocess.run(["git", "add", "-A"], cwd=team_kb, check=True)
    subprocess.run(["git", "commit", "-qm", "by hand"], cwd=team_kb, check=True)
    before = subprocess.run(
        ["git", "rev-parse", "main"], cwd=server, capture_output=True, text=True
    ).stdout
    result = cli("sync")
    no_traceback(result)
    assert result.exit_code == 2
    assert "not pushed" in result.stderr and "notes/vpn.md:2" in result.stderr
    after = subprocess.run(
        ["git", "rev-parse", "main"], cwd=server, capture_output=True, text=True
    ).stdout
    assert before == after
    assert cli("--allow-secrets", "sync").exit_code == 0
