"""A search sees every change made on disk since the last one, at the cost of what changed.

The index records the git state it caught up with (:mod:`kb.git.worktree`): the commit and
the dirty files' sizes and times. Before a search, git says which files changed since then
(from its own stat cache), and only those are read again. Without git (or when git cannot
compare), every file's size and time is compared with the index manifest instead, as a full
incremental update does.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def current_state(
    root: Path, content: Content | None = None, *, quick: bool = True
) -> WorktreeState | None:
    """The work tree's state now, or None when git cannot tell (or content folders are
    symlinks, whose files git does not see). With ``quick``, it holds a quick look for the
    next :func:`quick_changes` to compare with."""
    from kb.git import worktree

    content = content if content is not None else content_of(root)
    if not git_tells(root, content):
        return None
    return worktree.state(root, watched(content), quick=quick)


def quick_changes(
    root: Path, before: WorktreeState, content: Content
) -> tuple[list[str], WorktreeState] | None:
    """What changed since ``before`` and the state now, from a quick look (the folders'
    times, git's index and stat cache); None when only ``git status`` can tell."""
    from kb.git import worktree

    if not git_tells(root, content):
        return None
    return worktree.changes(root, before, watched(content))


def git_tells(root: Path, content: Content | None = None) -> bool:
    """True when git can say what changed under the KB's content: the root is the top of a
    git work tree and no content folder is a symlink (git does not see a link's files)."""
    content = content if content is not None else content_of(root)
    if not (Path(root) / ".git").exists():
        return False
    folders = [folder for folder in watched(content) if folder != "."]
    return not any(os.path.islink(Path(root, folder)) for folder in folders)


def full_update(
    index: SearchIndex, *, rebuild: bool = False, progress: Progress | None = None
) -> IndexReport:
    """Compare every file with the index (or build it) and record the git state it caught
    up with; the state is taken first, so a change made meanwhile is looked at again."""
    from kb.search.documents import problem_dict

    before = current_state(index.root)
    report = index.update(rebuild=rebuild, progress=progress)
    if before is not None:
        stamp = before.to_json()
        # What this pass found, for a kb index that finds nothing changed since (catch_up).
        stamp[SUMMARY] = {
            "files": report.scanned,
            "manifest": index.manifest_signature(),
            "problems": [problem_dict(problem) for problem in report.problems],
        }
        index.record_stamp(stamp)
    return report


#: The stamp's record of the full pass that wrote it: how many files, and their problems.
SUMMARY = "summary"


def catch_up(index: SearchIndex, progress: Progress | None = None) -> IndexReport:
    """``kb index``: a full incremental update, unless git says nothing changed since the
    last one (and ``kb.toml`` is as it was), when its report is given again at the cost of one
    git status instead of a walk of every file."""
    started = time.perf_counter()
    summary = _unchanged_summary(index)
    if summary is None:
        return full_update(index, progress=progress)
    from kb.search.documents import problems_of
    from kb.search.index import IndexReport

    files = int(summary.get("files") or 0)
    report = IndexReport(unchanged=files, problems=problems_of(summary), scanned=files)
    report.seconds = time.perf_counter() - started
    return report


def _unchanged_summary(index: SearchIndex) -> dict[str, Any] | None:
    """The last full pass's summary when nothing changed since it; None otherwise."""
    from kb.git import worktree
    from kb.git.worktree import WorktreeState
    from kb.search.generations import STAMP

    recorded = index.stamp()
    if recorded is None or not isinstance(recorded[1], dict):
        return None
    summary = recorded[1].get(SUMMARY)
    before = WorktreeState.from_json(recorded[1])
    if not isinstance(summary, dict) or before is None:
        return None
    if summary.get("manifest") != index.manifest_signature():
        return None  # the manifest was written since (or damaged): a full pass reads it
    try:
        stamped = os.stat(index.folder / recorded[0] / STAMP).st_mtime_ns
        if os.stat(index.root / "kb.toml").st_mtime_ns >= stamped:
            return None  # the team's settings changed: content folders, what is left out
    except FileNotFoundError:
        pass
    except OSError:
        return None
    content = content_of(index.root)
    quick = quick_changes(index.root, before, content)
    if quick is not None and not any(_may_matter(rel) for rel in quick[0]):
        return summary
    now = current_state(index.root, content)
    changed = (
        None if now is None else worktree.changed_since(index.root, before, now, watched(content))
    )
    if now is None or changed is None or any(_may_matter(rel) for rel in changed):
        return None
    _keep_look(index, recorded, before, now)
    return summary


def _may_matter(rel: str) -> bool:
    """False for what no note can be: kb's own ``.kb/`` (written by every command) and other
    hidden folders; a ``.gitignore`` matters (it moves files in or out of the notes)."""
    parts = rel.rstrip("/").split("/")
    if parts[-1] == ".gitignore":
        return True
    return not any(part.startswith(".") for part in parts)


def refresh(index: SearchIndex, progress: Progress | None = None) -> IndexReport | None:
    """Bring the index up to date with the files that changed since it last caught up;
    None when nothing changed (nothing was opened but git's answer)."""
    from kb.git import worktree
    from kb.git.worktree import WorktreeState

    content = content_of(index.root)
    recorded = index.stamp()
    before = WorktreeState.from_json(recorded[1]) if recorded is not None else None
    if recorded is None or before is None:
        return full_update(index, progress=progress)
    quick = quick_changes(index.root, before, content)
    if quick is not None:
        changed, now = quick
        if not changed:
            return None
    else:
        state = current_state(index.root, content)
        if state is None:
            return full_update(index, progress=progress)
        now = state
        found = worktree.changed_since(index.root, before, now, watched(content))
        if found is None:
            return full_update(index, progress=progress)
        if not found:
            _keep_look(index, recorded, before, now)
            return None
        changed = found
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


def _keep_look(
    index: SearchIndex, recorded: tuple[str, Any], before: WorktreeState, now: WorktreeState
) -> None:
    """Nothing changed, but the quick look could not say so (none yet, a time too recent to
    trust, a file touched but not changed): keep the new one, so that the next look can.
    The rest of the stamp stays valid, as nothing changed."""
    if now.quick is None or now.quick == before.quick:
        return
    stamp = {**recorded[1], **now.to_json()}
    index.record_stamp(stamp, generation=recorded[0])
