"""The core stays light and engine-neutral; the code stays clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import PROJECT

CORE_MODULES = sorted(
    f"kb.{path.relative_to(PROJECT / 'kb').with_suffix('').as_posix().replace('/', '.')}"
    for path in (PROJECT / "kb").rglob("*.py")
    if "tui" not in path.parts and path.name not in ("__init__.py", "__main__.py")
)


def test_no_core_module_imports_textual() -> None:
    """Every module outside the app, imported one after the other in one fresh process: the
    first one after which Textual (or Rich's console, the app's) is loaded is named."""
    code = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        "    if 'textual' in sys.modules:\n"
        "        sys.exit(name)\n"
    )
    modules = ["kb", *CORE_MODULES]
    done = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True)
    assert done.returncode == 0, f"importing {done.stderr.strip()} loads textual"
    assert len(modules) > 50  # the walk found the core


def test_importing_kb_is_cheap() -> None:
    code = (
        "import sys, kb; heavy = [m for m in ('whoosh', 'git', 'yaml', 'markdown_it', 'click')"
        " if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _imports(path) -> set[str]:  # type: ignore[no-untyped-def]
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_engine_modules_import_a_search_engine() -> None:
    for path in (PROJECT / "kb").rglob("*.py"):
        if path.parent.name == "engines":
            continue
        assert not _imports(path) & {"whoosh", "tantivy"}, path


def test_ruff_is_clean() -> None:
    beside = Path(sys.executable).parent / "ruff"
    ruff = str(beside) if beside.exists() else shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff not installed")
    done = subprocess.run(
        [ruff, "check", "kb", "tests", "bench"], cwd=PROJECT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_runs_the_readme_commands_word_for_word() -> None:
    readme = (PROJECT / "README.md").read_text()
    ci = (PROJECT / ".ci" / "run").read_text()
    for line in ci.splitlines():
        if line.startswith("TEST_COMMAND="):
            command = line.split("=", 1)[1].strip().strip('"')
            break
    else:
        raise AssertionError("no TEST_COMMAND in .ci/run")
    assert f"\n{command}\n" in readme
