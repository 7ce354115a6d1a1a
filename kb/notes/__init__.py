"""The notes layer: a KB on disk, the contract every other part of kb reads and writes through.

It owns the files (which are notes, how they are read safely, atomic writes, locks), the
Markdown and front matter of a note, links between notes and what a NOTE argument names,
ticket ids in text, templates and new notes, ``kb.toml`` settings, the link log
``tickets/links.jsonl``, what looks like a secret, local state under ``.kb/``, and
:class:`KB`, the protocol of the operations the capabilities ask of a knowledge base. At run
time it imports nothing else of kb.
"""

from kb.notes.errors import KBError
from kb.notes.naming import AmbiguousNote
from kb.notes.note import NOTE_TYPES, STATUSES, TICKET_KIND, Note, parse_note
from kb.notes.problems import Problem
from kb.notes.protocol import KB, Saved
from kb.notes.settings import Settings, load_settings
from kb.notes.ticket_ids import TicketMatcher

__all__ = [
    "KB",
    "NOTE_TYPES",
    "STATUSES",
    "TICKET_KIND",
    "AmbiguousNote",
    "KBError",
    "Note",
    "Problem",
    "Saved",
    "Settings",
    "TicketMatcher",
    "load_settings",
    "parse_note",
]
