"""Secrets never reach the team's remote without --allow-secrets, however the file is shaped.

Each bypass is tried against a real bare repository as the server, and the server's objects
are searched for the secret afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.notes.secrets import Finding, readings, scan_bytes, scan_line, too_broad
from tests.helpers import (
    CORPUS,
    ORDINARY,
    SECRETS,
    Cli,
    built_team_once,
    git,
    git_log,
    no_traceback,
)

SECRET = "Winter2026!"
SECRET_LINE = f"Local admin password: {SECRET}"


def on_remote(server: Path, secret: str) -> bool:
    """True when any object on the server holds ``secret`` in any common encoding."""
    data = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"],
        cwd=server,
        check=True,
        capture_output=True,
    ).stdout
    return any(secret.encode(codec) in data for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def tells_nothing(output: str, secret: str = SECRET) -> None:
    """Assert a message names no part of the secret, not even its start."""
    assert secret not in output
    assert f"{secret[:2]}…" not in output and f"{secret[:3]}…" not in output


def _synced_once(folder: Path) -> None:
    root = folder / "kb"
    KnowledgeBase.init(root).close()
    server = folder / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server)], check=True)
    git(root, "remote", "add", "origin", str(server))
    assert Cli(root)("sync").exit_code == 0


@pytest.fixture
def team(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A KB that has synced once with a bare repository (the team's server)."""
    folder = built_team_once(tmp_path_factory, "synced-once", _synced_once, tmp_path / "team")
    return folder / "kb", folder / "server.git"


def commit_by_hand(root: Path, message: str = "by hand") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def refused(
    root: Path, server: Path, path: str, when: str, secret: str = SECRET, *, rest: bool = False
) -> str:
    """Run kb sync; assert it refused, named ``path`` and kept the secret off the server
    (which gets nothing, or with ``rest`` the files without findings)."""
    before = git(server, "for-each-ref")
    result = Cli(root)("sync")
    no_traceback(result)
    assert result.exit_code == 2, result.output
    assert when in result.stderr, result.stderr
    assert f"{path}:" in result.stderr, result.stderr
    tells_nothing(result.stderr + result.output, secret)
    assert rest or git(server, "for-each-ref") == before
    assert not on_remote(server, secret)
    return result.stderr


# -- encodings git takes for binary --------------------------------------------------------------

ENCODED = {
    # Notepad's "Unicode": a byte order mark and CRLF line ends.
    "utf-16 with BOM": lambda text: text.replace("\n", "\r\n").encode("utf-16"),
    "utf-16-le without BOM": lambda text: text.encode("utf-16-le"),
    "utf-16-be without BOM": lambda text: text.encode("utf-16-be"),
    "utf-8 with BOM": lambda text: text.encode("utf-8-sig"),
    "latin-1": lambda text: text.encode("latin-1"),
}
TEXT = f"# Réseau du kiosque\n\n{SECRET_LINE}\nÀ changer après la visite.\n"


@pytest.mark.parametrize("encoding", list(ENCODED))
def test_a_note_in_another_encoding_is_not_committed(
    team: tuple[Path, Path], encoding: str
) -> None:
    root, server = team
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "kiosk.md").write_bytes(ENCODED[encoding](TEXT))
    stderr = refused(root, server, "notes/kiosk.md", "not committed")
    assert "notes/kiosk.md:3: looks like a credential (password)" in stderr
    assert git_log(root)[0] == "Create knowledge base"


@pytest.mark.parametrize("encoding", list(ENCODED))
def test_a_note_in_another_encoding_committed_by_hand_is_not_pushed(
    team: tuple[Path, Path], encoding: str
) -> None:
    root, server = team
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "kiosk.md").write_bytes(ENCODED[encoding](TEXT))
    commit_by_hand(root)
    stderr = refused(root, server, "notes/kiosk.md", "not pushed")
    assert "notes/kiosk.md:3: looks like a credential (password)" in stderr


def test_readings_of_odd_text() -> None:
    # Each reading holds the secret's line whole.
    for encode in ENCODED.values():
        assert any(SECRET_LINE in lines for lines in readings(encode(TEXT)))
    nul = f"# Kiosk\n{SECRET_LINE}\n".encode().replace(b"Winter", b"Win\x00ter")
    assert any(SECRET_LINE in lines for lines in readings(nul))
    assert scan_bytes("notes/a.md", b"Note\x00password: " + SECRET.encode())  # NUL as a space
    assert readings(bytes(range(256)) * 64) == []  # an image or archive is not text
    assert readings(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64) == []
    cjk = f"{'日本語のテキスト。' * 40}\n{SECRET_LINE}\n{'終わり' * 30}"
    for codec in ("utf-16-le", "utf-16-be"):  # mostly not ASCII, no byte order mark
        assert SECRET_LINE in readings(cjk.encode(codec))[0]
    hidden = "pass\u200bword: Autumn2026!"  # a zero-width space in the middle of a word
    assert scan_bytes("notes/a.md", hidden.encode())


