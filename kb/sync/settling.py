"""Settling the files a merge could not merge alone, keeping both sides' words: line by line
when the changes do not touch, else ours in place and theirs beside it as a conflict copy."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from kb.git import merge_journal
from kb.git.repository import names
from kb.notes import atomic
from kb.notes.content import content_of
from kb.sync.conflict_files import Conflict, conflict_name, free_name, retitled
from kb.sync.merging import front_matter_is_sound, merge_texts, unmark

if TYPE_CHECKING:
    from git import Repo

    from kb.notes.protocol import KB


@dataclass
class Settled:
    """How the conflicts of one merge were settled."""

    merged: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: Files kb wrote merged text into (checked for markers before the commit).
    written: list[str] = field(default_factory=list)

    def merge(self, other: Settled) -> None:
        """Add what another pass settled."""
        self.merged += other.merged
        self.conflicts += other.conflicts
        self.notices += other.notices
        self.written += other.written


def settle_conflicts(kb: KB, repo: Repo, journal: merge_journal.Journal | None = None) -> Settled:
    """Settle every unmerged file of the merge in progress, keeping both sides' words.

    The files written beside notes are recorded in ``journal`` before they are written.
    """
    settled = Settled()
    stages: dict[str, dict[int, str]] = {}
    output = repo.git.execute(["git", "ls-files", "-u", "-z"], strip_newline_in_stdout=False)
    for entry in str(output).split("\0"):
        if not entry.strip():
            continue
        info, path = entry.split("\t", 1)
        _mode, sha, stage = info.split()
        stages.setdefault(path, {})[int(stage)] = sha
    content = content_of(kb.root, kb.settings, ignored=False)
    for path, blobs in sorted(stages.items()):
        note_path = content.kind(path) == "note"
        # A side can itself be git's merge of two renamed files, with markers: unmark it.
        ours = unmark(_blob(repo, blobs[2])) if 2 in blobs else None
        theirs = unmark(_blob(repo, blobs[3])) if 3 in blobs else None
        base = unmark(_blob(repo, blobs[1])) if 1 in blobs else None
        target = kb.root / path
        if base is None and ours is not None and theirs is not None and note_path:
            # Two people each wrote a new note under the same name: two notes, both kept.
            who = _who(repo, path)
            other = free_name(kb.root, PurePosixPath(path), who)
            atomic.write_bytes(target, ours, root=kb.root)
            _write_copy(kb.root, other, retitled(theirs, who), journal)
            repo.git.add("-f", "--", path, other)
            settled.notices.append(f"two new notes had the same name: {who}'s is {other}")
            continue
        if ours is not None and theirs is not None:
            merged = _merge_text(path, base, ours, theirs)
            if merged is not None:
                atomic.write_bytes(target, merged, root=kb.root)
                repo.git.add("--", path)
                settled.merged.append(path)
                settled.written.append(path)
                continue
            who = _who(repo, path)
            beside = conflict_name(kb.root, path, who)
            in_place = _merge_text(path, base, ours, theirs, keep_ours=True) or ours
            atomic.write_bytes(target, in_place, root=kb.root)
            _write_copy(kb.root, beside, theirs, journal)
            repo.git.add("-f", "--", path, beside)
            settled.conflicts.append(Conflict(path, beside, who))
            settled.written.append(path)
        elif ours is not None:
            atomic.write_bytes(target, ours, root=kb.root)
            repo.git.add("--", path)
            settled.notices.append(f"kept your edit of {path} (it was deleted on the other side)")
        elif theirs is not None:
            atomic.write_bytes(target, theirs, root=kb.root)
            repo.git.add("--", path)
            settled.notices.append(f"kept the other side's edit of {path} (you had deleted it)")
        elif target.exists():
            repo.git.add("--", path)
        else:
            # Both sides moved it away (renamed it, each to another name): its words live on
            # under those names, which the merge keeps.
            repo.git.rm("--cached", "-q", "--ignore-unmatch", "--", path)
    return settled


def unsound_front_matter(
    kb: KB,
    repo: Repo,
    settled: Settled,
    journal: merge_journal.Journal | None = None,
) -> Settled:
    """Notes git merged alone whose front matter no longer reads (a key added twice, ...)."""
    result = Settled()
    done = {*settled.merged, *(c.path for c in settled.conflicts)}
    for path in names(repo, "diff", "--cached", "--name-only", "HEAD"):
        if path in done or not path.endswith(".md") or not (kb.root / path).is_file():
            continue
        text = (kb.root / path).read_bytes().decode("utf-8", errors="replace")
        if front_matter_is_sound(text):
            continue
        ours = show_blob(repo, f"HEAD:{path}")
        theirs = show_blob(repo, f"MERGE_HEAD:{path}")
        if ours is None or theirs is None or not (_sound(ours) and _sound(theirs)):
            continue  # broken before the merge: not the merge's doing, kb check reports it
        who = _who(repo, path)
        beside = conflict_name(kb.root, path, who)
        atomic.write_bytes(kb.root / path, ours, root=kb.root)
        _write_copy(kb.root, beside, theirs, journal)
        repo.git.add("-f", "--", path, beside)
        result.conflicts.append(Conflict(path, beside, who))
        result.written.append(path)
    return result


def _write_copy(root: Path, rel: str, data: bytes, journal: merge_journal.Journal | None) -> None:
    """Write a file the merge adds beside a note, recorded in the journal first."""
    if journal is not None:
        journal.note_copy(rel, data)
    atomic.write_bytes(root / rel, data, root=root)


def _sound(data: bytes) -> bool:
    return front_matter_is_sound(data.decode("utf-8", errors="replace"))


def show_blob(repo: Repo, spec: str) -> bytes | None:
    """The bytes of the blob ``spec`` names (a sha or ``REV:path``); None when there is none.

    Read through git's batch reader, which stays open on ``repo``: settling many notes costs
    one process, not one per version read.
    """
    from git import GitCommandError

    try:
        if "\n" in spec or "\r" in spec:  # the batch reader takes one name per line
            shown = repo.git.execute(
                ["git", "show", spec], stdout_as_string=False, strip_newline_in_stdout=False
            )
            return bytes(shown)
        _sha, kind, _size, data = repo.git.get_object_data(spec)
    except (GitCommandError, ValueError):
        return None
    return bytes(data) if kind in (b"blob", "blob") else None


def _blob(repo: Repo, sha: str) -> bytes:
    return show_blob(repo, sha) or b""


def _merge_text(
    path: str, base: bytes | None, ours: bytes, theirs: bytes, keep_ours: bool = False
) -> bytes | None:
    """Merged bytes when the two versions merge cleanly (or ``keep_ours``), else None."""
    if base is None or b"\0" in ours + theirs + base:
        return None
    try:
        texts = [data.decode("utf-8") for data in (base, ours, theirs)]
    except UnicodeDecodeError:
        return None
    merged = merge_texts(*texts)
    if merged.conflicts and not keep_ours:
        return None
    if (
        path.endswith(".md")
        and not front_matter_is_sound(merged.text)
        and front_matter_is_sound(texts[1])
        and front_matter_is_sound(texts[2])
    ):
        return None
    return merged.text.encode("utf-8")


def _who(repo: Repo, path: str) -> str:
    from git import GitCommandError

    try:
        return repo.git.log("-1", "--format=%an", "MERGE_HEAD", "--", path).strip() or "other"
    except GitCommandError:
        return "other"
