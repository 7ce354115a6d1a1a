"""kb's packages keep their layers and their import graph has no cycle, by test, not by hope.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``). Imports inside functions
count; imports made only for type checking do not.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def test_import_contracts_are_kept() -> None:
    lint_imports = _tool("lint-imports")
    if lint_imports is None:
        pytest.skip("import-linter not installed")
    done = subprocess.run(
        [lint_imports, "--no-cache", "--no-logo"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(PROJECT)},
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        # Tarjan's algorithm without recursion: (module, its imports not visited yet).
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            module, pending = work[-1]
            target = next(pending, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1 or module in graph[module]:
                    found.append(sorted(group))
    return found


def test_no_import_cycles_among_kb_modules() -> None:
    grimp = pytest.importorskip("grimp")
    built = grimp.build_graph("kb", cache_dir=None, exclude_type_checking_imports=True)
    graph = {
        module: {target for target in built.find_modules_directly_imported_by(module)}
        for module in built.modules
    }
    cycles = _cycles(graph)
    shown = [
        " <-> ".join(group)
        + "".join(f"\n    {module} -> {sorted(graph[module] & set(group))}" for module in group)
        for group in cycles
    ]
    assert not cycles, f"{len(cycles)} import cycle(s):\n" + "\n".join(shown)


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "d"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"], ["d"]]


def _runtime_imports(path: Path) -> list[ast.ImportFrom]:
    """``from X import ...`` statements that run (not those under ``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and id(node) not in skipped
    ]


def test_only_the_repository_module_opens_gitpython() -> None:
    opening = []
    for path in sorted((PROJECT / "kb").rglob("*.py")):
        for node in _runtime_imports(path):
            if node.module == "git" and any(alias.name == "Repo" for alias in node.names):
                opening.append(path.relative_to(PROJECT).as_posix())
    assert set(opening) == {"kb/git/repository.py"}, opening
