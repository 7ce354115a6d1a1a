"""Compaction: the live documents of an index copied into a new generation, so that it ranks
exactly as a rebuilt one.

Tantivy keeps a replaced or deleted document in its statistics (document count, document
frequencies, field lengths) until it merges the segment holding it, and cannot be asked to;
its documents store every field as indexed, so the copy reads no note. (Whoosh needs none:
kb's scorer leaves deleted documents out of its statistics.)

The copy is made without the index's lock, from the state the index had when the compaction
began, so that saves go on meanwhile. The lock is taken again only to switch; a copy that an
update made out of date meanwhile is dropped, and the next compaction starts again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.notes import paths
from kb.search import generations
from kb.search.engine import IndexUnavailable

if TYPE_CHECKING:
    from kb.search.index import SearchIndex

#: How long a compaction whose copy is made waits to switch to it, however short its
#: caller's own timeout (the app's: none).
SWITCH_WAIT = 5.0


def compact(index: SearchIndex, timeout: float) -> int:
    """Compact ``index`` if documents were replaced in it; how many stale documents went
    (0: none, or the copy was made out of date meanwhile, or it was swept by an update)."""
    with index.lock(timeout):
        try:
            engine = index.engine()
        except IndexUnavailable:
            return 0
        stale = engine.stale()
        live = index.live_generation
        if not stale or live is None:
            return 0
        version = engine.version()
        generations.sweep(index.root, index.folder, keep=live)  # a killed build's leftovers
    name = generations.new_name(index.format_id)
    target = index.folder / name

    def still_current() -> bool:
        return (
            index.current_generation() == live
            and engine.version() == version
            and paths.is_real_folder(target)
        )

    switched = False
    try:
        compacted = engine.compact_into(target)
        if compacted is None:
            return 0
        with index.lock(max(timeout, SWITCH_WAIT)):
            if not still_current():
                compacted.close()
                return 0
            generations.copy_own_files(index.folder / live, target)
            index.switch_to(name, compacted)
            switched = True
    except Exception:
        with index.lock(max(timeout, SWITCH_WAIT)):
            if still_current():
                raise
        return 0  # an update swept the copy, or made it out of date: nothing lost
    finally:
        if not switched:  # never published: no other kb reads it
            generations.remove(index.root, index.folder, name)
    return stale
