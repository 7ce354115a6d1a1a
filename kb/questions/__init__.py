"""Open questions: what a technician promised to find out, for whom and by when, the updates
given to the person waiting, and the answer that turns a question into a fix note.
"""

from kb.questions.asking import (
    QUESTION_TYPE,
    Answered,
    Asked,
    Question,
    Update,
    answer,
    append_update,
    ask,
    check_ticket,
    followups,
    open_questions,
    parse_promise,
    promise_line,
    read_question,
    similar,
    waiting_line,
)
from kb.questions.reminders import falling_due, is_mine, my_overdue

__all__ = [
    "QUESTION_TYPE",
    "Answered",
    "Asked",
    "Question",
    "Update",
    "answer",
    "append_update",
    "ask",
    "check_ticket",
    "falling_due",
    "followups",
    "is_mine",
    "my_overdue",
    "open_questions",
    "parse_promise",
    "promise_line",
    "read_question",
    "similar",
    "waiting_line",
]
