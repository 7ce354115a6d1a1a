"""Notes indexed without their meaning vector, and which update gives them theirs.

Working out vectors costs a process the loading of NumPy and of the model's tokenizer (about
150 ms) however few notes changed. ``kb search``, taking in a few edits before it searches,
indexes them without vectors instead (:attr:`SearchIndex.vectors_later`) and lists them here,
in the index generation's :data:`OWED_FILE`. Until they get theirs, a search that ranks one of
them works its vector out from the same text, rounded as a stored one is: the order is the one
a rebuilt index gives.

The next update that loads the model anyway gives them their vectors and empties the list: the
app once start is over, ``kb index``, a sync, an import, any search that takes in more than a
few changes. The list never holds more than :data:`AT_MOST` notes: an update that would pass
it gives every listed note its vector instead.

Written before the documents it lists (a crash between the two leaves a note listed that has
its vector, which is harmless), emptied after the documents that fill it; always under the
index's lock.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path

from kb.notes import atomic

#: In each index generation: the notes indexed without their vector.
OWED_FILE = "vectors-owed.json"
#: The most notes left without a vector at any time.
AT_MOST = 64


def read(generation: Path) -> list[str]:
    """The notes of this generation that wait for their vector (none when unreadable: those
    keep ranking right, each vector worked out when a search needs it)."""
    try:
        data = json.loads((generation / OWED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [rel for rel in data if isinstance(rel, str)]


def write(generation: Path, rels: Iterable[str], root: Path) -> None:
    """List these notes as waiting for their vector (removing the file when none do)."""
    owed = list(dict.fromkeys(rels))
    if owed:
        atomic.write_text(generation / OWED_FILE, json.dumps(owed), root=root)
    else:
        with contextlib.suppress(FileNotFoundError):
            (generation / OWED_FILE).unlink()


def may_wait(owed: list[str], rels: list[str]) -> bool:
    """True when these notes may be indexed without vectors, on top of those that already
    are: few enough to list."""
    return len(set(owed).union(rels)) <= AT_MOST
