"""``Shelf``: the KBs of the user config's ``[kbs]`` table, opened together and searched as one.

Each KB keeps its own index; a query runs on every KB in turn and the hits are merged on
their scores. Every KB scores with the same BM25F parameters and the same ranking signals
(:mod:`kb.search.ranking`), and each KB's scores are weighed by the rarity of the query's
words over every KB (:func:`one_scale`), so that the scores stand on one scale. A KB that is
missing or cannot be opened is reported once and left out; the others still answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kb.knowledgebase import KnowledgeBase
from kb.notes.errors import KBError
from kb.notes.user_config import ConfiguredKBs, read_kbs

if TYPE_CHECKING:
    from kb.search.results import Results


#: ``kb:NAME`` in a query narrows it to one KB.
_KB_FILTER = re.compile(r"(?<!\S)kb:(\S*)")


class ShelfError(KBError):
    """A KB name the config does not know, or a note no KB holds."""


@dataclass(frozen=True)
class Unavailable:
    """A configured KB that could not be opened, and why (reported once, then skipped)."""

    name: str
    folder: Path
    reason: str

    def __str__(self) -> str:
        return f"KB {self.name!r} skipped: {self.reason}"


class Shelf:
    """The KBs a technician uses, by short name, one of them the default for new notes."""

    def __init__(
        self,
        kbs: dict[str, KnowledgeBase],
        default: str,
        unavailable: list[Unavailable] | None = None,
    ) -> None:
        self.kbs = kbs
        self.default_name = default
        #: KBs named in the config that could not be opened (say so once, then skip them).
        self.unavailable = unavailable or []

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def configured(cls) -> Shelf | None:
        """The shelf of the user config's ``[kbs]`` table, or None when it names no KB."""
        return cls.open(read_kbs())

    @classmethod
    def open(cls, config: ConfiguredKBs) -> Shelf | None:
        """Open every configured KB that can be opened; None when the config names none."""
        if not config.folders or config.default is None:
            return None
        kbs: dict[str, KnowledgeBase] = {}
        unavailable: list[Unavailable] = []
        for name, folder in config.folders.items():
            try:
                kbs[name] = KnowledgeBase.open(folder)
            except (KBError, OSError) as exc:
                unavailable.append(Unavailable(name, folder, str(exc)))
        return cls(kbs, config.default, unavailable)

    def close(self) -> None:
        """Release every KB's index."""
        for kb in self.kbs.values():
            kb.close()

    def __enter__(self) -> Shelf:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- choosing a KB ------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """The short names of the KBs that are open, in the config's order."""
        return list(self.kbs)

    def get(self, name: str) -> KnowledgeBase:
        """The KB called ``name``; ShelfError (exit 2) when none is, or it could not be opened."""
        if name in self.kbs:
            return self.kbs[name]
        for missing in self.unavailable:
            if missing.name == name:
                raise ShelfError(f"cannot use KB {name!r}: {missing.reason}")
        known = ", ".join(self.names) or "none"
        raise ShelfError(f"no KB named {name!r} in the config's [kbs] (known: {known})")

    @property
    def default(self) -> KnowledgeBase:
        """Where new notes, questions and links go unless another KB is chosen."""
        return self.get(self.default_name)

    def target(self, name: str | None) -> KnowledgeBase:
        """The KB a new note goes to: ``name`` when given, else the default."""
        return self.get(name) if name else self.default

    def name_of(self, kb: KnowledgeBase) -> str:
        """The short name of an open KB."""
        for name, candidate in self.kbs.items():
            if candidate is kb or candidate.root == kb.root:
                return name
        raise ShelfError(f"{kb.root} is not one of the configured KBs")

    def holder(self, reference: str) -> tuple[str, KnowledgeBase, str]:
        """The KB that holds the note ``reference``: its name, the KB, and the reference to
        use inside it (``NAME:note`` picks the KB). A note found in several KBs is refused
        with one line asking for the KB's name."""
        from kb.notes.naming import AmbiguousNote

        name, colon, rest = reference.partition(":")
        if colon and rest and name in self.kbs:
            return name, self.kbs[name], rest
        found: list[tuple[str, KnowledgeBase]] = []
        # A path or file name that one KB holds wins over title words matched elsewhere.
        exact: list[tuple[str, KnowledgeBase]] = []
        for name, kb in self.kbs.items():
            try:
                source = kb.find(reference)
            except AmbiguousNote:
                found.append((name, kb))
            except KBError:
                continue
            else:
                found.append((name, kb))
                rel = Path(source.rel)
                if reference in (source.rel, rel.name, rel.stem):
                    exact.append((name, kb))
        if len(exact) == 1:
            found = exact
        if len(found) == 1:
            return found[0][0], found[0][1], reference
        if not found:
            raise ShelfError(
                f"no note matches {reference!r} in any KB ({', '.join(self.names)})", 1
            )
        where = ", ".join(name for name, _ in found)
        raise ShelfError(
            f"{reference!r} matches notes in several KBs ({where}): "
            f"put the KB's name first ({found[0][0]}:{reference})"
        )

    # -- every KB as one ----------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 10,
        *,
        refresh: bool = True,
        budget: float | None = None,
    ) -> Results:
        """Hits from every KB in one list, best first, each marked with its KB's short name.

        A ``kb:NAME`` word narrows the query to that KB, several to those KBs (ShelfError when
        none is called so).
        The KBs are searched one after the other in the calling thread: the work is Python's,
        under one interpreter lock, and threads made two KBs slower, not faster (a keystroke
        at 2,000 + 20,000 notes: 36 ms median in threads, 26 ms one after the other). What
        only the hits shown need, their snippets, is made once the lists are merged.
        """
        from kb.search.results import Results
        from kb.search.searching import make_snippets

        text, only = split_kb_filter(query)
        for name in only:
            self.get(name)  # an unknown name is one clear line, not an empty list
        merged = Results()
        each: list[Results] = []
        searched: list[KnowledgeBase] = []
        for name, kb in self.kbs.items():
            if only and name not in only:
                continue
            results = kb.search(text, limit=limit, refresh=refresh, budget=budget, snippets=False)
            for hit in results:
                hit.kb = name
            each.append(results)
            searched.append(kb)
        if len(each) > 1:
            one_scale(searched, each)
        for results in each:
            merged.extend(results)
            merged.query = merged.query or results.query
            merged.corrected = merged.corrected or results.corrected
            merged.partial = merged.partial or results.partial
        # Ties keep the config's order (a stable sort): the default KB is usually listed first.
        merged.sort(key=lambda hit: hit.score, reverse=True)
        del merged[limit:]
        kept = {id(hit) for hit in merged}
        for results in each:
            make_snippets((hit for hit in results if id(hit) in kept), results.highlight)
        return merged

    def recent(self, limit: int = 20) -> Results:
        """The most recently changed notes of every KB, newest first, each marked with its KB."""
        from kb.search.results import Results

        merged = Results()
        for name, kb in self.kbs.items():
            results = kb.recent(limit)
            for hit in results:
                hit.kb = name
            merged.extend(results)
        merged.sort(key=lambda hit: hit.modified, reverse=True)
        del merged[limit:]
        return merged


