"""What an edit did to a note's front matter: broke it, turned it into text, or dropped a field.

The built-in editor, the app's ``$EDITOR`` and ``kb edit`` ask this before they commit, so
that one stray keystroke above the first ``---`` never silently strips a note of its type,
status, tags and tickets.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kb.notes import frontmatter

#: The fields kb reads; dropping one of them changes what the note is in search and reports.
KNOWN_FIELDS = (
    "title",
    "type",
    "status",
    "tags",
    "systems",
    "tickets",
    "ticket",
    "created",
    "review_by",
    "asked_by",
    "promised",
    "author",
    "authors",
)


@dataclass
class FrontMatterDamage:
    """How an edit damaged the front matter, in the technician's words."""

    #: One line: what went wrong.
    summary: str
    #: The known fields that were there before and are gone after.
    dropped: list[str] = field(default_factory=list)
    #: The lost lines as they were, for showing the difference ("- status: validated").
    lost_lines: list[str] = field(default_factory=list)

    def difference(self, limit: int = 8) -> str:
        """The lost front matter lines, one per line, marked with ``-`` (at most ``limit``)."""
        shown = [f"- {line}" for line in self.lost_lines[:limit]]
        if len(self.lost_lines) > limit:
            shown.append(f"  … and {len(self.lost_lines) - limit} more")
        return "\n".join(shown)


def _field_lines(text: str, keys: list[str]) -> list[str]:
    """The top-level lines of ``text``'s front matter that set one of ``keys``."""
    lines = text.splitlines()
    found: list[str] = []
    for line in lines[1:]:
        if line.rstrip() in ("---", "..."):
            break
        key = line.split(":", 1)[0].strip()
        if key in keys and not line.startswith((" ", "\t", "-")):
            found.append(line.rstrip()[:120])
    return found


def front_matter_damage(before: str, after: str) -> FrontMatterDamage | None:
    """What saving ``after`` over ``before`` would do to the front matter, or None when fine.

    Damage is: a readable block that is no longer a block (its lines became body text), a
    block that no longer parses, or a field kb knows that was set before and is gone.
    Removing a field with a value kb cannot read, or editing a note that had no readable
    front matter, is not damage.
    """
    old, new = frontmatter.parse(before), frontmatter.parse(after)
    if not old.present or old.error:
        return None
    kept = [key for key in KNOWN_FIELDS if key in old.data]
    if not new.present:
        return FrontMatterDamage(
            "the front matter would become plain text (its first line is no longer '---')",
            kept,
            _field_lines(before, kept),
        )
    if new.error:
        return FrontMatterDamage(f"the {new.error}", kept, _field_lines(before, kept))
    dropped = [key for key in kept if key not in new.data]
    if not dropped:
        return None
    return FrontMatterDamage(
        f"{'a field' if len(dropped) == 1 else 'fields'} kb reads would be removed: "
        + ", ".join(dropped),
        dropped,
        _field_lines(before, dropped),
    )


def turned_into_text(text: str) -> bool:
    """True when the note's first line carries a front matter fence glued to other text.

    That is what a keystroke typed above the opening ``---`` leaves behind (``X---``): the
    block is read as body text and the note loses its fields without any parse error.
    """
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].rstrip() == "---":
        return False
    first = lines[0].rstrip()
    if not first.endswith("---") or first.strip("-") == "":
        return False
    closing = next((i for i, line in enumerate(lines[1:40], 1) if line.rstrip() == "---"), None)
    if closing is None:
        return False
    return any(
        line.split(":", 1)[0].strip() in KNOWN_FIELDS and ":" in line for line in lines[1:closing]
    )


def set_aside(root: Path, rel: str, text: str) -> str:
    """Keep an edit that was not saved under ``.kb/unsaved/`` and return where (relative).

    The note goes back to what it was; the text the user typed is never thrown away.
    """
    from kb.notes.atomic import write_text

    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = Path(".kb") / "unsaved" / f"{PurePosixPath(rel).stem}-{stamp}.md"
    (root / target.parent).mkdir(parents=True, exist_ok=True)
    write_text(root / target, text, root=root)
    return target.as_posix()
