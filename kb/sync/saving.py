"""``kb save`` and the first step of every sync: commit the KB files changed outside kb."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kb import git
from kb.git import locks, tempfiles
from kb.notes.conflict_copies import is_conflict_copy
from kb.notes.content import Content, content_of
from kb.notes.errors import KBError
from kb.notes.layout import KB_PATHS
from kb.sync.recovery import prepare
from kb.sync.report import SaveReport, SecretsFound

if TYPE_CHECKING:
    from git import Repo

    from kb.notes.protocol import KB
    from kb.notes.secrets import Finding


def _specs(root: Path) -> tuple[list[str], Content]:
    """The paths kb commits (its own files and the note folders; ``.`` for the whole tree)."""
    content = content_of(root, ignored=False)
    folders = [folder for folder in content.folders if folder]
    specs = ["."] if content.whole_tree else [*KB_PATHS, *folders]
    return list(dict.fromkeys(specs)), content


def _kb_file(content: Content, rel: str) -> bool:
    """True when ``rel`` is a file ``kb save`` commits: a note, a ticket record, a file of
    kb's own, or any file in a note folder (an image of a note); never in a hidden folder.
    When the notes are the whole work tree, the team's other files (a site's config, its
    scripts) are theirs to commit: kb commits only the notes there."""
    parts = rel.split("/")
    if any(part.startswith(".") for part in parts[:-1]):
        return False
    if parts[0] in KB_PATHS or content.kind(rel) or is_conflict_copy(rel):
        return True
    return any(folder and rel.startswith(folder + "/") for folder in content.folders)


def pending_paths(repo: Repo, root: Path) -> list[str]:
    """KB files changed, added or deleted since the last commit (outside .kb/)."""
    candidates, content = _specs(root)
    specs = [p for p in candidates if p == "." or (root / p).exists() or _tracked(repo, p)]
    if not specs:
        return []
    output = repo.git.execute(
        [
            "git",
            "status",
            "--porcelain",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--",
            *specs,
        ],
        strip_newline_in_stdout=False,
    )
    paths = []
    for entry in str(output).split("\0"):
        # Temporary files of killed writes are never KB files, whatever .gitignore says.
        temporary = entry[:2] == "??" and tempfiles.is_temp(entry[3:])
        if len(entry) > 3 and not temporary and _kb_file(content, entry[3:]):
            paths.append(entry[3:])
    return sorted(set(paths))


def unshared(repo: Repo, root: Path) -> list[str]:
    """Notes and other KB files git ignores and does not track: no commit will hold them."""
    # In a KB made of the whole work tree, what git ignores is not a note by definition.
    _candidates, content = _specs(root)
    folders = [folder for folder in content.folders if folder]
    specs = [p for p in dict.fromkeys([*KB_PATHS, *folders]) if (root / p).exists()]
    return git.ignored_files(repo, specs) if specs else []


def _tracked(repo: Repo, path: str) -> bool:
    return bool(repo.git.ls_files("--", path).strip())


def commit_pending(kb: KB, repo: Repo, held: list[Finding] | None = None) -> list[str]:
    """Commit every KB file changed outside kb; the paths committed. Files with a line
    that looks like a secret are held back (their findings added to ``held``) while the
    rest is committed; without ``held``, SecretsFound is raised for them."""
    finished = kb.finish_interrupted_import()
    paths = pending_paths(repo, kb.root)
    if not paths:
        return finished
    result = git.commit(
        kb.root,
        paths,
        _save_message,
        allow_secrets=kb.allow_secrets,
        rules=kb.secret_rules,
    )
    if result.secrets:
        if held is None:
            raise SecretsFound(result.secrets, "not committed")
        held.extend(result.secrets)
    elif result.warning:
        raise KBError(result.warning, 2)
    return finished + result.committed


def _save_message(committed: list[str]) -> str:
    """The message of a commit of changes made outside kb, naming (some of) its files."""
    names = ", ".join(committed[:3])
    more = f" and {len(committed) - 3} more" if len(committed) > 3 else ""
    return f"Save changes made outside kb: {names}{more}"


def save_pending(kb: KB) -> SaveReport:
    """Commit changes made outside kb (``kb save``); say what was committed and left out."""
    if not git.is_repo(kb.root):
        raise KBError(f"{kb.root} is not a git repository; run 'kb init {kb.root}'", 2)
    report = SaveReport()
    with locks.repo_lock(kb.root), git.open_repo(kb.root) as repo:
        report.notices = prepare(repo, kb.root)
        if (Path(repo.git_dir) / "MERGE_HEAD").exists():
            raise KBError("a merge is unfinished; run 'kb sync' to settle it", 2)
        report.committed = commit_pending(kb, repo, report.held_back)
        report.ignored = unshared(repo, kb.root)
    return report