# -- attributes that hide diffs ------------------------------------------------------------------


@pytest.mark.parametrize("attribute", ["*.md -diff", "*.md binary", "notes/** -text -diff"])
def test_gitattributes_do_not_hide_a_secret(
    team: tuple[Path, Path], tmp_path: Path, attribute: str
) -> None:
    root, server = team
    (root / ".gitattributes").write_text(attribute + "\n")
    commit_by_hand(root, "Team attributes")
    assert Cli(root)("sync").exit_code == 0
    body = tmp_path / "body.md"
    body.write_text(f"## Resolution\n{SECRET_LINE}\n")
    result = Cli(root)("new", "--title", "Kiosk login", "--body-file", str(body))
    no_traceback(result)
    assert result.exit_code == 2
    assert "notes/kiosk-login.md:" in result.stderr
    tells_nothing(result.stderr)
    assert git_log(root)[0] == "Team attributes"
    # Committed by hand, it is not pushed either.
    commit_by_hand(root)
    refused(root, server, "notes/kiosk-login.md", "not pushed")


# -- merge commits made with git -----------------------------------------------------------------


def test_lines_a_merge_commit_brings_are_scanned(team: tuple[Path, Path]) -> None:
    root, server = team
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "printer.md").write_text("# Printer\n\nRestart the spooler.\n")
    commit_by_hand(root, "Printer")
    git(root, "checkout", "-qb", "side")
    (root / "notes" / "vpn.md").write_text("# VPN\n\nReconnect.\n")
    commit_by_hand(root, "VPN")
    git(root, "checkout", "-q", "main")
    (root / "notes" / "dns.md").write_text("# DNS\n\nFlush the cache.\n")
    commit_by_hand(root, "DNS")
    git(root, "merge", "-q", "--no-ff", "--no-commit", "side")
    with (root / "notes" / "printer.md").open("a") as handle:
        handle.write(f"{SECRET_LINE}\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Merge branch 'side'")
    stderr = refused(root, server, "notes/printer.md", "not pushed")
    assert "notes/printer.md:4" in stderr


def test_a_merge_resolved_with_a_secret_is_scanned(team: tuple[Path, Path]) -> None:
    root, server = team
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "wifi.md").write_text("# Wi-Fi\n\nAsk the desk.\n")
    commit_by_hand(root, "Wi-Fi")
    git(root, "checkout", "-qb", "side")
    (root / "notes" / "wifi.md").write_text("# Wi-Fi\n\nAsk reception.\n")
    commit_by_hand(root, "side")
    git(root, "checkout", "-q", "main")
    (root / "notes" / "wifi.md").write_text("# Wi-Fi\n\nAsk the service desk.\n")
    commit_by_hand(root, "main")
    merge = subprocess.run(["git", "merge", "-q", "side"], cwd=root, capture_output=True)
    assert merge.returncode != 0  # a conflict, settled by hand with a secret
    (root / "notes" / "wifi.md").write_text(f"# Wi-Fi\n\n{SECRET_LINE}\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Merge")
    refused(root, server, "notes/wifi.md", "not pushed")


def test_the_teams_lines_a_merge_takes_in_are_not_blamed_on_the_merge(
    team: tuple[Path, Path], tmp_path: Path
) -> None:
    root, server = team
    # A teammate shares a line that only looks like a password (allowed on purpose).
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(server), str(other)], check=True)
    (other / "notes").mkdir(exist_ok=True)
    (other / "notes" / "lab.md").write_text(f"# Lab\n\nTraining VM: password: {SECRET}\n")
    commit_by_hand(other, "Lab")
    assert Cli(other)("--allow-secrets", "sync").exit_code == 0
    # Ours: an ordinary note; kb sync merges theirs and pushes the merge.
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "printer.md").write_text("# Printer\n\nRestart the spooler.\n")
    commit_by_hand(root, "Printer")
    result = Cli(root)("sync")
    assert result.exit_code == 0, result.stderr
    # A merge made with git, taking their side whole, is not blamed either.
    (other / "notes" / "lab.md").write_text(f"# Lab\n\nTraining VM: password: {SECRET}\nMore.\n")
    commit_by_hand(other, "Lab 2")
    assert Cli(other)("--allow-secrets", "sync").exit_code == 0
    (root / "notes" / "dns.md").write_text("# DNS\n")
    commit_by_hand(root, "DNS")
    git(root, "fetch", "-q", "origin")
    git(root, "merge", "-q", "--no-edit", "origin/main")
    result = Cli(root)("sync")
    assert result.exit_code == 0, result.stderr


