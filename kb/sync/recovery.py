"""Putting a repository back in order before a sync or a save: what a crash left.

Stale git locks, a merge of ``kb sync`` stopped half-way (see :mod:`kb.git.merge_undo`),
temporary files of killed writes; a merge or rebase someone left unfinished is undone when
nobody touched its files, or explained when someone did.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kb import git
from kb.git import locks, merge_undo, tempfiles
from kb.git.repository import names
from kb.notes.errors import KBError

if TYPE_CHECKING:
    from git import Repo


def prepare(repo: Repo, root: Path) -> list[str]:
    """What every save and sync does first: clear what killed kb or git processes left.

    Git's lock files no live git holds are removed (a git still working is waited for), a
    merge of an earlier ``kb sync`` that was stopped half-way is undone (see
    :mod:`kb.git.merge_undo`), and stale temporary files of killed writes are deleted.
    """
    notices = []
    removed = locks.clear_stale_locks(root)
    if removed:
        names = ", ".join(f".git/{name}" for name in removed)
        notices.append(f"removed a stale {names} left by a git that stopped")
    if (locks.git_dir(root) / "index.lock").exists() and not locks.wait_for_git(root):
        raise KBError(f"{locks.busy_message(root)}; try again when it is done", 2)
    notices.extend(merge_undo.recover(repo, root))
    swept = tempfiles.sweep(root)
    if swept:
        count = len(swept)
        notices.append(
            f"deleted {count} temporary file{'s' if count != 1 else ''} left by an interrupted "
            f"write ({', '.join(swept[:3])}{' ...' if count > 3 else ''})"
        )
    return notices


def recover(repo: Repo, root: Path) -> list[str]:
    """Put a repository left half-way by a crash back in order; say what was done.

    Stale locks, a stopped sync and old temporary files first (:func:`prepare`). A merge or
    rebase that stopped on conflicts nobody touched (git's markers still in every file) is
    undone, after the working tree is kept under ``refs/kb/backup/``; one where someone
    already fixed files by hand is left for them to finish, with instructions that never
    lead to committing a marker. A merge with nothing left to settle is finished. Nothing
    the user committed is touched. A detached HEAD is refused with instructions.
    """
    notices = prepare(repo, root)
    git_dir = Path(repo.git_dir)
    if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
        if not repo.git.ls_files("-u").strip() or _hand_fixed(repo, root):
            raise KBError(
                "a git rebase is half done and some files were already fixed by hand: "
                f"finish it with 'git -C {root} rebase --continue' (or undo it with "
                "'git rebase --abort'), then kb sync",
                2,
            )
        merge_undo.keep_working_tree(repo, "before undoing an unfinished rebase")
        repo.git.rebase("--abort")
        notices.append("undid a rebase that was left unfinished (your commits are unchanged)")
    if (git_dir / "CHERRY_PICK_HEAD").exists() or (git_dir / "REVERT_HEAD").exists():
        raise KBError(
            "a git cherry-pick or revert is unfinished in this KB; finish it or run "
            "'git cherry-pick --abort' / 'git revert --abort', then kb sync",
            2,
        )
    if (git_dir / "MERGE_HEAD").exists():
        if repo.git.ls_files("-u").strip():
            if _hand_fixed(repo, root):
                raise KBError(
                    "a git merge is half done and some files were already fixed by hand: "
                    "delete the conflict markers left in the others ('kb check' lists them), "
                    f"then finish it with 'git -C {root} add' and 'git commit' (or undo it "
                    "with 'git merge --abort'), then kb sync",
                    2,
                )
            merge_undo.keep_working_tree(repo, "before undoing an unfinished merge")
            undo_merge(repo, repo.git.rev_parse("HEAD"))
            notices.append("undid a merge that was left unfinished; merging again")
        else:
            added = git.added_lines(repo, ["--cached", "HEAD"])
            markers = git.conflict_markers(added, root)
            if markers:
                raise KBError(
                    f"an unfinished merge has conflict markers in {markers[0]}; "
                    f"fix the file or run 'git -C {repo.working_tree_dir} merge --abort'",
                    2,
                )
            repo.git.commit("--quiet", "--no-edit")
            notices.append("finished a merge that was left unfinished")
    if repo.head.is_detached:
        raise KBError(
            "HEAD is detached (not on a branch), so kb does not know what to sync: run "
            f"'git -C {repo.working_tree_dir} switch main' (or your branch), then kb sync",
            2,
        )
    return notices


def _hand_fixed(repo: Repo, root: Path) -> list[str]:
    """Unmerged files someone already edited: git's conflict markers are gone from them."""
    fixed = []
    unmerged = names(repo, "ls-files", "-u")
    for path in sorted({entry.split("\t", 1)[1] for entry in unmerged if "\t" in entry}):
        try:
            text = (root / path).read_bytes()
        except OSError:
            continue
        if b"\n<<<<<<< " not in b"\n" + text and b"\n>>>>>>> " not in b"\n" + text:
            fixed.append(path)
    return fixed


def undo_merge(repo: Repo, before: str) -> None:
    from git import GitCommandError

    try:
        repo.git.merge("--abort")
    except GitCommandError:
        repo.git.reset("--hard", "-q", before)
