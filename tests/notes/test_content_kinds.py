"""Which paths are notes, ticket records or neither: the rule every scan applies, on odd
paths (the expected values are those of the rule before its fast path was added)."""

from __future__ import annotations

import pytest

from kb.notes.content import Content

#: path -> (kind with notes in notes/, kind with the whole tree as notes)
KINDS = {
    "notes/a.md": ("note", "note"),
    ".notes/a.md": (None, None),
    "notes/.x/a.md": (None, None),
    "notes/.a.md": ("note", "note"),
    "notes/x/../a.md": (None, None),
    "notes//a.md": ("note", "note"),
    "./notes/a.md": (None, "note"),
    "/notes/a.md": (None, "note"),
    "a.md": (None, "note"),
    ".a.md": (None, "note"),
    "notes/a.txt": (None, None),
    "tickets/a.md": ("ticket", "ticket"),
    "notes/x.y/a.md": ("note", "note"),
    "notes/a..md": ("note", "note"),
    "notes/.../a.md": (None, None),
    "notes/x/.y/z.md": (None, None),
    "notes/x./a.md": ("note", "note"),
    "x/./a.md": (None, "note"),
    ".kb/a.md": (None, None),
    "a/.b/c/d.md": (None, None),
    "..md": (None, "note"),
    "x/..md": (None, "note"),
    "notes/a.MD": ("note", "note"),
}


@pytest.mark.parametrize("rel", sorted(KINDS))
def test_the_kind_of_a_path(rel: str) -> None:
    in_notes, whole_tree = KINDS[rel]
    assert Content(folders=("notes",)).kind(rel) == in_notes
    assert Content(folders=("",)).kind(rel) == whole_tree
