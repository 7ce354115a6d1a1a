"""A search that has to rebuild the index says so, even without a terminal."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import Cli


def test_a_search_that_rebuilds_the_index_says_so(cli: Cli, kb_root: Path) -> None:
    assert cli("index").exit_code == 0
    quiet = cli("search", "printer")
    assert "rebuilt" not in quiet.stderr
    shutil.rmtree(kb_root / ".kb" / "index")
    result = cli("search", "printer")
    assert result.exit_code == 0
    assert "kb: search index rebuilt (" in result.stderr