def one_scale(kbs: list[KnowledgeBase], each: list[Results]) -> None:
    """Put the hits of several KBs on one scale: rescale each KB's scores by how rare the
    query's words are in all the KBs together against how rare they are in that KB alone.

    A text score weighs each word by its rarity (BM25's idf) among the documents of its own
    index: in a small personal KB a word held by its only note counts for little, and a note
    holding every word of the query would rank below team notes holding one of them. Each
    KB's scores are multiplied by the sum of the words' idf over every KB's documents divided
    by that sum over its own (the words it holds): what a search of one index of every note
    would weigh them, to within the words' share of each score.
    """
    from kb.search.analysis import terms
    from kb.search.engine import IndexUnavailable
    from kb.search.ranking import idf

    query = next((results.query for results in each if results.query is not None), None)
    if query is None:
        return
    words = sorted(
        {term for clause in query.clauses if not clause.negated for term in terms(clause.text)}
    )
    if not words:
        return
    counts: list[tuple[int, list[int]]] = []
    try:
        for kb in kbs:
            engine = kb.index.engine()
            counts.append((engine.count(), [engine.document_frequency(word) for word in words]))
    except IndexUnavailable:
        return  # a KB's index went away since its search: its scores stay as they are
    documents = sum(count for count, _held in counts)
    together = [sum(held[index] for _count, held in counts) for index in range(len(words))]
    for results, (count, held) in zip(each, counts, strict=True):
        own = sum(idf(count, found) for found in held if found)
        shared = sum(idf(documents, together[i]) for i, found in enumerate(held) if found)
        if own > 0 and shared > 0:
            for hit in results:
                hit.score *= shared / own


def split_kb_filter(query: str) -> tuple[str, list[str]]:
    """The query without its ``kb:NAME`` words, and the KB names they gave (none: every KB)."""
    names = [name for name in dict.fromkeys(_KB_FILTER.findall(query)) if name]
    return " ".join(_KB_FILTER.sub(" ", query).split()), names
