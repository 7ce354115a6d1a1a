"""What changed in a KB's work tree since a recorded moment, asked of git, not of every file.

A :class:`WorktreeState` is the commit checked out plus the files that differ from it
(modified, added, deleted, untracked or ignored), each with its size and time. Two states
give the files that may have changed between them: those the commits differ by, and those
dirty in either state whose size or time is not the same. Git answers from its own stat
cache, so the cost follows what changed, not how many notes there are.

A quick look (:class:`QuickLook`) answers "nothing changed" without git's walk of every
folder for new files, which is most of a ``git status`` on a big KB: the folders' times
(a file created, removed or renamed changes its folder's time), git's own index file (a
``git add``, a commit, a pull), the commit, and the files ``git diff-files`` finds changed
from git's stat cache. Any difference, or a time too close to the look to be trusted (a
file-system clock ticks coarsely), sends the caller to the full ``git status``.

Git runs as :mod:`kb.git.git_command` runs it; ``git diff-files`` may have been started
early (:mod:`kb.git.early_look`).
"""

from __future__ import annotations

import hashlib
import os
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.git import early_look, stat_cache
from kb.git.git_command import output as _git
from kb.git.git_command import run as _run
from kb.git.head_files import head_from_files
from kb.notes import paths

#: A time this close to a quick look (ns) may hide a second change in the same tick of the
#: file system's clock: a look holding one is not trusted to say "nothing changed".
RACY_NS = 2_000_000_000
#: A KB with more folders than this (or more files git finds changed) is looked at in full.
MAX_FOLDERS = 20_000
MAX_MODIFIED = 2_000
#: This many files flagged by git's stat cache (most often a copied, restored or touched KB,
#: their content as committed) make kb bring that cache up to date (kb.git.stat_cache), as
#: ``git status`` run by hand would: until then every look would read all of them again.
REFRESH_TOUCHED = 50

Signature = list[int] | None


@dataclass(frozen=True)
class QuickLook:
    """What a quick look compares (see the module's docstring), and when it was taken."""

    head: str | None
    #: git's index file: [size, mtime_ns]
    index: Signature
    #: Folder relative to the root ("." for the root) -> mtime_ns.
    folders: dict[str, int]
    #: Files ``git diff-files`` found changed -> their signatures.
    modified: dict[str, Signature]
    taken: int

    def to_json(self) -> dict[str, Any]:
        """The look as JSON-ready data."""
        return {
            "head": self.head,
            "index": self.index,
            "folders": self.folders,
            "modified": self.modified,
            "taken": self.taken,
        }

    @classmethod
    def from_json(cls, data: object) -> QuickLook | None:
        """A look read back from :meth:`to_json` data; None when it is not one."""
        if not isinstance(data, dict):
            return None
        head, index, taken = data.get("head"), data.get("index"), data.get("taken")
        folders, modified = data.get("folders"), data.get("modified")
        if not (head is None or isinstance(head, str)) or not _is_signature(index):
            return None
        if not isinstance(taken, int) or not isinstance(folders, dict):
            return None
        if not all(isinstance(value, int) for value in folders.values()):
            return None
        signatures = _signatures(modified)
        if signatures is None:
            return None
        return cls(head, index, {str(k): v for k, v in folders.items()}, signatures, taken)

    def trusted(self) -> bool:
        """False when a folder's time or git's index file's is too close to the look to
        rule out a later change in the same clock tick (a file's own time is checked file
        by file: see :func:`changes`)."""
        limit = self.taken - RACY_NS
        times = [*self.folders.values()]
        if self.index is not None:
            times.append(self.index[1])
        return all(value < limit for value in times)


