"""Scores of many documents as the Whoosh scorer keeps and combines them
(:mod:`kb.search.engines.whoosh_scorer`): packed arrays, weighted sums, Tantivy's
disjunction max."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

from kb.search.ranking import TIEBREAK

Scores = dict[int, float]


class Packed:
    """Document numbers and their scores in two arrays: 12 bytes a document, where a
    dictionary takes about 100, so that many more terms stay cached."""

    __slots__ = ("ids", "scores")

    def __init__(self, ids: array[int], scores: array[float]) -> None:
        self.ids = ids
        self.scores = scores

    @classmethod
    def of(cls, scores: Scores) -> Packed:
        """Pack a dictionary of scores."""
        return cls(array("i", scores.keys()), array("d", scores.values()))

    def __len__(self) -> int:
        return len(self.ids)

    def items(self) -> Iterator[tuple[int, float]]:
        """(document number, score) pairs."""
        return zip(self.ids, self.scores, strict=True)

    def as_dict(self) -> Scores:
        """The scores as a dictionary."""
        return dict(zip(self.ids, self.scores, strict=True))

    def scaled(self, factor: float) -> Packed:
        """Every score times ``factor``."""
        if factor == 1.0:
            return self
        return Packed(self.ids, array("d", [score * factor for score in self.scores]))


def add(total: Scores, items: Iterable[tuple[int, float]], weight: float = 1.0) -> None:
    """Add weighted scores into ``total``."""
    get = total.get
    if weight == 1.0:
        for docnum, score in items:
            total[docnum] = get(docnum, 0.0) + score
    else:
        for docnum, score in items:
            total[docnum] = get(docnum, 0.0) + weight * score


def best_of(choices: list[tuple[float, Packed]], boost: float) -> Packed:
    """Per document: its best alternative plus TIEBREAK of the others (Tantivy's
    disjunction max), times boost."""
    choices = [(weight, scores) for weight, scores in choices if len(scores)]
    if not choices:
        return Packed(array("i"), array("d"))
    if len(choices) == 1:
        weight, scores = choices[0]
        return scores.scaled(weight * boost)
    best: Scores = {}
    total: Scores = {}
    for weight, scores in choices:
        get_best = best.get
        get_total = total.get
        for docnum, score in scores.items():
            score *= weight
            total[docnum] = get_total(docnum, 0.0) + score
            current = get_best(docnum)
            if current is None or score > current:
                best[docnum] = score
    return Packed(
        array("i", best.keys()),
        array(
            "d",
            [
                (score + TIEBREAK * (total[docnum] - score)) * boost
                for docnum, score in best.items()
            ],
        ),
    )
