"""Search: kb's query language, how text becomes terms, synonyms, the index kept in step with
the files, the engines behind one protocol, ranking, snippets, and the log of failed searches.
"""

from kb.search.index import IndexReport, SearchIndex
from kb.search.results import Hit, Results
from kb.search.searching import recent, search

__all__ = ["Hit", "IndexReport", "Results", "SearchIndex", "recent", "search"]
