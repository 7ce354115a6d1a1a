"""Problems found in a KB's files, reported to the user instead of raised."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Something wrong with one file, in one line a technician can act on."""

    path: str
    message: str
    line: int | None = None
    #: "warning" (the file is still used) or "error" (the file, or part of it, is not).
    level: str = "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"
