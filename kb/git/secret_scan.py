"""Secrets in what git is about to record or send, read from git's own objects.

A commit or a push is checked by the content of the files it carries, decoded the way
:func:`kb.notes.secrets.readings` reads text, and never through git's diff output: a diff leaves
out what git takes for binary (a note Notepad saved as UTF-16, a stray NUL byte, a
``-diff`` or ``binary`` attribute in the team's ``.gitattributes``), the lines a merge
commit brings in, and quotes file names that are not ASCII.

A line counts when the file's earlier versions (in the commit's parents, or in HEAD for a
commit being made) do not hold it already. Blobs are read in one ``git cat-file --batch``
pass, and a file the remote already has is not read at all.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from kb.notes.secrets import Finding, SecretRules, readings, scan_bytes

if TYPE_CHECKING:
    from git import Repo

_ZERO = "0" * 40
# Git entries that are not files: a submodule's commit, a tree.
_NOT_FILES = {"160000", "040000"}


@dataclass(frozen=True)
class _Change:
    """A file's new content in one commit (or in the index)."""

    commit: str
    path: str
    blob: str
    #: The file's blobs in the commit's parents (or in HEAD); none for a new file.
    before: tuple[str, ...]
    #: True for a file the commit deletes (``blob`` is then its last content): the lines of
    #: files deleted in a commit are not new in the files it adds (a move, a rename).
    deleted: bool = False


def staged(repo: Repo, paths: list[str], rules: SecretRules | None = None) -> list[Finding]:
    """What looks like a secret in the lines the index adds to ``paths`` (a commit to be)."""
    if not paths:
        return []
    output = _run(
        repo,
        ["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--", *paths],
    )
    changes = list(_parse_raw(output))
    return [finding for finding, _text, _commit in _scan(repo, changes, rules)]


def outgoing(
    repo: Repo, upstream: str | None, remote: str, rules: SecretRules | None = None
) -> list[Finding]:
    """What looks like a secret in any commit a push of HEAD would send, merges included.

    A secret committed and then deleted is still in the pushed history, so each commit is
    read on its own; a finding no longer in the file says so (``Finding.where``).
    """
    known = [upstream] if upstream else []
    output = _run(
        repo,
        [
            "-c",
            "log.showRoot=true",
            "-c",
            "log.showSignature=false",
            "log",
            "-c",  # a merge: only the files that differ from every parent
            "--raw",
            "-z",
            "--no-renames",
            "--no-abbrev",
            "--no-color",
            "--format=%x01%H",
            "--reverse",
            "--topo-order",
            "HEAD",
            "--not",
            *known,
            f"--remotes={remote}",
        ],
    )
    shared: set[str] = set()
    if upstream:
        # Files as they are on the remote already: nothing in them is news to anyone.
        tree = _run(repo, ["ls-tree", "-r", "-z", "--full-tree", upstream])
        shared = {entry.split(b"\t", 1)[0].split()[2].decode() for entry in _entries(tree)}
    changes = [c for c in _parse_raw(output) if c.blob not in shared]
    found = _scan(repo, changes, rules)
    if not found:
        return []
    # Say which findings are only in the history: deleting them from the note is not enough.
    head = _run(repo, ["ls-tree", "-r", "-z", "--full-tree", "HEAD"])
    blobs: dict[str, str] = {}
    for entry in _entries(head):
        info, _tab, raw_path = entry.partition(b"\t")
        blobs[_path(raw_path)] = info.split()[2].decode()
    wanted = sorted({blobs[f.path] for f, _t, _c in found if f.path in blobs})
    current: dict[str, set[str]] = {}
    for sha, data in _blobs(repo, wanted):
        current[sha] = set().union(*readings(data)) if data is not None else set()
    results = []
    for finding, text, commit in found:
        if text not in current.get(blobs.get(finding.path, ""), set()):
            where = f"only in commit {commit[:8]}, no longer in the note"
            finding = replace(finding, where=where)
        results.append(finding)
    return results


