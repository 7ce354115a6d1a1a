"""The command line imports only what a command needs: ``kb search`` mid-call starts fast."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb.cli.app import COMMAND_AREAS
from tests.helpers import PROJECT


def test_every_command_is_found_in_the_module_named_for_it() -> None:
    listed: dict[str, str] = {}
    for area in sorted(set(COMMAND_AREAS.values())):
        module = importlib.import_module(f"kb.cli.commands.{area}")
        listed.update({command.name: area for command in module.COMMANDS})
    assert listed == COMMAND_AREAS


def test_kb_search_imports_neither_the_app_nor_other_commands(kb_root: Path) -> None:
    # A first search builds the index (as a process, with the meaning model it finds): what
    # is looked at is the next one, with nothing to take in.
    subprocess.run(
        [sys.executable, "-m", "kb", "--kb", str(kb_root), "search", "spooler"],
        capture_output=True, cwd=PROJECT, check=True,
    )  # fmt: skip
    code = (
        "import sys, json\n"
        "from kb.cli.app import main\n"
        "try:\n"
        f"    main(['--kb', {str(kb_root)!r}, 'search', 'spooler'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, check=True
    )
    assert "printer-offline" in done.stdout
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "kb.cli.commands.search" in loaded
    unwanted = {
        "textual",
        "kb.tui",
        "kb.cli.commands.history",
        "kb.cli.commands.ticketing",
        "kb.cli.commands.questions",
        "kb.sync",
        "git",  # GitPython: git status is asked of the git command
        "kb.git.committing",  # a search commits nothing
        "kb.notes.secrets",  # nor checks for secrets
        "kb.search.documents",  # nor reads a note, when nothing changed since the last one
        # Whoosh's own imports that kb never uses (see kb.search.engines.whoosh_loading)
        "urllib.request",
        "asyncio",
        "cached_property",
    }
    assert not loaded & unwanted


def test_whoosh_imported_lighter_leaves_the_real_modules_to_everyone_else() -> None:
    code = (
        "import sys\n"
        "from kb.search.engines import choose\n"
        "choose('whoosh')\n"
        "import whoosh.reading, whoosh.compat\n"
        "print('urllib.request' in sys.modules, 'cached_property' in sys.modules)\n"
        "import urllib.request, cached_property\n"
        "print(callable(urllib.request.urlopen), cached_property.__name__)\n"
        "print(whoosh.compat.urlretrieve.__module__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, check=True
    )
    assert done.stdout.split() == [
        "False", "False", "True", "cached_property", "kb.search.engines.whoosh_loading"
    ]  # fmt: skip
    # With another thread running (the app), nothing stands in: that thread could import
    # one of those modules meanwhile.
    threaded = "import threading, time\nthreading.Thread(target=time.sleep, args=(1,)).start()\n"
    done = subprocess.run(
        [sys.executable, "-c", threaded + code],
        capture_output=True, text=True, cwd=PROJECT, check=True,
    )  # fmt: skip
    assert done.stdout.split()[-1] == "urllib.request"


def test_help_lists_every_command(kb_root: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kb", "--help"], capture_output=True, text=True, cwd=PROJECT
    )
    assert done.returncode == 0
    for name in COMMAND_AREAS:
        assert f"  {name} " in done.stdout


@pytest.mark.parametrize("command", [["search", "spooler"], ["show", "printer-offline"]])
def test_a_reader_that_goes_away_gets_no_traceback(kb_root: Path, command: list[str]) -> None:
    # ``kb search ... | head``: the reader is gone before kb has written its output.
    process = subprocess.Popen(
        [sys.executable, "-m", "kb", "--kb", str(kb_root), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    # Only kb's own one-line notices (the first search builds the index), nothing of Python.
    assert all(line.startswith("kb: ") for line in errors.splitlines()), errors
