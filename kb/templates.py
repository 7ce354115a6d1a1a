"""Note templates: built in for each note type, overridable per KB in ``templates/<type>.md``."""

from __future__ import annotations

import datetime as _dt
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
    if root is not None:
        path = Path(root) / "templates" / f"{note_type}.md"
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
    return BUILT_IN.get(note_type, BUILT_IN["fix"])


def fill(text: str, *, title: str, ticket: str | None = None) -> str:
    """Replace ``{{title}}``, ``{{date}}`` and ``{{ticket}}`` placeholders in a template."""
    return (
        text.replace("{{title}}", title)
        .replace("{{date}}", _dt.date.today().isoformat())
        .replace("{{ticket}}", ticket or "")
    )