def test_a_file_the_remote_has_already_is_not_scanned_again(
    team: tuple[Path, Path],
) -> None:
    root, _server = team
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "lab.md").write_text(f"# Lab\n\npassword: {SECRET}\n")
    commit_by_hand(root, "Lab")
    assert Cli(root)("--allow-secrets", "sync").exit_code == 0
    # Deleted and brought back in two local commits: the file is what the remote holds.
    git(root, "rm", "-q", "notes/lab.md")
    git(root, "commit", "-qm", "Remove lab")
    git(root, "checkout", "HEAD~1", "--", "notes/lab.md")
    git(root, "commit", "-qm", "Restore lab")
    result = Cli(root)("sync")
    assert result.exit_code == 0, result.stderr


# -- names git quotes ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["café-wifi.md", "Überblick Kiosk.md", "日本語.md"])
def test_a_note_with_a_non_ascii_name_is_scanned(team: tuple[Path, Path], name: str) -> None:
    root, server = team
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / name).write_text(f"# Wi-Fi\n{SECRET_LINE}\n")
    stderr = refused(root, server, f"notes/{name}", "not committed")
    assert f"notes/{name}:2: looks like a credential" in stderr
    commit_by_hand(root)
    refused(root, server, f"notes/{name}", "not pushed")


def test_a_file_name_with_control_characters_is_shown_escaped(team: tuple[Path, Path]) -> None:
    root, server = team
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "odd\x1b[2Jname.md").write_text(f"{SECRET_LINE}\n")
    stderr = refused(root, server, "notes/odd\\x1b[2Jname.md", "not committed")
    assert "\x1b" not in stderr


# -- NUL bytes -----------------------------------------------------------------------------------


def test_a_nul_byte_in_a_body_file_does_not_hide_a_secret(
    team: tuple[Path, Path], tmp_path: Path
) -> None:
    root, server = team
    body = tmp_path / "body.md"
    body.write_bytes(f"## Resolution\n\x00\n{SECRET_LINE}\n".encode())
    result = Cli(root)("new", "--title", "Kiosk login", "--body-file", str(body))
    no_traceback(result)
    assert result.exit_code == 2
    assert "notes/kiosk-login.md:" in result.stderr
    tells_nothing(result.stderr)
    refused(root, server, "notes/kiosk-login.md", "not committed")


def test_a_nul_byte_in_a_file_committed_by_hand_does_not_hide_a_secret(
    team: tuple[Path, Path],
) -> None:
    root, server = team
    (root / "notes").mkdir(exist_ok=True)
    data = f"# Kiosk\n\x00\x00\x00\n{SECRET_LINE}\n".encode()
    (root / "notes" / "kiosk.md").write_bytes(data)
    commit_by_hand(root)
    stderr = refused(root, server, "notes/kiosk.md", "not pushed")
    assert "notes/kiosk.md:3" in stderr


