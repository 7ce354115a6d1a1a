"""The notes of one type (the guides, the questions) among thousands, without parsing each.

A file is a candidate when its front matter holds a ``type: <name>`` line (any case, quoted
or not, in block or flow style); only candidates are parsed, by the caller, which checks the
type for real. The types each file's front matter may give are remembered with its size and
time, for every type at once, so a process that asks again (the app lists follow-ups and
guides, and checks promises every half minute) reads only the files changed since: at 20,000
notes the first look reads every file once, a later one reads none.
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

#: A type given in front matter: ``type: guide``, ``"type": 'Question'``, ``{type: guide}``.
_TYPE_VALUE = re.compile(rb"""(?i)\btype['"]?[ \t]*:[ \t]*['"]?[ \t]*([^\s'",}\]#]+)""")

#: Per KB folder: each file's (size, time, types its front matter may give) when last read,
#: the types as one string (tuples of numbers and strings are left alone by the garbage
#: collector: tens of thousands of them cost nothing to its passes).
_seen: dict[str, dict[str, tuple[int, int, str]]] = {}
#: Those strings as sets (a few distinct ones in any KB).
_sets: dict[str, frozenset[str]] = {}
_SEPARATOR = "\n"
#: One lock per KB folder, held while its files are looked at: a second look started
#: meanwhile (the app reads follow-ups, guides and promises at once) waits, then reads
#: nothing again.
_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


def sources_of_type(
    root: Path, sources: Sequence[SourceFile], name: str, max_bytes: int
) -> list[SourceFile]:
    """The notes of ``sources`` (ticket records left out) that may be of type ``name``."""
    wanted = name.lower()
    key = os.fspath(root)
    with _locks_lock:
        lock = _locks.setdefault(key, threading.Lock())
    found: list[SourceFile] = []
    with lock:
        known = _seen.get(key, {})
        seen: dict[str, tuple[int, int, str]] = {}
        recent = time.time_ns() - RECENT_NS
        for source in sources:
            if source.kind != "note":
                continue
            before = known.get(source.rel)
            if before is not None and before[:2] == (source.size, source.mtime_ns):
                types = before[2]
            else:
                types = _types(source, max_bytes)
            if source.mtime_ns < recent:
                seen[source.rel] = (source.size, source.mtime_ns, types)
            held = _sets.get(types)
            if held is None:
                held = _sets.setdefault(types, frozenset(types.split(_SEPARATOR)))
            if wanted in held or _UNREADABLE in held:
                found.append(source)
        _seen[key] = seen
    return found


#: What an unreadable file "may be": anything (the caller's own read then says why).
_UNREADABLE = "\0"


def _types(source: SourceFile, max_bytes: int) -> str:
    # Opened as files.read_source opens them: a FIFO put where a note was never blocks the
    # read.
    try:
        fd = os.open(source.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return _UNREADABLE
            data = handle.read(min(max_bytes, FRONT_BYTES))
    except OSError:
        return _UNREADABLE
    found = _TYPE_VALUE.findall(front_matter(data))
    values = sorted({value.decode("utf-8", "replace").lower() for value in found})
    return _SEPARATOR.join(values)


def front_matter(data: bytes) -> bytes:
    """The front matter block at the start of a file's bytes, fences included (empty when
    the file does not start with one); never shorter than the block kb's parser reads."""
    start = len(_BOM) if data.startswith(_BOM) else 0
    if not data.startswith(b"---", start):
        return b""
    close = _CLOSE.search(data, start + 3)
    return data[: close.end()] if close is not None else data
