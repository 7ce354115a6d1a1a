"""kb: a knowledge base for IT support technicians.

The package root stays cheap to import: ``KnowledgeBase`` is loaded on first use so that
``import kb`` does not pull in the search engine, git or YAML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["KnowledgeBase", "__version__"]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from kb.knowledgebase import KnowledgeBase


def __getattr__(name: str) -> Any:
    if name == "KnowledgeBase":
        from kb.knowledgebase import KnowledgeBase

        return KnowledgeBase
    raise AttributeError(f"module 'kb' has no attribute {name!r}")
