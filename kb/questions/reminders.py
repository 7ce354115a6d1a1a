"""Which promises to remind the user of: their own, overdue at start or falling due since.

A call-back promised by a colleague is theirs to keep; announcing it to everyone on a shared
KB would teach people to ignore the reminders.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from kb.questions.asking import Question, followups

if TYPE_CHECKING:
    from kb.notes.protocol import KB


def is_mine(question: Question, me: str | None) -> bool:
    """True when ``me`` owns the question (its author), or when nobody is named as owner."""
    if not question.owner:
        return True
    return me is not None and question.owner.casefold() == me.strip().casefold()


def my_overdue(kb: KB, me: str | None, now: _dt.datetime) -> list[Question]:
    """The user's open questions whose promised time has passed."""
    return [q for q in followups(kb, now=now, overdue_only=True) if is_mine(q, me)]


def falling_due(kb: KB, me: str | None, since: _dt.datetime, now: _dt.datetime) -> list[Question]:
    """The user's open questions whose promised time came after ``since`` and by ``now``."""
    return [
        question
        for question in followups(kb, now=now)
        if question.promised is not None
        and since < question.promised <= now
        and is_mine(question, me)
    ]
