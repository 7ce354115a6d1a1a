"""``kb init`` in a folder that already holds notes: a team's docs repository, a vault.

The notes stay where they are. kb says what it found, writes only its own files (``kb.toml``,
the merge rule for its ticket link log in ``.gitattributes``, its local ``.kb/`` folder that
ignores itself) and commits them in one named commit. A tracked file it changes is named in
the report; a tracked file with changes of the user's is left alone. When the commit cannot
be made, the files are put back as they were.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kb.notes import atomic, files, layout, paths
from kb.notes.content import NOTES_FOLDER, content_of
from kb.notes.link_log import GITATTRIBUTES_LINE, ensure_gitattributes

#: The name of the one commit ``kb init`` makes in an existing repository.
ADOPT_MESSAGE = "Adopt this repository as a kb knowledge base"


@dataclass
class Adoption:
    """What ``kb init`` found in an existing repository and what it changed there."""

    notes: int = 0
    folders: int = 0
    where: str = ""
    written: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    commit: str | None = None
    warnings: list[str] = field(default_factory=list)

    def found_line(self) -> str:
        """``2,461 notes in 9 folders (the whole work tree)``."""
        notes = f"{self.notes:,} note{'s' if self.notes != 1 else ''}"
        folders = f"{self.folders:,} folder{'s' if self.folders != 1 else ''}"
        return f"{notes} in {folders} ({self.where})"


def should_adopt(root: Path) -> bool:
    """True when ``root`` holds a repository with commits but no ``kb.toml`` (a ``notes/``
    folder or not), or a folder of notes not in kb's layout (no ``notes/``): ``kb init``
    then keeps every file where it is, and commits only its own."""
    if not root.is_dir() or (root / "kb.toml").exists():
        return False
    from kb import git

    if git.is_repo(root) and not git.has_no_commit(root):
        return True
    if (root / NOTES_FOLDER).exists():
        return False  # a new KB's folder, its notes already put in place: kb's layout
    sources, _ = files.scan(root, content_of(root))
    return any(source.kind == "note" for source in sources)


def adopt(root: Path) -> Adoption:
    """Make the repository (or folder of notes) at ``root`` a KB without moving a file."""
    from kb import git
    from kb.git.adopting import commit_own_files

    report = Adoption()
    content = content_of(root)
    sources, _problems = files.scan(root, content)
    notes = [source for source in sources if source.kind == "note"]
    report.notes = len(notes)
    report.folders = len({os.path.dirname(source.rel) for source in notes})
    report.where = content.describe()
    paths.local_folder(root)
    was_repo = git.is_repo(root)
    dirty = _changed_by_user(root, ["kb.toml", ".gitattributes"]) if was_repo else set()
    before = _read(root / ".gitattributes")
    if not (root / "kb.toml").exists():
        atomic.write_text(paths.writable(root, "kb.toml"), layout.KB_TOML, root=root)
        report.written.append("kb.toml")
    if ".gitattributes" in dirty:
        report.warnings.append(
            f".gitattributes has changes of yours, so kb left it alone; add the line "
            f"'{GITATTRIBUTES_LINE}' to it so that ticket links of two people merge"
        )
    elif ensure_gitattributes(root):
        (report.edited if before is not None else report.written).append(".gitattributes")
    own = [*report.written, *report.edited]
    if not was_repo:
        # A folder of notes without git: its notes go into the first commit with kb's files.
        result = git.init(
            root, [*own, *[source.rel for source in sources]], "Create knowledge base"
        )
        report.commit = result.sha
        if result.warning:
            report.warnings.append(result.warning)
        return report
    if not own:
        return report
    result = commit_own_files(root, own, ADOPT_MESSAGE)
    report.commit = result.sha
    if result.sha is None:
        _put_back(root, report, before)
        report.warnings.append(f"{result.warning}; kb's files were taken back out")
    return report


def _put_back(root: Path, report: Adoption, before: str | None) -> None:
    for rel in report.written:
        target = root / rel
        if target.is_file() and not target.is_symlink():
            target.unlink()
    if ".gitattributes" in report.edited and before is not None:
        atomic.write_text(paths.writable(root, ".gitattributes"), before, root=root)
    report.written.clear()
    report.edited.clear()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError, IsADirectoryError):
        return None


def _changed_by_user(root: Path, rels: list[str]) -> set[str]:
    """Which of ``rels`` have uncommitted changes (staged or not) in the work tree."""
    from kb import git

    with git.open_repo(root) as repo:
        output = repo.git.execute(
            ["git", "status", "--porcelain", "-z", "--untracked-files=no", "--", *rels],
            strip_newline_in_stdout=False,
        )
    return {entry[3:] for entry in str(output).split("\0") if len(entry) > 3}


def join(url: str, destination: Path) -> tuple[Path, str | None]:
    """Clone the team KB at ``url`` into ``destination``; its root and the branch taken (None
    when the remote was empty: the clone is then made a new KB, ready to be pushed)."""
    from kb.sync.joining import clone

    cloned = clone(url, destination)
    paths.local_folder(cloned.root)
    return cloned.root, cloned.branch
