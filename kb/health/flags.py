"""Flag it or fix it: a note marked for rework, with the reason, until someone fixes it.

A flag is three front matter fields, ``flag`` (the reason), ``flagged_by`` and
``flagged_at``; kb changes only those lines. Editing the note with real changes (anything
besides the flag fields) clears the flag in the same commit.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from kb.notes import frontmatter
from kb.notes.errors import KBError
from kb.notes.flags import Flag, text_flag, with_flag, without_flag
from kb.notes.note import TICKET_KIND, Note

if TYPE_CHECKING:
    from kb.notes.protocol import KB, Saved

MAX_REASON = 300


def clean_reason(reason: str) -> str:
    """The reason on one line; KBError when it is empty or too long."""
    from kb.notes.control_chars import storable

    text = " ".join(storable(reason).split())
    if not text:
        raise KBError("say why the note needs rework (the reason is shown to everyone)")
    if len(text) > MAX_REASON:
        raise KBError(f"keep the reason under {MAX_REASON} characters")
    return text


def flag_note(kb: KB, reference: str, reason: str, by: str | None = None) -> Saved:
    """Flag the note ``reference`` names for rework; commit "Flag: <title>: <reason>"."""
    from kb.git import identity

    reason = clean_reason(reason)
    note = _flaggable(kb, reference)
    who = by or identity.display_name(kb.root)
    when = _dt.datetime.now().replace(second=0, microsecond=0)

    def flag_it(text: str) -> tuple[str, str]:
        try:
            new_text = with_flag(_sound(note.path, text), reason, who, when)
        except ValueError as exc:
            raise KBError(f"{note.path}: {exc}") from exc
        return new_text, f"Flag: {one_line(note.title)}: {reason}"

    saved = kb.change_text(note.path, flag_it)
    assert saved is not None  # flag_it always changes the note
    return saved


def clear_flag(kb: KB, reference: str) -> tuple[Saved | None, Flag | None]:
    """Remove the note's flag; commit "Clear flag: <title>". (None, None) when not flagged."""
    note = _flaggable(kb, reference)
    cleared: list[Flag] = []

    def clear_it(text: str) -> tuple[str, str] | None:
        flag = text_flag(_sound(note.path, text))
        if flag is None:
            return None
        try:
            new_text = without_flag(text)
        except ValueError as exc:
            raise KBError(f"{note.path}: {exc}") from exc
        cleared.append(flag)
        return new_text, f"Clear flag: {one_line(note.title)}"

    saved = kb.change_text(note.path, clear_it)
    return (saved, cleared[0]) if saved is not None else (None, None)


def one_line(text: str) -> str:
    """Text on one line (for commit messages)."""
    return " ".join(text.split())


def _flaggable(kb: KB, reference: str) -> Note:
    note = kb.note_not_ticket(reference)
    if note.kind == TICKET_KIND:
        raise KBError(f"{note.path} is a ticket record; flag the note that needs rework", 2)
    _sound(note.path, kb.read_text(note.path))
    return note


def _sound(rel: str, text: str) -> str:
    """``text``, when its front matter can be changed; KBError when it is broken."""
    broken = frontmatter.parse(text).error
    if broken:
        raise KBError(f"{rel}: {broken}; fix it before flagging")
    return text
