"""The search engines behind :mod:`kb.search.engine`'s protocol, the only modules that import
one, and the choice between them."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.search.engine import EngineFactory

__all__ = ["choose", "tantivy_installed"]


def tantivy_installed() -> bool:
    """True when the optional Tantivy engine can be used (``pip install 'kb[fast]'``)."""
    return importlib.util.find_spec("tantivy") is not None


def choose(setting: str = "auto") -> EngineFactory:
    """The engine for a KB's ``[search] engine`` setting: ``auto`` takes Tantivy when it is
    installed and Whoosh otherwise; ``tantivy`` falls back to Whoosh when it is missing."""
    if setting in ("auto", "tantivy") and tantivy_installed():
        from kb.search.engines import tantivy_engine

        return tantivy_engine.FACTORY
    from kb.search.engines.whoosh_loading import import_whoosh

    import_whoosh()
    from kb.search.engines import whoosh_engine

    return whoosh_engine.FACTORY
