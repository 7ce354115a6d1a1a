"""Every number that ranks a hit, in one place, for both engines and for kb's own signals.

The engines score text with BM25F over kb's weighted fields (the same parameters on Whoosh
and on Tantivy, so that both give the same order); kb then multiplies each hit's score by
its coordination (how many of the query's words it holds) and by small signals from the KB
(status, tickets solved), which never outweigh a better text match.
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.search.results import Hit

#: Text fields, with how much a match in each counts (title > labels/issue > body).
#: "labels" holds a note's tags, systems and ticket ids.
TEXT_FIELDS: dict[str, float] = {"title": 4.0, "labels": 2.5, "issue": 2.0, "body": 1.0}
#: How much a completion of the word being typed, or a correction of a typo, counts
#: compared with the word itself.
EXPANSION_WEIGHT = 0.8
#: BM25F's length normalisation and term-frequency saturation.
B = 0.75
K1 = 1.2
#: A document matching several alternatives of a word gets its best one's score and this
#: share of the others'.
TIEBREAK = 0.1
#: Documents holding every typed word earn this share of those words' scores again.
COORDINATION = 0.5
#: A note holding an id's number ("sql 18456") and the letters read out before it holds
#: every word typed: it rises this share above notes holding the number alone.
ID_LETTERS_LIFT = COORDINATION
#: The names in a pasted path (its folders, its file name), each looked for on its own, count
#: this much: a note naming the path or its folder comes first, one naming them in prose next.
PATH_PART_WEIGHT = 0.5
#: A text holding none of a pasted path's forms holds it this share for its names in it
#: (all of them: this much, enough not to be weak; some: less).
PATH_PART_COVERAGE = 0.5
#: Phrase alternatives of a word (multi-word synonyms) count this much.
PHRASE_WEIGHT = 0.9

#: With a meaning model (:mod:`kb.search.meaning`), a hit's score is multiplied by
#: 1 + MEANING_WEIGHT x (the cosine of its meaning with the query's, when above zero).
MEANING_WEIGHT = 1.5

#: Signals from the KB: a validated note rises a little, a draft and an archived note drop.
VALIDATED_LIFT = 0.06
WIP_DROP = 0.04
ARCHIVED_DROP = 0.3
#: A ticket record drops below a note with the same text (the note is the fix to give).
TICKET_DROP = 0.15
#: Solving tickets lifts a note: this much per doubling of their number, at most MAX_REUSE_LIFT.
REUSE_LIFT = 0.02
MAX_REUSE_LIFT = 0.06
#: A note in another language than the user's (a translation in a language folder) drops this
#: much, so that the page in the user's language comes first and a translation still shows
#: when only it holds the words.
OTHER_LANGUAGE_DROP = 0.25


def idf(documents: int, frequency: int) -> float:
    """BM25's inverse document frequency of a term in ``frequency`` of ``documents``, the
    form Tantivy uses; kb's Whoosh scorer uses it too, so that both engines rank alike."""
    return math.log(1.0 + (documents - frequency + 0.5) / (frequency + 0.5))


def _length_table() -> list[int]:
    # Field lengths kept in one byte: exact up to 40, then 8 steps per doubling of the step
    # (42, 44, ... 56, 60, 64, ... 88, 96, ...). Tantivy stores lengths so; Whoosh's scorer
    # rounds exact lengths the same way, so that a long note weighs the same on both.
    table = list(range(41))
    step = 2
    while len(table) < 256:
        for _ in range(8):
            if len(table) == 256:
                break
            table.append(table[-1] + step)
        step *= 2
    return table


LENGTH_TABLE = _length_table()


def stored_length(length: int) -> int:
    """A field length as the index keeps it (rounded down to :data:`LENGTH_TABLE`)."""
    return LENGTH_TABLE[bisect.bisect_right(LENGTH_TABLE, length) - 1]


#: Scores equal to this many significant digits are a tie (the engines differ in the 4th:
#: float32 and float64 sums), broken by the path so that both engines list ties alike.
SCORE_DIGITS = 3


def order_key(score: float, path: str) -> tuple[float, str]:
    """Sort key of a hit: best score first, ties by path."""
    return (-float(f"{score:.{SCORE_DIGITS}g}"), path)


def coordination(coverage: float) -> float:
    """A note matching more of the query's words ranks above one matching a few strongly
    (a short page titled with one of the words must not beat the note about all of them)."""
    return coverage


def signal(hit: Hit) -> float:
    """Small, bounded nudges from the KB itself; text relevance always dominates."""
    factor = 1.0
    if hit.status == "validated":
        factor += VALIDATED_LIFT
    elif hit.status == "wip":
        factor -= WIP_DROP
    elif hit.status == "archived":
        factor -= ARCHIVED_DROP
    if hit.kind == "ticket":
        # A ticket record tells what happened once; a note is the fix to give. On equal text
        # the note comes first (a record that alone holds the words still does).
        return factor - TICKET_DROP
    factor += min(MAX_REUSE_LIFT, REUSE_LIFT * math.log2(1 + hit.ticket_count))
    return factor
