"""A watch on a KB's files that says, for a millisecond or two, that nothing changed since the
last look: a search that must see every change then asks git (a ``git status`` that reads
every file's times, 20-90 ms on big KBs) only when something did.

The operating system tells of every change (inotify, FSEvents, ReadDirectoryChangesW, through
``watchfiles``). To be sure that a change made *before* a look has reached the watch, a look
writes a probe file in kb's own ``.kb/`` folder and waits for the watch to report it: the
system reports one watch's changes in the order they were made, so every earlier change has
been reported by then. When the probe's report does not come (a file system that tells
nothing), the look answers "unknown" and git is asked, as without a watch. Changes that the
system never reports at all (another computer writing to a network share) are not missed for
long: git is asked at least every few seconds anyway (``searching.GIT_AT_LEAST_EVERY``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kb.notes.paths import LOCAL_FOLDER, NOT_CONTENT, local_file

if TYPE_CHECKING:
    from watchfiles._rust_notify import RustNotify

#: The probe a look writes (in kb's local folder, which git ignores).
PROBE_NAME = "watch-probe"
PROBE = f"{LOCAL_FOLDER}/{PROBE_NAME}"
#: Milliseconds a look waits for the probe's report before it says "unknown".
PROBE_WAIT_MS = 200
#: Milliseconds without a new report after which a look takes what it has (the watch sleeps
#: this long between checks, without holding the interpreter: 0 would spin and take turns
#: from the app's loop).
SETTLE_MS = 1


class ChangeWatch:
    """Changes under a KB's root since the last :meth:`look`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._probe = self.root / PROBE
        self._notify: RustNotify | None = None
        #: Changes reported but not yet handed out by a look (root-relative paths).
        self._pending: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def start(cls, root: Path) -> ChangeWatch | None:
        """A watch running from now on; None when this system or folder cannot be watched."""
        watch = cls(root)
        return watch if watch._watch_folders() else None

    def _watch_folders(self) -> bool:
        """Watch every folder of the KB, each on its own (a recursive watch would walk every
        file while holding the interpreter: 150 ms of a frozen app at 20,000 notes)."""
        try:
            from watchfiles._rust_notify import RustNotify

            # A real local folder, a symlink in the probe's place removed: never written through.
            self._probe = local_file(self.root, PROBE_NAME)
            self._notify = RustNotify(self._folders(), False, False, 50, False, True)
        except Exception:  # no watchfiles, no inotify left, a folder gone: git answers
            self._notify = None
            return False
        return True

    def _folders(self) -> list[str]:
        """The root and every folder under it but git's and kb's own (kb's local folder
        itself holds the probe); symlinked folders are not entered."""
        folders = []
        for folder, subfolders, _files in os.walk(self.root):
            if folder == str(self.root):
                subfolders[:] = [name for name in subfolders if name != ".git"]
            elif folder == str(self.root / LOCAL_FOLDER):
                subfolders[:] = []
            folders.append(folder)
        return folders

    def look(self) -> set[str] | None:
        """What changed (paths relative to the root) since the previous look or the start;
        None when the watch cannot tell (the probe's report did not come)."""
        with self._lock:
            return self._look()

    def _look(self) -> set[str] | None:
        notify = self._notify
        if notify is None:
            return None
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(self._probe, flags, 0o644)
            try:
                os.write(fd, str(time.monotonic_ns()).encode("ascii"))
            finally:
                os.close(fd)
        except OSError:
            return None  # not writable (or a link put in its place): git answers
        deadline = time.monotonic() + PROBE_WAIT_MS / 1000
        while True:
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                return None
            try:
                reported = notify.watch(PROBE_WAIT_MS, SETTLE_MS, left_ms, None)
            except Exception:
                self.close()
                return None
            if not isinstance(reported, set):
                return None  # timed out (or a signal): whether the probe came is unknown
            probed = False
            for _change, path in reported:
                rel = self._relative(path)
                if rel == PROBE:
                    probed = True
                elif rel is not None:
                    self._pending.add(rel)
            if probed:
                changed, self._pending = self._pending, set()
                if any((self.root / rel).is_dir() for rel in changed):
                    # A folder came (or moved): watched from now on, before git is asked,
                    # so that nothing written in it afterwards goes unseen.
                    self._restart()
                return changed

    def _restart(self) -> None:
        notify, self._notify = self._notify, None
        if notify is not None:
            with contextlib.suppress(Exception):
                notify.close()
        self._watch_folders()

    def _relative(self, path: str) -> str | None:
        """``path`` relative to the root with ``/``; None for git's and kb's own folders
        (except the probe) and for what lies outside the root."""
        try:
            rel = Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return None
        if rel == PROBE:
            return rel
        first = rel.split("/", 1)[0]
        return None if first in NOT_CONTENT else rel

    def close(self) -> None:
        """Stop watching (the watch's thread ends)."""
        notify, self._notify = self._notify, None
        if notify is not None:
            with contextlib.suppress(Exception):
                notify.close()
        with contextlib.suppress(OSError):
            os.unlink(self._probe)
