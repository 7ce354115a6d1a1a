"""Reading progress through guides, per person, in ``.kb/progress.json`` (local, git-ignored).

A note read in one guide counts as read in every guide that lists it. The file is written
atomically; a damaged file is kept aside as ``progress.json.bad`` and treated as empty, with
a warning, so that reading a guide never fails because of it.
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kb.git import identity
from kb.notes import atomic, paths
from kb.notes.errors import KBError
from kb.notes.lock import shared_file

PROGRESS_FILE = ".kb/progress.json"
_NAME = "progress.json"
FORMAT = 1

# The app marks steps from worker threads; one read-modify-write at a time in a process
# (and the file lock, one at a time among kb processes).
_WRITING = threading.Lock()


class ReadingProgress:
    """What one reader has read, as stored in a KB's ``.kb/progress.json``."""

    def __init__(self, root: Path, reader: str | None = None) -> None:
        self.root = Path(root)
        self.path = self.root / PROGRESS_FILE
        #: Whose progress it is: the git user name, else the login name.
        self.reader = reader or identity.display_name(self.root)
        #: Why the stored progress could not be used (None when it could).
        self.warning: str | None = None
        data = self._load()
        self._read: dict[str, str] = self._mine(data)

    @property
    def read(self) -> set[str]:
        """Paths of the notes this reader has read."""
        return set(self._read)

    def is_read(self, path: str) -> bool:
        """True when this reader has read the note at ``path``."""
        return path in self._read

    def mark_read(self, paths: Iterable[str]) -> None:
        """Record notes as read now, and save."""
        when = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self._change({path: when for path in paths}, [])

    def mark_unread(self, paths: Iterable[str]) -> None:
        """Forget that notes were read (to read a guide again), and save."""
        self._change({}, list(paths))

    def _change(self, added: dict[str, str], removed: list[str]) -> None:
        with _WRITING, shared_file(self.root, PROGRESS_FILE, "the reading progress"):
            # Read again first: another kb (the app and a terminal) may have saved meanwhile.
            data = self._load(quiet=True)
            mine = self._mine(data)
            mine.update(added)
            for path in removed:
                mine.pop(path, None)
            readers = data.setdefault("readers", {})
            readers[self.reader] = {"read": dict(sorted(mine.items()))}
            data["format"] = FORMAT
            # A symlink committed in the file's place is removed, never written through.
            target = paths.local_file(self.root, _NAME)
            text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
            atomic.write_text(target, text, root=self.root)
            self._read = mine

    def _load(self, quiet: bool = False) -> dict[str, Any]:
        path = paths.local_readable(self.root, _NAME)
        try:
            if path is None:
                raise FileNotFoundError(PROGRESS_FILE)  # a symlink: never followed
            raw = path.read_bytes()
        except FileNotFoundError:
            return {"format": FORMAT, "readers": {}}
        except OSError as exc:
            if not quiet:
                self.warning = f"reading progress not read ({exc.strerror or exc}); starting afresh"
            return {"format": FORMAT, "readers": {}}
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("readers", {}), dict):
                raise ValueError("not a progress file")
        except ValueError:
            self._keep_aside(raw)
            if not quiet:
                self.warning = (
                    f"{PROGRESS_FILE} was damaged and is ignored (kept as progress.json.bad); "
                    "reading progress starts afresh"
                )
            return {"format": FORMAT, "readers": {}}
        data.setdefault("readers", {})
        return data

    def _keep_aside(self, raw: bytes) -> None:
        try:
            with shared_file(self.root, PROGRESS_FILE, "the reading progress"):
                current = paths.local_file(self.root, _NAME)
                if current.read_bytes() != raw:
                    return  # another kb saved good progress meanwhile: that stays
                aside = paths.local_file(self.root, "progress.json.bad")
                atomic.write_bytes(aside, raw, root=self.root)
                current.unlink()
        except (OSError, KBError):  # LockBusy included
            pass

    def _mine(self, data: dict[str, Any]) -> dict[str, str]:
        entry = data.get("readers", {}).get(self.reader)
        read = entry.get("read") if isinstance(entry, dict) else None
        if not isinstance(read, dict):
            return {}
        return {str(path): str(when) for path, when in read.items() if isinstance(path, str)}
