"""The facade: :class:`KnowledgeBase`, the one entry point of the CLI, the app and scripts,
and the starter KB a first run is made from.
"""

from kb.knowledgebase.facade import KnowledgeBase

__all__ = ["KnowledgeBase"]