@dataclass(frozen=True)
class WorktreeState:
    """The commit checked out (None before the first) and the dirty files' signatures."""

    head: str | None
    #: Path relative to the root -> [size, mtime_ns], or None for a file that is gone.
    dirty: dict[str, Signature] = field(default_factory=dict)
    #: A quick look taken just before (see :func:`changes`).
    quick: QuickLook | None = None

    def to_json(self) -> dict[str, Any]:
        """The state as JSON-ready data."""
        data: dict[str, Any] = {"head": self.head, "dirty": self.dirty}
        if self.quick is not None:
            data["quick"] = self.quick.to_json()
        return data

    @classmethod
    def from_json(cls, data: object) -> WorktreeState | None:
        """A state read back from :meth:`to_json` data; None when it is not one."""
        if not isinstance(data, dict):
            return None
        head, dirty = data.get("head"), data.get("dirty")
        if not (head is None or isinstance(head, str)):
            return None
        clean = _signatures(dirty)
        if clean is None:
            return None
        return cls(head, clean, QuickLook.from_json(data.get("quick")))


def _is_signature(value: object) -> bool:
    return value is None or (
        isinstance(value, list)
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
    )


def _signatures(data: object) -> dict[str, Signature] | None:
    if not isinstance(data, dict):
        return None
    clean: dict[str, Signature] = {}
    for rel, signature in data.items():
        if not _is_signature(signature):
            return None
        clean[str(rel)] = signature
    return clean


#: A file this big whose time is too recent to trust is taken as changed, not read.
MAX_CHECKED_BYTES = 8 * 1024 * 1024


def _signature(root: Path, rel: str, racy_from: int | None = None) -> Signature:
    """[size, mtime_ns] of a file, None when it is gone (or leads outside the KB: a link
    is never followed out of it). A file whose time is ``racy_from`` or later may change
    again in the same clock tick without its time moving: its content's checksum is kept
    too, for :func:`_same` to compare (as git compares a racily clean file's content)."""
    path = paths.readable(root, rel)
    if path is None:
        return None
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    signature = [info.st_size, info.st_mtime_ns]
    if racy_from is not None and info.st_mtime_ns >= racy_from:
        checksum = _checksum(path, info.st_size)
        signature.append(-1 if checksum is None else checksum)
    return signature


def _index_signature(root: Path) -> Signature:
    """[size, mtime_ns] of git's index file."""
    try:
        info = os.stat(root / ".git" / "index")
    except (OSError, ValueError):
        return None
    return [info.st_size, info.st_mtime_ns]


def _checksum(path: Path, size: int) -> int | None:
    if size > MAX_CHECKED_BYTES:
        return None
    try:
        with open(path, "rb") as handle:
            return zlib.crc32(handle.read(MAX_CHECKED_BYTES + 1))
    except OSError:
        return None


def _same(root: Path, rel: str, old: Signature, new: Signature) -> bool:
    """True when a file with signature ``new`` now is the file that had ``old``."""
    if old is None or new is None:
        return old is new
    if old[:2] != new[:2]:
        return False
    if len(old) > 2:  # its time was too recent to trust: its content tells
        path = paths.readable(root, rel)
        return old[2] != -1 and path is not None and _checksum(path, new[0]) == old[2]
    return True


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def state(root: Path, folders: Sequence[str], *, quick: bool = False) -> WorktreeState | None:
    """The work tree's state under ``folders`` of ``root``; None when git cannot tell (not
    the top of a git work tree, git missing or failing). With ``quick``, a quick look is
    taken first and kept in the state, for :func:`changes` to compare with later."""
    root = Path(root)
    if not (root / ".git").exists():
        return None  # paths from git are relative to the top: only the top is understood
    look = quick_look(root, folders) if quick else None
    racy_from = None if look is None else look.taken - RACY_NS
    output = _git(
        root,
        "status",
        "--porcelain=v2",
        "-z",
        "--branch",
        "--no-renames",
        "--untracked-files=all",
        "--ignored=traditional",
        "--",
        *folders,
    )
    if output is None:
        return None
    head: str | None = None
    dirty: dict[str, list[int] | None] = {}
    for record in output.split(b"\0"):
        if record.startswith(b"# branch.oid "):
            oid = _decode(record[len(b"# branch.oid ") :]).strip()
            head = None if oid == "(initial)" else oid
        elif record[:2] in (b"? ", b"! "):
            rel = _decode(record[2:])
            dirty[rel] = _signature(root, rel, racy_from)
        elif record[:2] in (b"1 ", b"u "):
            # "1 XY sub mH mI mW hH hI path" (8 fields before the path; "u" has 10).
            fields = 8 if record[:1] == b"1" else 10
            parts = record.split(b" ", fields)
            if len(parts) == fields + 1:
                rel = _decode(parts[fields])
                dirty[rel] = _signature(root, rel, racy_from)
    return WorktreeState(head, dirty, look)