def test_kb_import_that_the_secret_check_stopped_fails(
    team: tuple[Path, Path], tmp_path: Path
) -> None:
    root, server = team
    export = tmp_path / "incidents.json"
    records = [
        {
            "number": "INC0030001",
            "short_description": "Kiosk cannot log in",
            "state": "Resolved",
            "description": f"Caller pasted this:\u0000\n{SECRET_LINE}",
        },
        {"number": "INC0030002", "short_description": "Printer jam", "state": "New"},
    ]
    export.write_text(json.dumps({"records": records}))
    result = Cli(root)("import", str(export))
    no_traceback(result)
    assert result.exit_code == 2, result.output
    assert "tickets/INC0030001.md:" in result.stderr
    assert "looks like a credential (password)" in result.stderr
    assert "not committed" in result.stderr
    tells_nothing(result.stderr + result.output)
    # Only the record with the finding is held back; the clean one is committed.
    tracked = subprocess.run(
        ["git", "ls-files", "tickets"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "tickets/INC0030002.md" in tracked and "tickets/INC0030001.md" not in tracked
    refused(root, server, "tickets/INC0030001.md", "not committed", rest=True)


# -- a template that is a symlink to ~/.netrc ----------------------------------------------------


def test_netrc_lines_from_a_template_symlink_never_reach_the_remote(
    team: tuple[Path, Path], isolated_user: Path
) -> None:
    root, server = team
    netrc = isolated_user / ".netrc"
    netrc.write_text(
        "machine git.corp.lan login deploy password Netrc-Pass-42\n"
        "machine ftp.corp.lan\n  login backup\n  password Ftp-Backup-77x\n"
    )
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "fix.md").unlink(missing_ok=True)
    os.symlink(netrc, root / "templates" / "fix.md")
    commit_by_hand(root, "Team templates")
    assert Cli(root)("sync").exit_code == 0
    result = Cli(root)("new", "--title", "Printer jam")
    no_traceback(result)
    note = (root / "notes" / "printer-jam.md").read_text()
    if "Netrc-Pass-42" in note:  # the template was copied: the commit must be refused
        assert result.exit_code == 2
        assert result.stderr.count("notes/printer-jam.md:") >= 2
        assert result.stderr.count("looks like a password in a .netrc file") == 2
        tells_nothing(result.stderr, "Netrc-Pass-42")
        tells_nothing(result.stderr, "Ftp-Backup-77x")
    Cli(root)("sync")
    assert not on_remote(server, "Netrc-Pass-42")
    assert not on_remote(server, "Ftp-Backup-77x")


def test_netrc_lines_copied_into_a_note_by_hand_are_not_pushed(team: tuple[Path, Path]) -> None:
    root, server = team
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "git.md").write_text(
        "# Git over HTTPS\n\nmachine git.corp.lan login deploy password Netrc-Pass-42\n"
    )
    commit_by_hand(root)
    refused(root, server, "notes/git.md", "not pushed", "Netrc-Pass-42")


# -- shapes --------------------------------------------------------------------------------------

