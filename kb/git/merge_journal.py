"""A journal of the merge ``kb sync`` is doing, so that a sync stopped at any instant is undone.

Before kb merges the team's changes it writes a journal in the git directory: the commit it
starts from (also kept as ``refs/kb/backup/...``), the commit it merges, and, as it goes, the
files it creates beside notes. While the merge runs, the journal is touched every fraction
of a second, so after a kill its time says when the merge stopped.

The next kb run that finds the journal (``kb sync``, ``kb save``, any commit kb makes) puts
the files back as they were before the merge (:mod:`kb.git.merge_undo`), and a sync merges
again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.git import locks
from kb.notes import atomic

if TYPE_CHECKING:
    pass

JOURNAL_NAME = "kb-merge.journal"
#: How often the journal is touched while a merge runs.
HEARTBEAT_SECONDS = 0.2
#: A file written up to this long after the journal's last touch is still the merge's.
SLACK_SECONDS = 2.0
#: When only kb was killed, the git merge it ran goes on writing files for a moment: a file
#: with git's markers written this soon after the journal's last touch is the merge's too.
ORPHAN_SECONDS = 30.0
#: Files git leaves while a merge is unfinished.
MERGE_STATE = ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE", "AUTO_MERGE", "MERGE_RR")


def fingerprint(data: bytes) -> str:
    """A fingerprint of a file's bytes, to know it again."""
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def journal_path(root: Path) -> Path:
    """Where the journal of a merge in progress is kept."""
    return locks.git_dir(root) / JOURNAL_NAME


def interrupted(root: Path) -> bool:
    """True when a merge of ``kb sync`` was stopped and is not undone yet."""
    return journal_path(root).exists()


@dataclass
class Journal:
    """The journal of one merge: where it started, what it merges, the files it made."""

    path: Path
    head: str
    upstream: str
    backup: str | None = None
    #: Files kb created beside notes (conflict copies), with a digest of what it wrote.
    copies: dict[str, str] = field(default_factory=dict)
    #: The user's own files (untracked or ignored) that the team's version would replace:
    #: original path -> (where kb kept the user's text, digest of that text).
    asides: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Untracked files holding the very text the team's version brings (removed for git).
    same: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @classmethod
    def begin(cls, root: Path, head: str, upstream: str, backup: str | None) -> Journal:
        """Write a new journal (durably) for a merge of ``upstream`` into ``head``."""
        path = journal_path(root)
        header = {"head": head, "upstream": upstream, "backup": backup}
        # In git's own folder, not the work tree: no KB path to check.
        atomic.write_text(path, json.dumps(header) + "\n", root=None)
        return cls(path, head, upstream, backup)

    @classmethod
    def read(cls, root: Path) -> Journal | None:
        """The journal left by a merge that did not finish, or None."""
        path = journal_path(root)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        entries = []
        for line in text.splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    entries.append(entry)
        if not entries or not isinstance(entries[0].get("head"), str):
            return cls(path, "", "")
        header = entries[0]
        journal = cls(path, header["head"], str(header.get("upstream") or ""), header.get("backup"))
        for entry in entries[1:]:
            if "copy" in entry:
                journal.copies[str(entry["copy"])] = str(entry.get("sha1", ""))
            elif "aside" in entry:
                journal.asides[str(entry["aside"])] = (str(entry["to"]), str(entry["sha1"]))
            elif "same" in entry:
                journal.same.append(str(entry["same"]))
        return journal

    def _append(self, entry: dict[str, str]) -> None:
        # One short append: a kill cannot cut it in half. No fsync: this guards against a
        # killed process, not a lost disk.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, (json.dumps(entry) + "\n").encode("utf-8"))
        finally:
            os.close(fd)

    def note_copy(self, rel: str, data: bytes) -> None:
        """Record, before writing it, a file kb creates beside a note."""
        self.copies[rel] = fingerprint(data)
        self._append({"copy": rel, "sha1": self.copies[rel]})

    def note_aside(self, original: str, kept: str, data: bytes) -> None:
        """Record, before moving it, the user's text of ``original`` kept as ``kept``."""
        self.asides[original] = (kept, fingerprint(data))
        self._append({"aside": original, "to": kept, "sha1": self.asides[original][1]})

    def note_same(self, rel: str) -> None:
        """Record an untracked file that already holds the incoming text (removed for git)."""
        self.same.append(rel)
        self._append({"same": rel})

    @contextlib.contextmanager
    def beating(self) -> Iterator[Journal]:
        """Touch the journal while the merge runs, so that its time tells when it stopped."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="kb-merge-journal", daemon=True)
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def close(self) -> None:
        """The merge is finished (or undone): the journal goes."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
