"""Ticket records an interrupted import wrote and did not commit, committed by the next
import, ``kb save`` or ``kb sync`` (there may be far too many for an ordinary commit)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kb.tickets.records import TICKETS_FOLDER, import_source, safe_id

if TYPE_CHECKING:
    from kb.git.batch_commit import BatchCommitter
    from kb.git.committing import CommitResult
    from kb.knowledgebase import KnowledgeBase

#: Records committed at a time: an import's own batch times its commit growth.
LEFTOVER_CHUNK = 20_000
_RECORD = re.compile(rf"^{TICKETS_FOLDER}/([^/]+)\.md$")


def finish_interrupted_import(kb: KnowledgeBase) -> list[str]:
    """Commit the ticket records an interrupted import wrote and did not commit (``kb save``
    and ``kb sync`` do this first: there may be far too many for an ordinary commit).
    Returns the records committed; those refused (a secret) are left for the caller's own
    commit to report."""
    from kb.git.batch_commit import BatchCommitter

    if not uncommitted_records(kb.root):
        return []
    committed: list[str] = []
    with BatchCommitter(
        kb.root, rules=kb.secret_rules, allow_secrets=kb.allow_secrets
    ) as committer:
        if committer.problem is not None:
            return []
        chunks: list[list[str]] = []
        for result in commit_left_over(kb.root, committer, chunks.append):
            if result.sha:
                refused = {finding.path for finding in result.secrets}
                committed.extend(rel for rel in chunks[-1] if rel not in refused)
    return committed


def commit_left_over(
    root: Path, committer: BatchCommitter, before: Callable[[list[str]], None]
) -> Iterator[CommitResult]:
    """Commit the records an interrupted import left, a chunk at a time (``before`` is
    called with each chunk first)."""
    left = uncommitted_records(root)
    step = LEFTOVER_CHUNK
    for start in range(0, len(left), step):
        chunk = left[start : start + step]
        before(chunk)
        count = len(chunk)
        yield committer.commit(
            chunk,
            f"Commit {count:,} ticket record{'s' if count != 1 else ''} an interrupted import "
            "left uncommitted",
        )


def uncommitted_records(root: Path) -> list[str]:
    """Ticket records written by an import and not committed (new or changed since HEAD)."""
    try:
        done = subprocess.run(
            [
                "git",
                "--no-optional-locks",
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=all",
                "--no-renames",
                "--",
                f"{TICKETS_FOLDER}/",
            ],
            cwd=root,
            capture_output=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except OSError:
        return []
    if done.returncode != 0:
        return []
    found: list[str] = []
    for entry in done.stdout.decode("utf-8", errors="replace").split("\0"):
        if len(entry) < 4 or "D" in entry[:2]:
            continue
        rel = entry[3:]
        match = _RECORD.match(rel)
        if match is None or not safe_id(match.group(1)):
            continue  # temporary files of killed writes, and anything else kb did not name
        try:
            data = (root / rel).read_bytes()
        except OSError:
            continue
        if import_source(data.decode("utf-8", errors="replace")) is not None:
            found.append(rel)
    return found
