"""Flag it or fix it: a note marked for rework, with the reason, until someone fixes it.

A flag is three front matter fields, ``flag`` (the reason), ``flagged_by`` and
``flagged_at``; kb changes only those lines. Editing the note with real changes (anything
besides the flag fields) clears the flag in the same commit.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.notes import frontmatter
from kb.notes.errors import KBError
from kb.notes.note import TICKET_KIND, Note

if TYPE_CHECKING:
    from kb.knowledgebase import KnowledgeBase
    from kb.knowledgebase.facade import Saved

FLAG_FIELDS = ("flag", "flagged_by", "flagged_at")
MAX_REASON = 300


@dataclass(frozen=True)
class Flag:
    """Why a note needs rework, who said so and when."""

    reason: str
    by: str = ""
    at: str = ""


def flag_from_fields(fields: dict[str, Any]) -> Flag | None:
    """The flag in a note's front matter fields, or None."""
    reason = fields.get("flag")
    if reason is None or reason is False or isinstance(reason, dict | list):
        return None
    text = " ".join(str(reason).split())
    if not text:
        return None
    at = fields.get("flagged_at")
    when = at.isoformat(sep=" ", timespec="minutes") if isinstance(at, _dt.datetime) else at
    return Flag(text, " ".join(str(fields.get("flagged_by") or "").split()), str(when or ""))


def flag_of(note: Note) -> Flag | None:
    """The note's flag, or None."""
    return flag_from_fields(note.fields)


def text_flag(text: str) -> Flag | None:
    """The flag in a note's text, or None."""
    return flag_from_fields(frontmatter.parse(text).data)


def with_flag(text: str, reason: str, by: str, at: _dt.datetime) -> str:
    """``text`` with the three flag fields set (nothing else changes)."""
    text = frontmatter.set_field(text, "flag", reason)
    text = frontmatter.set_field(text, "flagged_by", by)
    return frontmatter.set_field(text, "flagged_at", at)


def without_flag(text: str) -> str:
    """``text`` without the flag fields (nothing else changes)."""
    for key in FLAG_FIELDS:
        text = frontmatter.remove_field(text, key)
    return text


def cleared_by_edit(before: str, after: str) -> str | None:
    """The text to save when an edit fixes a flagged note: ``after`` without the flag fields.

    None when nothing is to clear: the note was not flagged, the editor already removed or
    changed the flag (the author's own choice), or only the flag fields changed.
    """
    flag = text_flag(before)
    if flag is None or text_flag(after) != flag:
        return None
    try:
        if without_flag(before) == without_flag(after):
            return None
        return without_flag(after)
    except ValueError:
        return None


def clear_after_external_edit(root: Path, rel: str, before: bytes) -> Flag | None:
    """After an editor changed the KB file ``rel`` from ``before``: when that fixed a flagged
    note, remove the flag fields from the file (atomically) and return the flag that was
    cleared. Files that are not UTF-8 are never rewritten."""
    from kb.notes import atomic, paths
    from kb.notes.lock import shared_file

    path = paths.writable(root, rel)
    with shared_file(root, rel):
        # Read under the lock: the file as the editor left it, with what others added since.
        after = path.read_bytes()
        try:
            before_text, after_text = before.decode("utf-8"), after.decode("utf-8")
        except UnicodeDecodeError:
            return None
        fixed = cleared_by_edit(before_text, after_text)
        if fixed is None:
            return None
        atomic.write_text(path, fixed, root=Path(root))
    return text_flag(before_text)


def clean_reason(reason: str) -> str:
    """The reason on one line; KBError when it is empty or too long."""
    from kb.notes.control_chars import storable

    text = " ".join(storable(reason).split())
    if not text:
        raise KBError("say why the note needs rework (the reason is shown to everyone)")
    if len(text) > MAX_REASON:
        raise KBError(f"keep the reason under {MAX_REASON} characters")
    return text


def flag_note(kb: KnowledgeBase, reference: str, reason: str, by: str | None = None) -> Saved:
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


def clear_flag(kb: KnowledgeBase, reference: str) -> tuple[Saved | None, Flag | None]:
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


def _flaggable(kb: KnowledgeBase, reference: str) -> Note:
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
