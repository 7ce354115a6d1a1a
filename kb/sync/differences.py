"""The two versions of a conflicting note as one view: the lines both have, and each place
they differ as two blocks (yours, theirs); and the text a person merges them in.

The app shows the blocks one after the other, opens at the first difference and lets the
user edit a draft holding both sides' lines while the marked view stays on screen.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass
class Block:
    """A run of lines: the same on both sides, or where the two versions differ."""

    same: bool
    mine: list[str] = field(default_factory=list)
    theirs: list[str] = field(default_factory=list)


def blocks(mine: str, theirs: str) -> list[Block]:
    """Both versions as one list of blocks, in the order of the note."""
    ours, other = mine.splitlines(), theirs.splitlines()
    matcher = difflib.SequenceMatcher(None, ours, other, autojunk=False)
    found: list[Block] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            found.append(Block(True, ours[a1:a2], other[b1:b2]))
        else:
            found.append(Block(False, ours[a1:a2], other[b1:b2]))
    return found


def draft(found: list[Block]) -> str:
    """A merged text to start from: every line both have, and at each difference your lines
    then theirs (the user deletes what should go)."""
    lines: list[str] = []
    for block in found:
        lines.extend(block.mine)
        if not block.same:
            lines.extend(line for line in block.theirs if line not in block.mine)
    return "\n".join(lines) + "\n" if lines else ""
