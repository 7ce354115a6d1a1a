"""The ``kb`` command line: a scriptable face over :class:`kb.knowledgebase.KnowledgeBase`."""

from kb.cli.app import main

__all__ = ["main"]
