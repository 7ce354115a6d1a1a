"""Helpers shared by the tests of every capability: notes to write, the command line run
in-process or as a real process, a team of clones around a bare repository, and the app
driven by Textual's pilot.

Fixtures live in ``conftest.py`` files; everything a test imports by name lives here, so no
test module imports another.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from kb.cli import main
from kb.tui.app import KBApp
from kb.tui.screens.note import NoteScreen
from kb.tui.widgets.results import ResultsList

PROJECT = Path(__file__).resolve().parent.parent
#: The shared real-world corpus, beside the project (or where ``KB_CORPUS`` says: a checkout
#: in another folder, such as a worktree, can still run the corpus tests).
CORPUS = Path(os.environ.get("KB_CORPUS") or PROJECT.parent / "shared" / "corpus")

#: The search engines every KB test runs against (see the ``engine`` fixture).
ENGINES = ["whoosh", "tantivy"]


# -- notes ----------------------------------------------------------------------------------------


def write(root: Path, rel: str, text: str) -> Path:
    """Write a file (dedented) under root."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def use_engine(root: Path, engine: str) -> None:
    """Make the KB at root use one search engine (kb.toml [search] engine)."""
    (root / "kb.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "kb.toml").write_text(f'[search]\nengine = "{engine}"\n')


PRINTER_NOTE = """
---
title: Printer shows offline and jobs are stuck
type: fix
status: validated
tags: [printing, spooler]
systems: [Windows 11]
tickets: [INC0012345, INC0012377]
author: Ana Lopez
---
## Issue
The caller says the printer is offline and nothing prints.

## Environment
Windows 11 laptops printing to srv-print01.corp.local.

## Resolution
1. Restart the print spooler:

```powershell
Restart-Service -Name Spooler
```

2. Clear C:\\Windows\\System32\\spool\\PRINTERS if jobs stay stuck.

## Cause
The spooler hangs after a driver update.
"""

UPDATE_NOTE = """
---
title: Windows Update fails with 0x80070005
type: fix
status: not-validated
tags: [windows-update]
systems: [Windows 10, Windows 11]
tickets: [INC0040001]
---
## Issue
Install error - 0x80070005 (access denied) when KB5034441 installs.

## Resolution
Reset the update components and retry. See [[printer-offline]].

## Cause
Permissions on the SoftwareDistribution folder.
"""

VPN_NOTE = """
---
title: VPN connected but intranet sites do not open
type: fix
status: archived
tags: [vpn, dns]
systems: [macOS 14]
tickets: [HELP-482]
---
## Issue
The VPN says connected but internal sites time out. Wi-Fi works.

## Resolution
Flush DNS and reconnect the VPN. Check split tunnel settings.
"""

#: A guide with every kind of step: a wiki link, a relative link, an alias, a repeat and a
#: note not written yet (see the ``guide_root`` fixture).
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


# -- test data ----------------------------------------------------------------------------------

#: What a technician may type into the search box mid-call, however odd: no search,
#: in the core or on the command line, may fail on it.
ODD_QUERIES = [
    '"unbalanced',
    'x"',
    "AND",
    "OR OR",
    "NOT",
    "*",
    "?",
    "tag:",
    'tag:"',
    "(((",
    ")))",
    "-",
    "--",
    "-*",
    r"C:\Windows\System32\drivers\etc\hosts",
    r"\\fileserver\share$\dept",
    "😀🖨️",
    "x" * 20_000,
    "a " * 5_000,
    "\x00\x01\x02",
    "'; DROP TABLE notes; --",
    "title:printer^5",
    "printer~2",
    "[[printer-offline]]",
    "ticket:#12 status:",
    "日本語 プリンター",
    "0x",
]


# What gets pasted into tickets and notes in real life (all values invented).
SECRETS = [
    "Local admin password: Winter2026!",
    "The guest wifi password is Guest-Lobby-77",
    "pwd = Tr0ub4dor&3",
    "svc_backup / P@ssw0rd123 -- password: P@ssw0rd123",
    "Server=sql01;Database=hr;User Id=sa;Password=Sup3rS3cret;",
    "git clone https://deploy:9sK2mQ7vXz@git.example.com/it/scripts.git",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "export GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqb2huIn0.c2lnbmF0dXJlMTIzNDU2",
    "DefaultEndpointsProtocol=https;AccountName=itlogs;AccountKey="
    "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy==",
    "slack webhook token xoxb-2048-4096-abcdefghijklmnop",
    "api_key: 4f9c2e7b1a8d6e3f0c5b",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "Login: jsmith / Password1!",
    "The local admin password is Adm1n!2024 for the kiosk",
    "Set the password to Welcome1! and tick must change",
    "mysql -u root -pRootPass123 hr",
    "sshpass -p 'Kiosk#2024' ssh kiosk@10.0.0.5",
    "net user kiosk Kiosk2024! /add",
    "$pw = ConvertTo-SecureString 'Pa55word!' -AsPlainText -Force",
    "Recovery key: 123456-234567-345678-456789-567890-678901-789012-890123",
    "PIN: 4827",
    "wifi key: Guest-Wifi-2024",
    "enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0",
]

# Ordinary support prose that mentions passwords and tokens and must pass.
ORDINARY = [
    "Reset the password: Settings > Accounts > Sign-in options",
    "Ask the caller to type the password themselves; never ask for it.",
    "password: expired",
    "Password: ********",
    "Password: <the one from the welcome letter>",
    "The token is refreshed every hour by the Company Portal.",
    "If the PIN is forgotten, reset it from the lock screen.",
    "Set PasswordNeverExpires to False for service accounts.",
    "Connection string: Server=sql01;Database=hr;Integrated Security=true;",
    "Password=${DB_PASSWORD};",
    "https://user:password@host is the format the tool expects",
    "Token: see the team vault entry 'Printers'",
    "Run `net user jsmith /domain` to see when the password was last set.",
    "Password: Expired",
    "secret: SharePoint",
    "pin: Desktop",
    "The password is Reset-ADAccountPassword in PowerShell",
    "token = Get-AzAccessToken",
    "Set the password to expire never for kiosk accounts.",
    "The PIN must be at least 6 digits.",
]


# -- the command line -----------------------------------------------------------------------------


class Cli:
    """Runs the kb command line in-process, against one KB."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.runner = CliRunner()

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        prefix = ["--kb", str(self.root)] if self.root is not None else []
        return self.runner.invoke(
            main, [*prefix, *args], input=input, env=env, catch_exceptions=True
        )


def no_traceback(result: Result) -> None:
    """Assert that a CLI run ended without an uncaught exception or a traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "Traceback" not in (result.stderr if result.stderr_bytes is not None else "")


def kb_process(root: Path, *args: str, **options: object) -> subprocess.Popen[bytes]:
    """``kb --kb ROOT ARGS`` as a real process running this checkout's code."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.Popen(
        [sys.executable, "-m", "kb", "--kb", str(root), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        **options,  # type: ignore[arg-type]
    )


# -- git and a team of clones ---------------------------------------------------------------------


def git_log(root: Path) -> list[str]:
    """Commit subjects, newest first."""
    out = subprocess.run(
        ["git", "log", "--format=%s"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
    return out.splitlines()


def git(root: Path, *args: str, check: bool = True) -> str:
    """Run plain git (what a user might do by hand) and return its output."""
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout


#: The note a team shares in the sync tests: an update log at its end, a numbered resolution.
TEAM_NOTE = """\
---
title: Printer jams on tray 2
type: fix
status: not-validated
---
## Issue
Paper jams in tray 2 on the second floor printer.

## Resolution
1. Open tray 2 and remove the torn sheet.
2. Fan the paper stack before loading it.

## Updates
- 2026-11-20 09:00 Ana Tester: told the caller a technician is coming
"""


class Clone:
    """One technician's copy of the team KB."""

    def __init__(self, root: Path, name: str) -> None:
        self.root = root
        self.cli = Cli(root)
        git(root, "config", "user.name", name)
        git(root, "config", "user.email", f"{name.split()[0].lower()}@example.org")

    def __call__(self, *args: str) -> object:
        result = self.cli(*args)
        no_traceback(result)
        return result

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def head(self) -> str:
        return git(self.root, "rev-parse", "HEAD").strip()


def markers_anywhere(*roots: Path) -> list[str]:
    """Conflict markers in any commit of any branch of any clone, or in any file on disk.

    (kb's backup refs may keep a working tree as git left it, markers and all: they are
    outside every branch and never pushed.)
    """
    found = []
    for root in roots:
        patch = git(root, "log", "--branches", "--remotes", "-p", "--format=")
        found += [line for line in patch.splitlines() if line.startswith(("+<<<<<<<", "+>>>>>>>"))]
        for path in (root / "notes").rglob("*"):
            if path.is_file() and "<<<<<<<" in path.read_text(errors="replace"):
                found.append(str(path))
    return found


# -- the app --------------------------------------------------------------------------------------


def held_by(gate: threading.Event, function: Callable[..., object]) -> Callable[..., object]:
    """``function``, made to wait for ``gate`` (5 s at most) first: a screen's read in its
    thread, held back so a test can look at the screen before the read comes in."""

    def waiting(*args: object, **options: object) -> object:
        gate.wait(5)
        return function(*args, **options)

    return waiting


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and every message they posted was handled."""
    app = pilot.app
    for _ in range(50):
        await pilot.pause()
        pending = [worker for worker in app.workers if not worker.is_finished]
        if not pending:
            await pilot.pause()
            if not [worker for worker in app.workers if not worker.is_finished]:
                return
            continue
        # A cancelled (stale) search raises WorkerCancelled on wait: that is expected here.
        await asyncio.gather(*(worker.wait() for worker in pending), return_exceptions=True)
    raise AssertionError("workers did not settle")


def send_keys(app: App[object], *keys: str) -> None:
    """Queue keys as a terminal delivers a burst (a paste, a fast typist): all of them reach
    the app before it has handled the first (``pilot.press`` waits for the app to go idle
    after each key). Each is a character or a key name ("ctrl+a", "enter")."""
    from textual import events

    for key in keys:
        if len(key) == 1:
            name = key if key.isalnum() else unicodedata.name(key).lower().replace(" ", "_")
            app.post_message(events.Key(name.replace("-", "_"), key))
        else:
            app.post_message(events.Key(key, "\r" if key == "enter" else None))


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Type ``text`` in one burst (:func:`send_keys`), then let the app take it."""
    send_keys(pilot.app, *text)
    await pilot.pause()


async def search(pilot: Pilot[None], text: str) -> ResultsList:
    """Type a query in the search box in one burst and wait for its results."""
    await type_text(pilot, text)
    await settle(pilot)
    return pilot.app.screen.query_one(ResultsList)


async def open_note(pilot: Pilot[None], path: str) -> NoteScreen:
    """Open a note the way the home screen does, and wait for it to render."""
    app = pilot.app
    assert isinstance(app, KBApp)
    app.open_note(path)
    await settle(pilot)
    assert isinstance(app.screen, NoteScreen)
    return app.screen


def notice(app: KBApp) -> str:
    """The line above the results."""
    return str(app.screen.query_one("#notice").render())


def notifications(app: KBApp) -> list[str]:
    """Messages of the notifications shown so far.

    Textual keeps them only in the app's private list: no public attribute or widget query
    gives them all (toasts disappear when their time is up).
    """
    return [notification.message for notification in app._notifications]


def rendered(widget: Static) -> str:
    """The plain text a Static shows."""
    return str(widget.render())


#: A note the learned-words tests teach ("oof" is not in it).
OOF = "notes/automatic-replies.md"
OOF_NOTE = """---
title: Set automatic replies in Outlook
---
## Issue
The user is away and wants senders told when they are back.

## Resolution
File > Automatic Replies, turn them on, write the message.
"""


def learning_kb(root: Path, engine: str) -> Path:
    """A committed KB with the automatic-replies note and a printer note."""
    from kb import KnowledgeBase

    KnowledgeBase.init(root)
    use_engine(root, engine)
    write(root, OOF, OOF_NOTE)
    write(root, "notes/printer.md", "---\ntitle: Printer offline\n---\nRestart the spooler.\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "notes"], cwd=root, check=True, capture_output=True)
    return root


# -- KBs built once per worker ---------------------------------------------------------------

#: KBs built once per worker by :func:`built_once`, by name.
_TEMPLATES: dict[str, Path] = {}


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object], to: Path
) -> Path:
    """``to``: a copy of the KB that ``build`` makes, built the first time ``name`` is asked for
    in this worker (in that test's isolated home, as Ana Tester) and copied afterwards.

    Many tests start from the same committed (and indexed) KB; a copy costs a few
    milliseconds where ``git init``, commits and indexing cost a tenth of a second or more.
    """
    template = _TEMPLATES.get(name)
    if template is None:
        template = tmp_path_factory.mktemp("template") / "kb"
        build(template)
        _TEMPLATES[name] = template
    shutil.copytree(template, to, symlinks=True)
    return to


