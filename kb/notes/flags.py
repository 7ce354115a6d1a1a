"""The flag of a note: three front matter fields, ``flag`` (the reason), ``flagged_by`` and
``flagged_at``, read and changed without touching any other byte of the note.

Editing a flagged note with real changes (anything besides the flag fields) clears the flag
in the same save: :func:`cleared_by_edit` says when, for kb's editor and for the user's own.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.notes import frontmatter

if TYPE_CHECKING:
    from kb.notes.note import Note

FLAG_FIELDS = ("flag", "flagged_by", "flagged_at")


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
