"""Searches that found nothing (or nothing strong), logged locally for ``kb stats``.

``.kb/searches.jsonl`` holds one JSON line per search that came back empty or weak: from
the command line every such search, from the app only settled ones (a result opened, the
search left, or a pause in typing), never each keystroke. The file is local state under
``.kb/`` (git-ignored, never shared) and capped in size: past :data:`MAX_BYTES` the oldest
half is dropped. Logging never fails a search.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kb.notes import atomic, paths
from kb.notes.errors import KBError
from kb.notes.lock import shared_file

LOG_FILE = ".kb/searches.jsonl"
_NAME = "searches.jsonl"
MAX_BYTES = 256_000
MAX_QUERY = 200
#: A search never waits long for its log: past this, the search is not logged.
LOG_WAIT = 1.0

_APPENDING = threading.Lock()


@dataclass(frozen=True)
class LoggedSearch:
    """One search that found nothing, or only weak matches."""

    query: str
    hits: int
    weak: bool
    at: str
    source: str  # "cli" or "app"


@dataclass(frozen=True)
class MissedSearch:
    """A query people searched for without a good answer, and how often."""

    query: str
    count: int
    #: How many of those searches found nothing at all (the rest found only weak matches).
    empty: int
    last: str


def worth_logging(hits: int, weak: bool) -> bool:
    """True for a search that found nothing or nothing strong."""
    return hits == 0 or weak


def record(root: Path, query: str, hits: int, weak: bool, source: str) -> bool:
    """Append a search to the log when it found nothing or nothing strong; True if logged.

    Never raises: a search must not fail because its log cannot be written.
    """
    text = " ".join(query.split())[:MAX_QUERY]
    if not text or not worth_logging(hits, weak):
        return False
    entry = {
        "at": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "query": text,
        "hits": hits,
        "weak": bool(weak and hits),
        "from": source,
    }
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    try:
        # Trimming rewrites the file: a line appended by another kb meanwhile would be lost.
        with _APPENDING, shared_file(root, LOG_FILE, "the search log", timeout=LOG_WAIT):
            # A symlink committed in the log's place is removed, never appended through.
            path = paths.local_file(root, _NAME)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
            with os.fdopen(os.open(path, flags, 0o666), "a", encoding="utf-8") as handle:
                handle.write(line)
                size = handle.tell()
            if size > MAX_BYTES:
                _trim(Path(root), path)
    except (OSError, KBError):  # LockBusy included
        return False
    return True


def _trim(root: Path, path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    kept: list[bytes] = []
    total = 0
    for line in reversed(lines):
        total += len(line)
        if total > MAX_BYTES // 2:
            break
        kept.append(line)
    atomic.write_bytes(path, b"".join(reversed(kept)), root=root)


def read(root: Path) -> list[LoggedSearch]:
    """Every readable line of the log, oldest first (lines kb cannot read are skipped)."""
    path = paths.local_readable(root, _NAME)
    if path is None:
        return []
    try:
        data = path.read_bytes()
    except OSError:
        return []
    found: list[LoggedSearch] = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict) or not isinstance(item.get("query"), str):
            continue
        hits = item.get("hits")
        found.append(
            LoggedSearch(
                " ".join(item["query"].split()),
                hits if isinstance(hits, int) else 0,
                bool(item.get("weak")),
                str(item.get("at") or ""),
                str(item.get("from") or ""),
            )
        )
    return found


def missed(root: Path, limit: int = 10) -> list[MissedSearch]:
    """The most frequent queries that found nothing or nothing strong, commonest first."""
    searches = [item for item in read(root) if item.query]
    counts: Counter[str] = Counter()
    empty: Counter[str] = Counter()
    last: dict[str, str] = {}
    shown: dict[str, str] = {}
    for item in searches:
        key = item.query.casefold()
        counts[key] += 1
        if item.hits == 0:
            empty[key] += 1
        last[key] = max(last.get(key, ""), item.at)
        shown[key] = item.query
    ranked = sorted(counts, key=lambda key: (-counts[key], -_stamp(last[key]), key))
    return [MissedSearch(shown[key], counts[key], empty[key], last[key]) for key in ranked[:limit]]


def _stamp(at: str) -> float:
    try:
        return _dt.datetime.fromisoformat(at).timestamp()
    except ValueError:
        return 0.0
