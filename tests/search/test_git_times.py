"""A note's age comes from git: the last commit that changed it, not the checkout time."""

from __future__ import annotations

import datetime as _dt
import os
import subprocess
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.git.commit_times import last_commit_times
from kb.health.stats import compute
from tests.helpers import git

OLD = "2024-03-01T10:00:00+00:00"


def _commit_at(root: Path, when: str, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, env=env)


@pytest.fixture
def cloned(tmp_path: Path) -> Path:
    team = tmp_path / "team"
    KnowledgeBase.init(team).close()
    (team / "notes/old.md").write_text("# Old fix\nwombat printer\n", encoding="utf-8")
    (team / "notes/été.md").write_text("# Summer fix\nwombat scanner\n", encoding="utf-8")
    _commit_at(team, OLD, "Old notes")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(team), str(clone))
    return clone


def test_ages_come_from_the_last_commit_not_the_checkout(cloned: Path) -> None:
    old = _dt.datetime.fromisoformat(OLD).timestamp()
    times = last_commit_times(cloned)
    assert times["notes/old.md"] == old and times["notes/été.md"] == old
    with KnowledgeBase.open(cloned) as kb:
        kb.reindex()
        hits = kb.search("wombat")
        assert sorted(hit.modified for hit in hits) == [old, old]
        health = compute(kb, today=_dt.date(2026, 12, 2))
        assert health.to_json()["notes"] == 2


def test_an_uncommitted_change_keeps_the_file_time(cloned: Path) -> None:
    (cloned / "notes/old.md").write_text("# Old fix\nwombat printer, edited\n", encoding="utf-8")
    times = last_commit_times(cloned)
    assert "notes/old.md" not in times
    assert "notes/été.md" in times


def test_new_commits_update_the_cached_times(cloned: Path) -> None:
    last_commit_times(cloned)
    (cloned / "notes/old.md").write_text("# Old fix\nnew words\n", encoding="utf-8")
    _commit_at(cloned, "2026-11-30T09:00:00+00:00", "Edit")
    times = last_commit_times(cloned)
    assert (
        times["notes/old.md"] == _dt.datetime.fromisoformat("2026-11-30T09:00:00+00:00").timestamp()
    )
    assert times["notes/été.md"] == _dt.datetime.fromisoformat(OLD).timestamp()
