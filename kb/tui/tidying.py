"""The app's upkeep of the search index besides taking changes in: compaction
(:mod:`kb.search.compaction`), so that an index kept up to date note by note ranks exactly as
a rebuilt one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kb.tui.pauses import aside_while_typing, at_low_priority

if TYPE_CHECKING:
    from kb.knowledgebase import KnowledgeBase


def compact_when_quiet(app: Any, kb: KnowledgeBase) -> None:
    """In the app's index worker, once a look for changes finds nothing new (no save for a
    few seconds): compact the index if notes were replaced in it (Tantivy; about 5 s of work
    at 40,000 notes). It starts in a pause of typing, steps aside while keys come, and runs at
    a low priority; saves go on meanwhile. A kb busy with the index, or any failure, waits for
    the next look (``kb index`` reports a real problem)."""
    try:
        if not kb.index.stale():
            return
        with aside_while_typing(app):
            at_low_priority(lambda: kb.index.compact(timeout=0))
    except Exception:  # a tidy-up never bothers the technician
        return