def _scan(
    repo: Repo, changes: list[_Change], rules: SecretRules | None
) -> list[tuple[Finding, str, str]]:
    """Findings in the changes' new lines, each with its line text and commit, oldest first.

    The same line of the same file is reported once (where it first appears).
    """
    gone: dict[str, set[str]] = {}
    for change in changes:
        if change.deleted:
            gone.setdefault(change.commit, set()).add(change.blob)
    changes = [change for change in changes if not change.deleted]
    by_blob: dict[str, list[_Change]] = {}
    for change in changes:
        if change.blob not in change.before:
            by_blob.setdefault(change.blob, []).append(change)
    if not by_blob:
        return []
    added_in = {change.commit for blob in by_blob.values() for change in blob if not change.before}
    before_ids = sorted(
        {sha for c in changes for sha in c.before}
        | {sha for commit in added_in for sha in gone.get(commit, ())}
    )
    before: dict[str, frozenset[str]] = {}
    for sha, data in _blobs(repo, before_ids):
        before[sha] = frozenset().union(*readings(data)) if data is not None else frozenset()
    # Lines of the files a commit deletes, once per commit: a new file holding them was moved.
    moved = {
        commit: frozenset().union(*(before.get(sha, frozenset()) for sha in gone.get(commit, ())))
        for commit in added_in
    }
    order = {change: number for number, change in enumerate(changes)}
    found: list[tuple[int, Finding, str, str]] = []
    for sha, data in _blobs(repo, list(by_blob)):
        if data is None:
            continue
        scanned: dict[tuple[str, tuple[str, ...]], list[tuple[Finding, str]]] = {}
        for change in by_blob[sha]:
            key = (change.path, change.before)
            if key not in scanned:
                known = (
                    frozenset().union(*(before.get(b, frozenset()) for b in change.before))
                    if change.before
                    else moved.get(change.commit, frozenset())
                )
                scanned[key] = scan_bytes(change.path, data, rules, known)
            for finding, text in scanned[key]:
                found.append((order[change], finding, text, change.commit))
    found.sort(key=lambda item: (item[0], item[1].line))
    seen: set[tuple[str, str]] = set()
    results = []
    for _order, finding, text, commit in found:
        if (finding.path, text) not in seen:
            seen.add((finding.path, text))
            results.append((finding, text, commit))
    return results


def _parse_raw(output: bytes) -> Iterator[_Change]:
    """Changes from ``--raw -z`` output, combined (``-c``) entries of merges included."""
    tokens = output.split(b"\0")
    commit = ""
    index = 0
    while index < len(tokens):
        token = tokens[index].lstrip(b"\n")
        index += 1
        if token.startswith(b"\x01"):
            commit = token[1:].decode("ascii", "replace").strip()
        elif token.startswith(b":") and index < len(tokens):
            raw_path = tokens[index]
            index += 1
            parents = len(token) - len(token.lstrip(b":"))
            fields = token[parents:].decode("ascii", "replace").split()
            if len(fields) < 2 * parents + 3:
                continue
            modes = fields[: parents + 1]
            shas = fields[parents + 1 : 2 * parents + 2]
            if modes[-1] in _NOT_FILES:
                continue  # not a file
            if shas[-1] == _ZERO:
                if parents == 1 and shas[0] != _ZERO and modes[0] not in _NOT_FILES:
                    yield _Change(commit, _path(raw_path), shas[0], (), deleted=True)
                continue
            before = tuple(sha for sha in shas[:-1] if sha != _ZERO)
            yield _Change(commit, _path(raw_path), shas[-1], before)


def _entries(output: bytes) -> list[bytes]:
    return [entry for entry in output.split(b"\0") if entry.strip()]


def _path(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _run(repo: Repo, args: list[str]) -> bytes:
    """A git command's output as bytes (names and contents are not always UTF-8)."""
    output = repo.git.execute(["git", *args], stdout_as_string=False)
    return output if isinstance(output, bytes) else str(output).encode()


def _blobs(repo: Repo, ids: list[str]) -> Iterator[tuple[str, bytes | None]]:
    """The content of each blob, in order, from one ``git cat-file --batch`` process.

    A thread writes the ids while this reads the answers, so neither side waits on a full
    pipe; None for an id that is not a blob.
    """
    if not ids:
        return
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=repo.working_tree_dir or repo.git_dir,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None

    def feed() -> None:
        try:
            for sha in ids:
                process.stdin.write(sha.encode("ascii") + b"\n")  # type: ignore[union-attr]
            process.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass  # the reader stopped early; nothing more to send

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for sha in ids:
            header = process.stdout.readline().split()
            if len(header) != 3:
                yield sha, None  # "<id> missing"
                continue
            data = process.stdout.read(int(header[2]))
            process.stdout.read(1)  # the newline after the content
            yield sha, data if header[1] == b"blob" else None
    finally:
        process.stdout.close()
        if process.poll() is None:
            process.kill()
        process.wait()
        writer.join(timeout=5)
