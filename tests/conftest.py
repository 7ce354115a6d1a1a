"""Shared fixtures: every test runs with its own home, config and git identity."""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kb import KnowledgeBase
from kb.cli import main
from kb.search.engines import tantivy_installed

PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT.parent / "shared" / "corpus"


@pytest.fixture(autouse=True)
def isolated_user(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep the user's real KB, config and git settings out of every test.

    Every ``GIT_*`` variable of the developer's environment goes (an identity in
    ``GIT_AUTHOR_NAME``, a ``GIT_DIR``, ``GIT_CONFIG_*`` settings, ...): git then knows only
    the test's own global config, where the user is Ana Tester.
    """
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = Ana Tester\n\temail = ana@example.org\n")
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("KB_DIR", "KB_CONFIG", "VISUAL", "EDITOR", "KB_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return home


def write(root: Path, rel: str, text: str) -> Path:
    """Write a file (dedented) under root."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


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


ENGINES = ["whoosh", "tantivy"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each search engine in turn: every test that uses a KB runs against both."""
    name = str(request.param)
    if name == "tantivy" and not tantivy_installed():
        pytest.skip("tantivy is not installed (pip install 'kb[fast]')")
    return name


def use_engine(root: Path, engine: str) -> None:
    """Make the KB at root use one search engine (kb.toml [search] engine)."""
    (root / "kb.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "kb.toml").write_text(f'[search]\nengine = "{engine}"\n')


@pytest.fixture
def kb_root(tmp_path: Path, engine: str) -> Path:
    """A KB (git repository) holding three realistic fix notes."""
    root = tmp_path / "kb"
    KnowledgeBase.init(root)
    use_engine(root, engine)
    write(root, "notes/printer-offline.md", PRINTER_NOTE)
    write(root, "notes/updates/windows-update-0x80070005.md", UPDATE_NOTE)
    write(root, "notes/vpn-no-intranet.md", VPN_NOTE)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "Add notes"], cwd=root, check=True, capture_output=True)
    return root


@pytest.fixture
def kb(kb_root: Path) -> Iterator[KnowledgeBase]:
    """The fixture KB, opened."""
    with KnowledgeBase.open(kb_root) as opened:
        yield opened


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


@pytest.fixture
def cli(kb_root: Path) -> Cli:
    """The command line, pointed at the fixture KB."""
    return Cli(kb_root)


def git_log(root: Path) -> list[str]:
    """Commit subjects, newest first."""
    out = subprocess.run(
        ["git", "log", "--format=%s"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
    return out.splitlines()


def no_traceback(result: Result) -> None:
    """Assert that a CLI run ended without an uncaught exception or a traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "Traceback" not in (result.stderr if result.stderr_bytes is not None else "")


os.environ.setdefault("PYTHONHASHSEED", "0")
