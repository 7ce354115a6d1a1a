"""The user's own editor, for ``kb edit``, ``kb answer`` and the app's external edit:
``$VISUAL``, else ``$EDITOR``, else nano or vi."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from kb.notes.errors import KBError


def configured_editor() -> str | None:
    """The editor the user named (``$VISUAL``, else ``$EDITOR``), or None."""
    return os.environ.get("VISUAL") or os.environ.get("EDITOR") or None


def editor_command(path: str | os.PathLike[str] | None = None) -> list[str]:
    """The command that opens ``path`` in the user's editor (nano or vi when none is named).

    Raises KBError (exit 2) when the editor setting cannot be read as a command line.
    """
    editor = configured_editor() or ("nano" if shutil.which("nano") else "vi")
    try:
        command = shlex.split(editor)
    except ValueError as exc:
        raise KBError(f"cannot start the editor {editor!r}: {exc}", 2) from exc
    if not command:
        raise KBError(f"cannot start the editor {editor!r}: it names no program", 2)
    return [*command, str(Path(path))] if path is not None else command
