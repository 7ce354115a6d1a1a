"""Note templates: built in for each note type, overridable per KB in ``templates/<type>.md``."""

from __future__ import annotations

import datetime as _dt
import os
import stat
from pathlib import Path

BUILT_IN: dict[str, str] = {
    "fix": """---
type: fix
status: wip
tags: []
systems: []
tickets: []
---
## Issue
What the caller reported, in their words. Quote any error message exactly.

## Environment
Device, operating system, application and version, location or network.

## Resolution
1. Steps someone else can follow, and read aloud on a call.
2. How to confirm it worked.

## Cause
Why it happened, when known.
""",
    "question": """---
type: question
status: wip
asked_by:
promised:
ticket:
tags: []
---
## Issue
The question, as the caller asked it.

## Environment

## What I tried

## Updates
""",
    "guide": """---
type: guide
status: wip
tags: [onboarding]
---
What this guide is for and who should read it.

## Reading path
1. [[first-note]]
2. [[second-note]]
""",
    "reference": """---
type: reference
status: wip
tags: []
systems: []
---
## Summary

## Details
""",
}


def template_text(root: Path | None, note_type: str) -> str:
    """The template for a note type: the KB's own file if it has one, else the built-in."""
    return template(root, note_type)[0]


def template(root: Path | None, note_type: str) -> tuple[str, str | None]:
    """The template for a note type, and why the KB's own file was not used (or None).

    A template's text is copied into a new note that is committed and shared, so the KB's
    file is read only when it is a real file reached without any symlink: a link committed
    as ``templates/fix.md -> ~/.netrc`` must never put a local file into a note.
    """
    built_in = BUILT_IN.get(note_type, BUILT_IN["fix"])
    if root is None:
        return built_in, None
    from kb.notes import paths

    rel = f"templates/{note_type}.md"
    path = paths.readable(root, rel, links=False)
    if path is None:
        return (
            built_in,
            f"{rel} is a symlink or behind one; the built-in {note_type} template is used",
        )
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return built_in, f"{rel} is not a file; the built-in {note_type} template is used"
        return path.read_text(encoding="utf-8"), None
    except FileNotFoundError:
        return built_in, None
    except (OSError, UnicodeDecodeError):
        return built_in, f"{rel} cannot be read; the built-in {note_type} template is used"


def fill(text: str, *, title: str, ticket: str | None = None) -> str:
    """Replace ``{{title}}``, ``{{date}}`` and ``{{ticket}}`` placeholders in a template."""
    return (
        text.replace("{{title}}", title)
        .replace("{{date}}", _dt.date.today().isoformat())
        .replace("{{ticket}}", ticket or "")
    )