def built_team_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object], to: Path
) -> Path:
    """:func:`built_once` for a folder of repositories (clones and their bare "server"): each
    copied clone's ``origin`` is pointed at the copied server, never at the template's."""
    copied = built_once(tmp_path_factory, name, build, to)
    template = _TEMPLATES[name]
    for config in sorted(copied.glob("*/.git/config")):
        clone = config.parent.parent
        url = git(clone, "remote", "get-url", "origin", check=False).strip()
        if url.startswith(str(template)):
            git(clone, "remote", "set-url", "origin", str(copied) + url[len(str(template)) :])
    return copied


# -- a meaning model built by the test -------------------------------------------------------

#: Words of the tiny model, by what they are about: locking the screen, and printing (where,
#: in this model, a page "asking" for something is a printer's).
SCREEN_WORDS = ("screen", "saver", "lock", "locks", "disable", "prompt")
PRINT_WORDS = ("printer", "toner", "tray", "paper", "page", "admin", "web", "asks", "asking")
SCREEN_LOCK = "notes/screen-lock.md"
PRINTER_PASSWORD = "notes/printer-password.md"


def tiny_meaning_model(folder: Path) -> Path:
    """A model in model2vec's layout (``tokenizer.json`` and one ``.safetensors`` matrix):
    a word-level tokenizer over :data:`SCREEN_WORDS` and :data:`PRINT_WORDS`, each word's
    vector pointing along its topic's axis; any other word is unknown (a zero vector)."""
    import json
    import struct

    import numpy
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    words = ["[UNK]", "password", *SCREEN_WORDS, *PRINT_WORDS]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    vectors = numpy.zeros((len(words), 4), dtype=numpy.float16)
    for row, word in enumerate(words):
        if word in SCREEN_WORDS:
            vectors[row] = (1.0, 0.1 * (row % 3), 0.0, 0.0)
        elif word in PRINT_WORDS:
            vectors[row] = (0.0, 0.0, 1.0, 0.1 * (row % 3))
    data = vectors.tobytes()
    header = {
        "embeddings": {"dtype": "F16", "shape": list(vectors.shape), "data_offsets": [0, len(data)]}
    }
    encoded = json.dumps(header).encode()
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(encoded)) + encoded + data)
    return folder


def meaning_kb(root: Path, engine: str) -> Path:
    """A committed KB where "stop asking" finds a screen-lock note first by its words ("stop"
    twice in it, "asks" once in the printer note) and, with :func:`tiny_meaning_model`, the
    printer note first by meaning."""
    from kb import KnowledgeBase

    KnowledgeBase.init(root)
    use_engine(root, engine)
    write(
        root,
        PRINTER_PASSWORD,
        """---
        title: Printer web page asks for the admin password
        ---
        The printer web page wants it before the toner page opens.
        Reset it from the tray menu: admin, then web, then toner and paper.
        The tray menu is behind the front panel; the toner page lists paper sizes too.
        """,
    )
    write(
        root,
        SCREEN_LOCK,
        """---
        title: Stop the screen saver password prompt
        ---
        Stop the screen saver lock with a policy, so that no prompt shows.
        """,
    )
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "notes"], cwd=root, check=True, capture_output=True)
    return root
