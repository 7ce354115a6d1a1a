"""The error every part of kb raises for a problem the user can act on."""

from __future__ import annotations


class KBError(Exception):
    """A problem to report to the user in one line, with the exit code for the CLI."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code
