"""Git's merge conflict markers: found in a text, and in every commit a push would send.

A marker counts only where a text holds both an opening and a closing one outside fenced
code blocks: a note may show git's markers in an example.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from kb.git.repository import unquote
from kb.git.revisions import short

if TYPE_CHECKING:
    from git import Repo

#: A line git writes around the two sides of a conflict.
MARKER = re.compile(r"^(?:<{7,}|>{7,})(?: |$)")
_HUNK = re.compile(r"@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def marker_lines(text: str) -> list[int]:
    """Line numbers (1-based) of merge conflict markers in a text, outside fenced code.

    Empty unless the text holds both an opening and a closing marker: a note may show one
    of git's markers in an example.
    """
    if "<<<<<<<" not in text and ">>>>>>>" not in text:
        return []
    fenced = fenced_lines(text)
    hits = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if number not in fenced and MARKER.match(line)
    ]
    if any(t.startswith("<") for _, t in hits) and any(t.startswith(">") for _, t in hits):
        return [number for number, _ in hits]
    return []


def outgoing_markers(repo: Repo, revisions: str) -> list[str]:
    """``commit path:line`` of every conflict marker a commit in ``revisions`` adds.

    Every commit is read, merges too (a line a merge commit adds that is in none of its
    parents is what git's markers look like when a conflicted merge was committed by hand).
    """
    output = str(
        repo.git.execute(
            [
                "git",
                "log",
                "--no-color",
                "--no-ext-diff",
                "--no-renames",
                "-p",
                "--cc",
                "-U0",
                "--format=%x00%H",
                revisions,
                "--",
            ],
            strip_newline_in_stdout=False,
        )
    )
    if "<<<<<<<" not in output and ">>>>>>>" not in output:
        return []
    hits: dict[tuple[str, str], list[int]] = {}
    sha = ""
    path: str | None = None
    width = 1
    number = 0
    for line in output.splitlines():
        if line.startswith("\0"):
            sha, path = line[1:].strip(), None
        elif line.startswith("+++ "):
            target = unquote(line[4:])
            path = target[2:] if target.startswith("b/") else None
        elif line.startswith("@@"):
            width = len(line) - len(line.lstrip("@")) - 1
            match = re.search(r" \+(\d+)(?:,\d+)? @", line)
            number = int(match.group(1)) if match else 0
        elif path is not None and line[:width] and set(line[:width]) <= {"+", " ", "-"}:
            prefix, text = line[:width], line[width:]
            if "-" in prefix:
                continue  # a line of a parent that the result does not have
            if prefix == "+" * width and MARKER.match(text):
                hits.setdefault((sha, path), []).append(number)
            number += 1
    found: list[str] = []
    for (commit, rel), numbers in hits.items():
        try:
            text = str(
                repo.git.execute(["git", "show", f"{commit}:{rel}"], strip_newline_in_stdout=False)
            )
        except Exception:
            continue
        real = set(marker_lines(text))
        found.extend(f"{short(commit)} {rel}:{n}" for n in numbers if n in real)
    return found


def fenced_lines(text: str) -> set[int]:
    """Line numbers (1-based) inside fenced code blocks of a Markdown text."""
    inside: set[int] = set()
    fence = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if not fence and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            inside.add(number)
        elif fence:
            inside.add(number)
            if stripped.startswith(fence):
                fence = ""
    return inside


def added_lines(repo: Repo, diff_args: list[str]) -> dict[str, list[tuple[int, str]]]:
    """The lines a diff adds, per file: ``{path: [(line number in the new file, text)]}``."""
    output = repo.git.execute(
        ["git", "diff", "-U0", "--no-color", "--no-ext-diff", "--no-renames", *diff_args],
        strip_newline_in_stdout=False,
    )
    found: dict[str, list[tuple[int, str]]] = {}
    path: str | None = None
    number = 0
    for line in str(output).splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            path = target[2:] if target.startswith("b/") else None
            if path is not None:
                path = unquote(path)
        elif line.startswith("@@"):
            match = _HUNK.match(line)
            number = int(match.group(1)) if match else 0
        elif line.startswith("+") and path is not None:
            found.setdefault(path, []).append((number, line[1:]))
            number += 1
    return found


def conflict_markers(
    added: dict[str, list[tuple[int, str]]], root: Path | None = None
) -> list[str]:
    """``path:line`` of every added line that is a merge conflict marker.

    With ``root``, a file is only counted when it holds both an opening and a closing
    marker outside fenced code blocks: a note may explain git's markers in an example.
    """
    found: list[str] = []
    for path, lines in added.items():
        hits = [(number, text) for number, text in lines if MARKER.match(text)]
        if not hits:
            continue
        if root is not None:
            fenced = _fenced_file_lines(Path(root) / path)
            hits = [(number, text) for number, text in hits if number not in fenced]
            if not (
                any(t.startswith("<") for _, t in hits) and any(t.startswith(">") for _, t in hits)
            ):
                continue
        found.extend(f"{path}:{number}" for number, _ in hits)
    return found


def _fenced_file_lines(path: Path) -> set[int]:
    """Line numbers (1-based) inside fenced code blocks of a Markdown file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    return fenced_lines(text)
