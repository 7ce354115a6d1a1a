"""Shared fixtures: every test runs with its own home, config and git identity.

The KBs most tests start from are built here; what tests import by name (notes, the command
line, git helpers, the app's pilot helpers) is in ``tests/helpers.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.knowledgebase.starter import starter_notes
from kb.search import meaning
from kb.search.engines import tantivy_installed
from kb.tui.screens import home
from tests.helpers import (
    ENGINES,
    ONBOARDING,
    PLAIN_GUIDE,
    PRINTER_NOTE,
    TEAM_NOTE,
    UPDATE_NOTE,
    VPN_NOTE,
    Cli,
    Clone,
    built_once,
    git,
    use_engine,
    write,
)


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
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("KB_DIR", "KB_CONFIG", "VISUAL", "EDITOR", "KB_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(autouse=True)
def quick_preview(monkeypatch: pytest.MonkeyPatch) -> None:
    """The home screen draws the highlighted note 0.05 s after the highlight rather than 0.3 s.

    The pause is there for a person holding a key down; the pilot waits for it every time it
    comes back home, hundreds of times in the suite. A newer highlight still cancels the wait.
    """
    monkeypatch.setattr(home, "PREVIEW_AFTER", 0.05)


@pytest.fixture(autouse=True)
def no_installed_meaning_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Searches rank by the text alone unless a test gives a model: a meaning model installed
    on the machine (kb's meaning extra) would otherwise change the order some tests expect."""
    monkeypatch.setattr(meaning, "PACKAGES", ())


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each search engine in turn: every test that uses a KB runs against both."""
    name = str(request.param)
    if name == "tantivy" and not tantivy_installed():
        pytest.skip("tantivy is not installed (pip install 'kb[fast]')")
    return name


def _three_notes(root: Path, engine: str) -> None:
    KnowledgeBase.init(root)
    use_engine(root, engine)
    write(root, "notes/printer-offline.md", PRINTER_NOTE)
    write(root, "notes/updates/windows-update-0x80070005.md", UPDATE_NOTE)
    write(root, "notes/vpn-no-intranet.md", VPN_NOTE)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "Add notes"], cwd=root, check=True, capture_output=True)


@pytest.fixture
def kb_root(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, engine: str) -> Path:
    """A KB (git repository) holding three realistic fix notes."""
    build = lambda root: _three_notes(root, engine)  # noqa: E731
    return built_once(tmp_path_factory, f"three-notes-{engine}", build, tmp_path / "kb")


@pytest.fixture
def kb(kb_root: Path) -> Iterator[KnowledgeBase]:
    """The fixture KB, opened."""
    with KnowledgeBase.open(kb_root) as opened:
        yield opened


@pytest.fixture
def cli(kb_root: Path) -> Cli:
    """The command line, pointed at the fixture KB."""
    return Cli(kb_root)


@pytest.fixture
def guide_root(kb_root: Path) -> Path:
    """The fixture KB with two guides: the onboarding one and a plain one."""
    write(kb_root, "notes/guides/first-week.md", ONBOARDING)
    write(kb_root, "notes/printing-basics.md", PLAIN_GUIDE)
    (kb_root / "notes/img").mkdir()
    (kb_root / "notes/img/desk.png").write_bytes(b"\x89PNG")
    return kb_root


@pytest.fixture
def starter_copy(tmp_path: Path) -> Path:
    """The starter KB as shipped, copied into a folder (not a git repository)."""
    source = starter_notes()
    assert source is not None
    root = tmp_path / "starter"
    root.mkdir()
    shutil.copytree(source, root / "notes")
    use_engine(root, "whoosh")
    return root


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """The team's shared repository."""
    path = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    return path


@pytest.fixture
def pair(tmp_path: Path, bare: Path) -> Iterator[tuple[Clone, Clone]]:
    """Ana and Ben, each with a clone of a KB holding the printer note."""
    root = tmp_path / "ana"
    KnowledgeBase.init(root).close()
    ana = Clone(root, "Ana Tester")
    ana.write("notes/printer.md", TEAM_NOTE)
    git(root, "remote", "add", "origin", str(bare))
    assert ana("sync").exit_code == 0
    git(tmp_path, "clone", "-q", str(bare), str(tmp_path / "ben"))
    yield ana, Clone(tmp_path / "ben", "Ben Lee")


os.environ.setdefault("PYTHONHASHSEED", "0")
