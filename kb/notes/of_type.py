"""The notes of one type (the guides, the questions) among thousands, without parsing each.

A file is a candidate when its front matter holds a ``type: <name>`` line (any case, quoted
or not, in block or flow style); only candidates are parsed, by the caller, which checks the
type for real. The answer for each file is remembered with its size and time, so a process
that asks again (the app checks promises every half minute) reads only the files changed
since: at 20,000 notes the first look reads every file once, a later one reads none.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from kb.notes.files import SourceFile

#: A file changed this recently (nanoseconds) may change again within its time's precision
#: with the same size: its answer is not remembered.
RECENT_NS = 2_000_000_000

#: Bytes of a file looked at for its front matter (front matter is at most 64,000
#: characters, :data:`kb.notes.frontmatter.MAX_FRONT_MATTER_CHARS`).
FRONT_BYTES = 4 * 64_000
_BOM = b"\xef\xbb\xbf"
#: The line that closes front matter: "---" or "..." alone after a line break (only breaks
#: that are single bytes in UTF-8, so that the look never ends before the block does).
_CLOSE = re.compile(rb"[\n\r\x0b\x0c\x1c-\x1e](?:---|\.\.\.)[ \t]*(?:[\n\r\x0b\x0c\x1c-\x1e]|\Z)")

#: Per KB folder and type: each file's (size, time, candidate) when last looked at.
_seen: dict[tuple[str, str], dict[str, tuple[int, int, bool]]] = {}
_lock = threading.Lock()


def type_line(name: str) -> re.Pattern[bytes]:
    """A front matter line giving the type ``name``, in a file's raw bytes."""
    return re.compile(
        rb"(?i)\btype['\"]?[ \t]*:[ \t]*['\"]?" + re.escape(name.encode("utf-8")) + rb"\b"
    )


def sources_of_type(
    root: Path, sources: Sequence[SourceFile], name: str, max_bytes: int
) -> list[SourceFile]:
    """The notes of ``sources`` (ticket records left out) that may be of type ``name``."""
    pattern = type_line(name)
    key = (os.fspath(root), name)
    with _lock:
        known = _seen.get(key, {})
    seen: dict[str, tuple[int, int, bool]] = {}
    found: list[SourceFile] = []
    recent = time.time_ns() - RECENT_NS
    for source in sources:
        if source.kind != "note":
            continue
        before = known.get(source.rel)
        if before is not None and before[:2] == (source.size, source.mtime_ns):
            candidate = before[2]
        else:
            candidate = _holds(source, pattern, max_bytes)
        if source.mtime_ns < recent:
            seen[source.rel] = (source.size, source.mtime_ns, candidate)
        if candidate:
            found.append(source)
    with _lock:
        _seen[key] = seen
    return found


def _holds(source: SourceFile, pattern: re.Pattern[bytes], max_bytes: int) -> bool:
    # Unreadable files are candidates: the caller's own read then reports why. Opened as
    # files.read_source opens them: a FIFO put where a note was never blocks the read.
    try:
        fd = os.open(source.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return True
            data = handle.read(min(max_bytes, FRONT_BYTES))
    except OSError:
        return True
    return pattern.search(front_matter(data)) is not None


def front_matter(data: bytes) -> bytes:
    """The front matter block at the start of a file's bytes, fences included (empty when
    the file does not start with one); never shorter than the block kb's parser reads."""
    start = len(_BOM) if data.startswith(_BOM) else 0
    if not data.startswith(b"---", start):
        return b""
    close = _CLOSE.search(data, start + 3)
    return data[: close.end()] if close is not None else data
