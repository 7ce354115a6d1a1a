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
import threading
import time
from typing import TYPE_CHECKING

from kb.notes import pace

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

#: The word "type" in front matter, and a plain value given to it on the same line:
#: ``type: guide``, ``"type": 'Question'``, ``{type: guide}``. Any other way of writing it
#: (a value on the next line, a tag, an anchor, an escape) makes the note one to parse.
_TYPE_WORD = re.compile(rb"(?i)\btype\b")
_PLAIN_VALUE = re.compile(rb"""['"]?[ \t]*:[ \t]*['"]?[ \t]*([A-Za-z0-9][^\s'",}\]#]*)""")

#: Per KB folder: each file's (size, times, types its front matter may give) when last read,
#: the types as one string (tuples of numbers and strings are left alone by the garbage
#: collector: tens of thousands of them cost nothing to its passes).
_seen: dict[str, dict[str, tuple[int, int, int, str]]] = {}
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
        seen: dict[str, tuple[int, int, int, str]] = {}
        recent = time.time_ns() - RECENT_NS
        for number, source in enumerate(sources, start=1):
            if number % pace.EVERY == 0:
                # Stepping aside, the lock is let go: another thread reads meanwhile.
                lock.release()
                try:
                    pace.checkpoint()
                finally:
                    lock.acquire()
            if source.kind != "note":
                continue
            stamp = (source.size, source.mtime_ns, source.ctime_ns)
            before = known.get(source.rel)
            if before is not None and before[:3] == stamp:
                types = before[3]
            else:
                types = _types(source, max_bytes)
            if max(source.mtime_ns, source.ctime_ns) < recent:
                seen[source.rel] = (*stamp, types)
            held = _sets.get(types)
            if held is None:
                held = _sets.setdefault(types, frozenset(types.split(_SEPARATOR)))
            if wanted in held or _ANY in held:
                found.append(source)
        _seen[key] = seen
    return found


#: What a file "may be" when kb cannot tell without parsing it (or reading it: the caller's
#: own read then says why): any type.
_ANY = "\0"


def _types(source: SourceFile, max_bytes: int) -> str:
    from kb.notes.files import read_start

    try:
        data = read_start(source, min(max_bytes, FRONT_BYTES))
    except OSError:
        return _ANY
    if data is None:
        return _ANY
    front = front_matter(data)
    if b"\\" in front:
        return _ANY  # an escape in a quoted key or value may spell "type" or the type
    values: set[str] = set()
    for word in _TYPE_WORD.finditer(front):
        value = _PLAIN_VALUE.match(front, word.end())
        if value is None:
            return _ANY
        values.add(value.group(1).decode("utf-8", "replace").lower())
    return _SEPARATOR.join(sorted(values))


def front_matter(data: bytes) -> bytes:
    """The front matter block at the start of a file's bytes, fences included (empty when
    the file does not start with one); never shorter than the block kb's parser reads."""
    start = 0
    while data.startswith(_BOM, start):
        start += len(_BOM)
    if not data.startswith(b"---", start):
        return b""
    close = _CLOSE.search(data, start + 3)
    return data[: close.end()] if close is not None else data
