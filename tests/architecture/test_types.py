"""Everything in kb but the app passes mypy (configured in ``pyproject.toml``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
CACHE = PROJECT / ".mypy_cache"


def test_mypy_is_clean() -> None:
    """mypy keeps its incremental cache in the checkout's (git-ignored) ``.mypy_cache``: a
    run after the first checks again only the modules that changed and those that use them."""
    pytest.importorskip("mypy")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(CACHE), "--no-error-summary"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(PROJECT)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
