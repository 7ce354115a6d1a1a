"""A search sees every change made on disk since the last one, at the cost of what changed.

The index records the git state it caught up with (:mod:`kb.git.worktree`): the commit and
the dirty files' sizes and times. Before a search, git says which files changed since then
(from its own stat cache), and only those are read again. Without git (or when git cannot
compare), every file's size and time is compared with the index manifest instead, as a full
incremental update does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from kb.notes.content import TICKETS_FOLDER, Content, content_of
from kb.notes.layout import SEARCH_WORDS_FILE
from kb.notes.link_log import LINKS_FILE

if TYPE_CHECKING:
    from kb.git.worktree import WorktreeState
    from kb.search.index import IndexReport, Progress, SearchIndex

#: Files outside the note folders whose lines change notes' documents (links, learned words).
LOGS = (LINKS_FILE, SEARCH_WORDS_FILE)


def watched(content: Content) -> tuple[str, ...]:
    """What git is asked about: the note folders (``.`` for the whole work tree), the
    ticket records and the logs."""
    if content.whole_tree:
        return (".",)
    return tuple(dict.fromkeys([*content.folders, TICKETS_FOLDER, *LOGS]))


def current_state(root: Path, content: Content | None = None) -> WorktreeState | None:
    """The work tree's state now, or None when git cannot tell (or content folders are
    symlinks, whose files git does not see)."""
    from kb.git import worktree

    content = content if content is not None else content_of(root)
    folders = watched(content)
    if any(os.path.islink(Path(root, folder)) for folder in folders if folder != "."):
        return None
    return worktree.state(root, folders)


def full_update(
    index: SearchIndex, *, rebuild: bool = False, progress: Progress | None = None
) -> IndexReport:
    """Compare every file with the index (or build it) and record the git state it caught
    up with; the state is taken first, so a change made meanwhile is looked at again."""
    before = current_state(index.root)
    report = index.update(rebuild=rebuild, progress=progress)
    if before is not None:
        index.record_stamp(before.to_json())
    return report


def refresh(index: SearchIndex, progress: Progress | None = None) -> IndexReport | None:
    """Bring the index up to date with the files that changed since it last caught up;
    None when nothing changed (nothing was opened but git's answer)."""
    from kb.git import worktree
    from kb.git.worktree import WorktreeState

    content = content_of(index.root)
    now = current_state(index.root, content)
    recorded = index.stamp()
    before = WorktreeState.from_json(recorded[1]) if recorded is not None else None
    if now is None or recorded is None or before is None:
        return full_update(index, progress=progress)
    changed = worktree.changed_since(index.root, before, now, watched(content))
    if changed is None:
        return full_update(index, progress=progress)
    if not changed:
        return None
    notes = [rel for rel in changed if content.kind(rel)]
    if SEARCH_WORDS_FILE in changed:
        # Learned words change the documents of the notes they name: a full incremental
        # pass re-reads what differs from the index.
        report: IndexReport | None = index.update()
    elif LINKS_FILE in changed:
        # New or removed ticket links change the documents of the notes they name: of the
        # notes the log names, those whose links differ from the index's are read again.
        from kb.notes.link_log import read_events

        named = {event.note for event in read_events(index.root)}
        report = index.update(only=sorted({*notes, *named}))
    elif notes:
        report = index.add_files(notes)
    else:
        report = None
    index.record_stamp(now.to_json(), generation=recorded[0])
    return report