def quick_look(
    root: Path, folders: Sequence[str], *, known: dict[str, int] | None = None
) -> QuickLook | None:
    """A quick look at the work tree under ``folders``; None when it cannot be taken (the
    ``.git`` of the root is not a folder, git fails, too many folders or changed files).

    With ``known`` (the folders of an earlier look), only those folders' times are read
    again instead of walking every entry: a folder created, removed or renamed changes the
    time of the folder holding it, which is one of them, so the look still sees it."""
    root = Path(root)
    if not (root / ".git").is_dir() or os.path.islink(root / ".git"):
        return None  # a linked work tree or a submodule: its index is elsewhere
    taken = time.time_ns()
    index = _index_signature(root)
    times = folder_times(root, folders) if known is None else _times_again(root, known)
    if times is None:
        return None
    answered, head = _head(root)
    modified = _modified(root, folders, taken - RACY_NS)
    if not answered or modified is None:
        return None
    return QuickLook(head, index, times, modified, taken)


def changes(
    root: Path, before: WorktreeState, folders: Sequence[str]
) -> tuple[list[str], WorktreeState] | None:
    """The files under ``folders`` that may have changed since ``before``, and the state
    now, from a quick look alone; None when only ``git status`` can tell (no trusted look
    before, or a folder's time, git's index or the commit changed since)."""
    look = before.quick
    if look is None or not look.trusted():
        return None
    root = Path(root)
    # The cheap comparisons first: git's index, the folders' times, then git itself.
    if _index_signature(root) != look.index:
        return None
    now = quick_look(root, folders, known=look.folders)
    if now is None or (now.index, now.folders, now.head) != (look.index, look.folders, look.head):
        return None
    changed: set[str] = set()
    for rel in {*look.modified, *now.modified}:
        if not _same(root, rel, look.modified.get(rel), now.modified.get(rel)):
            changed.add(rel)
    dirty: dict[str, Signature] = {}
    for rel, old in before.dirty.items():
        dirty[rel] = _signature(root, rel, now.taken - RACY_NS)
        if not _same(root, rel, old, dirty[rel]):
            changed.add(rel)
    dirty.update(now.modified)
    return sorted(changed), WorktreeState(now.head, dirty, now)


def folder_times(root: Path, folders: Sequence[str]) -> dict[str, int] | None:
    """mtime_ns of every folder under ``folders`` (hidden ones left out, links not
    followed) and of the folders holding them; None past :data:`MAX_FOLDERS`."""
    times: dict[str, int] = {}

    def note(rel: str) -> None:
        try:
            times[rel] = os.stat(root / rel, follow_symlinks=False).st_mtime_ns
        except (OSError, ValueError):
            times[rel] = -1

    for folder in folders:
        rel = folder.strip("/") or "."
        parent = os.path.dirname(rel) or "."
        if parent not in times:
            note(parent)
        # A folder reached through a link is not walked: it may lead out of the KB.
        top = root if rel == "." else paths.readable(root, rel, links=False)
        if top is not None and top.is_dir():
            for current, subfolders, _files in os.walk(top):
                subfolders[:] = [name for name in subfolders if not name.startswith(".")]
                note(os.path.relpath(current, root).replace(os.sep, "/"))
                if len(times) > MAX_FOLDERS:
                    return None
    return times