COMMAND = "a password on a command line"
SHAPES = [
    ('"password": "Winter2026!",', "a password in a settings file"),
    ('{"adminPassword": "Sup3r-S3cret"}', "a password in a settings file"),
    ('  "db_password" : "hunter22x",', "a password in a settings file"),
    ('<add key="Password" value="Winter2026!"/>', "a password in a settings file"),
    ('<add key="SmtpPassword" value="mailpass99" />', "a password in a settings file"),
    ("curl -u admin:Adm1nPass https://nas01/api/status", COMMAND),
    ("curl --user svc_backup:letmein2 -X POST https://api.corp.lan", COMMAND),
    ("curl -s -u 'admin:P@ss word' https://nas01/", COMMAND),
    ("docker login -u deploy -p Dock3rPass registry.corp.lan", COMMAND),
    ("docker login --password=Dock3rPass --username deploy", COMMAND),
    ("az login -u admin@corp.com -p Azur3Pass!", COMMAND),
    ("az login --service-principal -u app-id --password s3cr3tV4lue --tenant t", COMMAND),
    ("Invoke-Sqlcmd -ServerInstance sql01 -Username sa -Password 'Sql!2024'", COMMAND),
    ('sqlcmd -S sql01 -U sa -P Sql2024x -Q "SELECT 1"', COMMAND),
    ('ldapsearch -x -D "cn=admin,dc=corp" -w Ldap2024x -b dc=corp', COMMAND),
    ("ldapmodify -D cn=admin -wLdapPass1 -f change.ldif", COMMAND),
    ("machine git.corp.lan login deploy password Netrc-Pass-42", "a password in a .netrc file"),
    ("default login anonymous password guest2024", "a password in a .netrc file"),
    ("  password Ftp-Backup-77x", "a password in a .netrc file"),
    (
        "Endpoint=sb://corp.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
        "SharedAccessKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmE=",
        "a shared access key",
    ),
    ("//registry.npmjs.org/:_authToken=npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "an npm token"),
    ("NPM_TOKEN npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "an npm token"),
    ("password: Autumn2026", "a credential (password)"),  # no longer read as "a…" placeholder
    (
        "$pw = ConvertTo-SecureString -String 'Pa55word!' -AsPlainText -Force",
        "a password in a script",
    ),
]

# The same shapes as documentation writes them, and prose about them.
PLACEHOLDERS = [
    '"password": "<password>",',
    '"password": "",',
    '"password": "{password}",',
    '"password": "${DB_PASSWORD}",',
    '"password": "your_password_here",',
    '"passwordLastSet": "2026-01-01T10:00:00Z",',
    '<add key="Password" value="%PASSWORD%"/>',
    '<add key="PasswordExpiryDays" value="90"/>',
    '<add key="PasswordPolicy" value="Strict"/>',
    "curl -u admin:$PASSWORD https://nas01/",
    "curl -u {{username}}:{{password}} https://nas01/",
    "curl -u username:password https://example.com",
    "curl -u admin https://nas01/ (curl asks for the password)",
    "curl --user-agent 'Mozilla/5.0' https://nas01:8080/",
    "docker login -u deploy --password-stdin registry.corp.lan",
    "docker login -u deploy -p *password* registry",
    "docker login -u {{username}} -p {{password}} {{server}}",
    "az login -u admin@corp.com -p <password>",
    "az login --password %AZ_PASSWORD%",
    "Invoke-Sqlcmd -ServerInstance sql01 -Password $cred",
    "Invoke-Sqlcmd -ServerInstance sql01 -Password $env:SQL_PASSWORD",
    "sqlcmd -S sql01 -U sa -P <password>",
    "ldapsearch -x -W -D cn=admin -b dc=corp",
    "ldapsearch -x -D cn=admin -w {password}",
    "machine git.corp.lan login deploy password <token>",
    "Machine account password resets every 30 days",
    "On the machine, the password field is greyed out.",
    "Type the login name and password, then press Enter.",
    "Password reset",
    "Password self-service",
    "SharedAccessKey=<key>",
    "SharedAccessKeyName=RootManageSharedAccessKey",
    "npm_config_registry is read from .npmrc",
    "Run npm install in the folder.",
    "Give the password to nobody, not even IT.",
    "The password: *password*",
    "The password is stored in %PASSWORD%.",
    "password: {password}",
    "password: $PASSWORD",
    "password: mypassword",
    "password: new_password",
]


@pytest.mark.parametrize(("line", "kind"), SHAPES)
def test_more_shapes_are_found(line: str, kind: str) -> None:
    hit = scan_line(line)
    assert hit is not None and hit[0] == kind, hit
    assert "Winter2026" not in hit[1] and "Adm1nPass" not in hit[1]


@pytest.mark.parametrize("line", PLACEHOLDERS)
def test_placeholders_and_prose_are_not_flagged(line: str) -> None:
    assert scan_line(line) is None


def test_a_whole_file_scan_finds_every_shape_on_its_line() -> None:
    # The quick first pass over a whole file must not drop a line the line rules catch.
    prose = [*ORDINARY, *PLACEHOLDERS, "", "Restart the spooler."]
    shapes = [*SECRETS, *(line for line, _kind in SHAPES)]
    lines: list[str] = []
    expected: list[int] = []
    for number, shape in enumerate(shapes):
        lines.extend(prose[number % len(prose) : number % len(prose) + 3])
        lines.append(shape)
        expected.append(len(lines))
    found = scan_bytes("notes/all.md", "\n".join(lines).encode())
    assert [finding.line for finding, _text in found] == expected


def test_a_new_shape_is_stopped_on_the_way_to_the_remote(team: tuple[Path, Path]) -> None:
    root, server = team
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "nas.md").write_text(
        "# NAS status\n\n```\ncurl -u admin:Adm1nPass https://nas01/api/status\n```\n"
    )
    commit_by_hand(root)
    stderr = refused(root, server, "notes/nas.md", "not pushed", "Adm1nPass")
    assert "notes/nas.md:4: looks like a password on a command line" in stderr


def test_corpora_stay_quiet() -> None:
    # Real support articles: no finding. Command-line examples: only lines that pass a
    # password for real (the counts are kept in step with the rules on purpose).
    lines = 0
    found: dict[str, list[str]] = {"ms-support": [], "tldr": []}
    for name, folder in (("ms-support", CORPUS / "ms-support"), ("tldr", CORPUS / "tldr/pages")):
        for path in sorted(folder.rglob("*.md")):
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                lines += 1
                if scan_line(line):
                    found[name].append(f"{path.relative_to(folder)}:{number}")
    if not lines:
        pytest.skip("the corpora are not here")
    assert found["ms-support"] == []
    assert len(found["tldr"]) <= 5, found["tldr"]


# -- team allow rules that allow everything ------------------------------------------------------


@pytest.mark.parametrize("rule", [".*", "", "(?i)password", "^", "\\S", "[\\s\\S]*"])
def test_an_allow_rule_that_accepts_everything_is_ignored_with_one_warning(
    team: tuple[Path, Path], tmp_path: Path, rule: str
) -> None:
    root, server = team
    toml = root / "kb.toml"
    escaped = rule.replace("'", "")
    toml.write_text(toml.read_text().replace("[secrets]\n", f"[secrets]\nallow = ['{escaped}']\n"))
    commit_by_hand(root, "Team settings")
    assert Cli(root)("sync").exit_code == 0
    body = tmp_path / "body.md"
    body.write_text(f"## Resolution\n{SECRET_LINE}\n")
    result = Cli(root)("new", "--title", "Kiosk login", "--body-file", str(body))
    no_traceback(result)
    assert result.exit_code == 2
    warnings = [line for line in result.stderr.splitlines() if "[secrets] allow" in line]
    assert len(warnings) == 1, result.stderr
    assert "ignored" in warnings[0]
    tells_nothing(result.stderr)
    commit_by_hand(root)
    refused(root, server, "notes/kiosk-login.md", "not pushed")


def test_a_narrow_allow_rule_still_works_without_a_warning(
    team: tuple[Path, Path], tmp_path: Path
) -> None:
    root, _server = team
    toml = root / "kb.toml"
    toml.write_text(
        toml.read_text().replace("[secrets]\n", "[secrets]\nallow = ['password: Lab-VM-2026']\n")
    )
    commit_by_hand(root, "Team settings")
    body = tmp_path / "body.md"
    body.write_text("## Resolution\nTraining VM password: Lab-VM-2026\n")
    result = Cli(root)("new", "--title", "Lab VM", "--body-file", str(body))
    assert result.exit_code == 0, result.stderr
    assert "[secrets] allow" not in result.stderr


def test_too_broad() -> None:
    assert too_broad(".*") and too_broad("(?i)pass") and too_broad("Password=")
    assert not too_broad("password: see the vault")
    assert not too_broad(r"AKIAIOSFODNN7EXAMPLE")
    assert not too_broad(r"@example\.com")
    assert not too_broad("[")  # not a pattern: config reports it


# -- messages ------------------------------------------------------------------------------------


def test_a_finding_names_the_file_line_and_kind_only() -> None:
    for line, _kind in SHAPES:
        hit = scan_line(line)
        assert hit is not None
        finding = Finding("notes/a.md", 3, hit[0])
        assert str(finding) == f"notes/a.md:3: looks like {hit[0]}"
    _kind, masked = scan_line("svc_backup / P@ssw0rd123 -- password: P@ssw0rd123") or ("", "")
    assert "P@" not in masked and "ssw0rd" not in masked


def test_messages_of_every_command_name_no_part_of_the_secret(
    team: tuple[Path, Path], tmp_path: Path
) -> None:
    root, server = team
    secret = "Zq9!Lm2#Tx"
    body = tmp_path / "body.md"
    body.write_text(f"## Resolution\npassword: {secret}\n")
    cli = Cli(root)
    outputs = []
    for args in (
        ("new", "--title", "Kiosk", "--body-file", str(body)),
        ("save",),
        ("sync",),
    ):
        result = cli(*args)
        assert result.exit_code == 2
        outputs.append(result.stderr + result.output)
    commit_by_hand(root)
    result = cli("sync")
    assert result.exit_code == 2
    outputs.append(result.stderr + result.output)
    for output in outputs:
        assert "notes/kiosk.md:" in output
        tells_nothing(output, secret)
    assert not on_remote(server, secret)


# -- performance ---------------------------------------------------------------------------------


def test_adopting_a_big_repository_is_scanned_quickly(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    KnowledgeBase.init(root).close()
    server = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(server)], check=True)
    git(root, "remote", "add", "origin", str(server))
    notes = root / "notes"
    notes.mkdir(exist_ok=True)
    paragraph = (
        "The caller reports the printer is offline. Restart the spooler, clear the queue, "
        "and check the driver version against the list on the wiki.\n"
    )
    for number in range(2000):
        (notes / f"n{number:04}.md").write_text(f"# Note {number}\n\n" + paragraph * 20)
    (notes / "n1999.md").write_text(f"# Last\n\n{SECRET_LINE}\n")
    commit_by_hand(root, "Adopt the old wiki")
    started = time.perf_counter()
    stderr = refused(root, server, "notes/n1999.md", "not pushed")
    assert "notes/n1999.md:3" in stderr
    # Measured around 2 s; generous for a loaded machine, far below one git per file.
    assert time.perf_counter() - started < 60
