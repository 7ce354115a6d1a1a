"""Merging two versions of a note line by line, without ever writing conflict markers.

Git's three-way merge marks the places where both sides changed the same lines. kb settles
what can be settled without judgement and keeps everything else readable:

- both sides only *added* lines at the same place (two update-log entries, two tags): keep
  both, ours first;
- both sides made the same change: keep it once;
- both sides changed the same lines differently: a real conflict. The merged text keeps our
  lines there, and the caller keeps their whole version in a separate file, so no word of
  either side is lost and no marker is ever written.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kb.notes.errors import KBError


@dataclass
class MergedText:
    """The result of merging one text file."""

    text: str
    #: Number of places where both sides changed the same lines differently.
    conflicts: int


def merge_texts(base: str, ours: str, theirs: str) -> MergedText:
    """Three-way merge of ``ours`` and ``theirs`` from ``base`` (git merge-file, diff3 style)."""
    # Markers longer than any marker-like line of the texts ("=======" underlines a heading in
    # Markdown), so that the note's own lines are never read as markers.
    size = max(
        [7]
        + [
            len(line) - len(line.lstrip(line[0])) + 1
            for text in (base, ours, theirs)
            for line in text.splitlines()
            if line[:1] in ("<", "=", ">", "|")
        ]
    )
    with tempfile.TemporaryDirectory(prefix="kb-merge-") as folder:
        names = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            names.append(str(path))
        done = subprocess.run(
            [
                "git",
                "merge-file",
                "-p",
                "--diff3",
                f"--marker-size={size}",
                "-L",
                "kb-ours",
                "-L",
                "kb-base",
                "-L",
                "kb-theirs",
                *names,
            ],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "LC_ALL": "C"},
            check=False,
        )
    if done.returncode < 0 or done.returncode > 127:
        raise OSError(f"git merge-file failed: {done.stderr.decode(errors='replace').strip()}")
    return _settle(done.stdout.decode("utf-8", errors="replace"), size)


def merged_edit(rel: str, base: str, ours: str, theirs: str) -> str:
    """``ours`` (an edit of ``base``) with the changes another kb saved meanwhile (``base`` to
    ``theirs``); KBError when both changed the same lines (then nothing is to be saved)."""
    merged = merge_texts(base, ours, theirs)
    if merged.conflicts:
        raise KBError(
            f"{rel} was changed by another kb while you edited it, in the same lines; "
            "nothing was saved (copy your text, reopen the note and apply it again)",
            1,
        )
    return merged.text


def _settle(marked: str, size: int = 7) -> MergedText:
    start, base_mark, split, end = "<" * size + " ", "|" * size + " ", "=" * size, ">" * size + " "
    out: list[str] = []
    conflicts = 0
    lines = marked.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith(start + "kb-ours"):
            out.append(line)
            index += 1
            continue
        ours: list[str] = []
        base: list[str] = []
        theirs: list[str] = []
        part = ours
        index += 1
        while index < len(lines) and not lines[index].startswith(end + "kb-theirs"):
            current = lines[index]
            if current.startswith(base_mark + "kb-base"):
                part = base
            elif current.rstrip("\r\n") == split and part is not theirs:
                part = theirs
            else:
                part.append(current)
            index += 1
        index += 1  # the end marker
        if ours == theirs:
            out.extend(ours)
        elif not base:
            out.extend(_joined(ours, theirs))
        else:
            conflicts += 1
            out.extend(ours)
    return MergedText("".join(out), conflicts)


def _joined(ours: list[str], theirs: list[str]) -> list[str]:
    # Both added lines at one place: each side's block whole, ours first. When one block
    # only extends the other, the longer one holds both.
    if theirs[: len(ours)] == ours:
        return theirs
    if ours[: len(theirs)] == theirs:
        return ours
    if ours and not ours[-1].endswith("\n"):
        ours = [*ours[:-1], ours[-1] + "\n"]
    return ours + theirs


_OPEN = re.compile(rb"^(<{7,}) ")


def unmark(data: bytes) -> bytes:
    """Text git already marked up (a merge inside a rename), with both sides kept, no marker.

    Each marked place becomes our lines followed by theirs; the common ancestor's lines of a
    diff3-style block are dropped, as both sides replaced them.
    """
    if b"\n<<<<<<<" not in b"\n" + data:
        return data
    out: list[bytes] = []
    lines = data.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        match = _OPEN.match(lines[index])
        if not match:
            out.append(lines[index])
            index += 1
            continue
        size = len(match.group(1))
        base_mark, split, end = b"|" * size + b" ", b"=" * size, b">" * size
        ours: list[bytes] = []
        theirs: list[bytes] = []
        part: list[bytes] | None = ours
        index += 1
        while index < len(lines) and not (
            lines[index].startswith(end)
            and lines[index][size : size + 1] in (b" ", b"\n", b"\r", b"")
        ):
            line = lines[index]
            if line.startswith(base_mark):
                part = None
            elif line.rstrip(b"\r\n") == split:
                part = theirs
            elif part is not None:
                part.append(line)
            index += 1
        index += 1
        out.extend(ours)
        out.extend(line for line in theirs if line not in ours or not line.strip())
    return b"".join(out)


_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


def front_matter_is_sound(text: str) -> bool:
    """False when merged front matter repeats a top-level key or no longer parses."""
    from kb.notes import frontmatter

    parsed = frontmatter.parse(text)
    if parsed.error:
        return False
    if not parsed.present:
        return True
    seen: set[str] = set()
    for line in text.splitlines()[1:]:
        if line.rstrip() in ("---", "..."):
            break
        match = _KEY.match(line)
        if match:
            if match.group(1) in seen:
                return False
            seen.add(match.group(1))
    return True