def _times_again(root: Path, known: dict[str, int]) -> dict[str, int]:
    """mtime_ns of the folders of ``known`` as they are now (-1 for one gone or unreadable)."""
    times: dict[str, int] = {}
    for rel in known:
        try:
            times[rel] = os.stat(root / rel, follow_symlinks=False).st_mtime_ns
        except (OSError, ValueError):
            times[rel] = -1
    return times


def _head(root: Path) -> tuple[bool, str | None]:
    """(True, the commit checked out, None before the first); (False, None) when git failed."""
    head = head_from_files(root)
    if head is not None:
        return True, head
    done = _run(root, "rev-parse", "-q", "--verify", "HEAD^{commit}")
    if done is None:
        return False, None
    if done.returncode != 0:
        return not done.stderr.strip(), None  # quiet: no commit yet
    head = _decode(done.stdout).strip()
    return bool(head), head or None


def _modified(root: Path, folders: Sequence[str], racy_from: int) -> dict[str, Signature] | None:
    """The files that differ from git's index (``git diff-files``), with signatures. A file
    git's stat cache flags whose content is still the index's (touched, or written back as
    it was) is not one: git status would not list it either."""
    output = early_look.take(root)
    everywhere = output is not None  # the early run covers the whole work tree
    if output is None:
        output = _git(root, "diff-files", "-z", "--no-renames", "--", *folders)
    if output is None:
        return None
    fields = output.split(b"\0")
    found: dict[str, Signature] = {}
    touched = 0
    for head, raw in zip(fields[0::2], fields[1::2], strict=False):
        parts = head.split(b" ")
        if not raw or len(parts) < 5:
            continue
        rel = _decode(raw)
        if everywhere and not early_look.under(rel, folders):
            continue
        path = paths.readable(root, rel)
        if parts[4] == b"M" and path is not None and _blob_id(path, len(parts[2])) == parts[2]:
            touched += 1
            continue
        if len(found) == MAX_MODIFIED:
            # So many: most are likely only touched, in a way kb cannot tell (line endings
            # git converts); git's own refresh tells, and the next look is quick again.
            stat_cache.refresh(root, len(fields) // 2)
            return None
        found[rel] = _signature(root, rel, racy_from)
    if touched + len(found) >= REFRESH_TOUCHED:
        # Touched, or changed in a way only git can tell from a touch (line endings it
        # converts): git's refresh settles it once. Files really edited stay flagged, and
        # the try is remembered, so they do not start one at every look.
        stat_cache.refresh(root, touched + len(found))
    return dict(sorted(found.items()))


def _blob_id(path: Path, length: int) -> bytes | None:
    """git's object id of a file's content as it is (hex, SHA-1 or SHA-256 by ``length``);
    None when it cannot be read. A file git filters (line endings, clean filters) hashes
    differently and counts as changed, which only reads it again."""
    try:
        if os.path.islink(path) or os.path.getsize(path) > MAX_CHECKED_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256() if length == 64 else hashlib.sha1(usedforsecurity=False)
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest().encode()


def changed_since(
    root: Path, before: WorktreeState, now: WorktreeState, folders: Sequence[str]
) -> list[str] | None:
    """Paths under ``folders`` that may differ between two states, sorted; None when git
    cannot compare the two commits (one of them is gone from the repository)."""
    changed: set[str] = set()
    if before.head != now.head:
        if before.head is None or now.head is None:
            return None
        output = _git(
            root, "diff", "--name-only", "-z", "--no-renames", before.head, now.head, "--", *folders
        )
        if output is None:
            return None
        changed.update(_decode(raw) for raw in output.split(b"\0") if raw)
    for rel, signature in now.dirty.items():
        if rel not in before.dirty or not _same(root, rel, before.dirty[rel], signature):
            changed.add(rel)
    # Dirty then, clean now: committed as it was, or put back as the commit has it.
    changed.update(rel for rel in before.dirty if rel not in now.dirty)
    return sorted(changed)
