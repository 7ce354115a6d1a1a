"""Which paths of a KB kb may read and write: nothing from a repository points elsewhere.

A KB is a teammate's repository, and a commit can hold symlinks: ``notes -> ~``,
``templates/fix.md -> ~/.netrc``, ``.kb/index -> ../../photos``. So:

- kb writes a file only at a real path inside the KB: every folder from the KB root to the
  file is a real folder and the file itself is not a symlink, checked on disk (:func:`writable`,
  :func:`folder`). Anything else is refused with :class:`UnsafePath` (exit 2), naming the link.
- kb reads a file of the repository only when it resolves inside the KB's own files, never into
  its ``.git`` or ``.kb`` folders (:func:`readable`); some files (templates, which are copied
  into new notes) are read only when no symlink at all is on the way.
- ``.kb/`` is local state and always a real local folder: a symlink (or a file) in its place,
  or in the place of anything kb keeps under it, is removed, only the link itself, never what it
  points to, and a real folder made (:func:`local_folder`, :func:`local_file`). Readers of local
  state never follow a link (:func:`local_readable`).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path, PurePath

from kb.notes.errors import KBError

#: The KB's local state folder (git-ignored, never shared).
LOCAL_FOLDER = ".kb"
#: Top-level folders of a KB's root that hold no KB content: never read or written as such.
NOT_CONTENT = (".git", LOCAL_FOLDER)


class UnsafePath(KBError):
    """kb will not write at a path: a symlink or a file is on the way, or it leads outside."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 2)


def real_root(root: str | os.PathLike[str]) -> Path:
    """The KB root with every symlink resolved (the user may keep a KB behind a link)."""
    return Path(os.path.realpath(root))


def inside(root: str | os.PathLike[str], real_path: str | os.PathLike[str]) -> bool:
    """True when an already resolved path is the KB root or in its own files (not in its
    ``.git`` or ``.kb`` folders)."""
    base = str(real_root(root))
    path = str(real_path)
    if path == base:
        return True
    prefix = base.rstrip(os.sep) + os.sep
    if not path.startswith(prefix):
        return False
    first = path[len(prefix) :].split(os.sep, 1)[0]
    return first not in NOT_CONTENT


def writable(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """The real path at which kb may write ``path`` (relative to ``root``, or absolute inside
    it); raises :class:`UnsafePath` when a symlink or a file is on the way, when the path
    itself is a symlink, or when it is not inside the KB."""
    base = real_root(root)
    parts = _parts(root, base, path)
    if parts[0] == ".git":
        raise UnsafePath(f"{_shown(parts)} is inside .git; kb does not write there")
    current = base
    for number, part in enumerate(parts, start=1):
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            break  # the rest does not exist yet: kb makes real folders for it
        except NotADirectoryError:
            raise UnsafePath(f"{_shown(parts[: number - 1])} is not a folder") from None
        last = number == len(parts)
        if stat.S_ISLNK(info.st_mode):
            to_folder = not last or os.path.isdir(current)
            shown = _shown(parts[:number]) + ("/" if to_folder else "")
            where = "" if inside(base, os.path.realpath(current)) else " leading outside the KB"
            advice = " (make it a real folder)" if to_folder else ""
            raise UnsafePath(
                f"{shown} is a symlink{where}: kb does not write through symlinks{advice}"
            )
        if not last and not stat.S_ISDIR(info.st_mode):
            raise UnsafePath(f"{_shown(parts[:number])} is not a folder")
    return base.joinpath(*parts)


def name_is_a_link(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """True when ``path`` itself is a symlink and every folder on its way is real."""
    base = real_root(root)
    try:
        parts = _parts(root, base, path)
    except UnsafePath:
        return False
    if _link_on_the_way(base, parts[:-1]):
        return False
    return os.path.islink(base.joinpath(*parts))


def folder(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """The real folder ``path`` of the KB, made when missing; :class:`UnsafePath` as for
    :func:`writable` (a symlink to a folder is refused too)."""
    target = writable(root, path)
    target.mkdir(parents=True, exist_ok=True)
    if not is_real_folder(target):
        raise UnsafePath(f"{_shown(PurePath(path).parts)} is not a folder")
    return target


def readable(
    root: str | os.PathLike[str], path: str | os.PathLike[str], *, links: bool = True
) -> Path | None:
    """The path at which kb may read ``path`` of the KB, or None when it resolves outside
    the KB (or into its ``.git`` or ``.kb``). With ``links=False`` also None when any symlink
    is on the way, even one leading inside. A missing file is returned as it is: opening it
    fails as usual."""
    base = real_root(root)
    try:
        parts = _parts(root, base, path)
    except UnsafePath:
        return None
    if parts[0] in NOT_CONTENT:
        return None
    target = base.joinpath(*parts)
    if not links and _link_on_the_way(base, parts):
        return None
    if not inside(base, os.path.realpath(target)):
        return None
    return target


def link_problem(root: str | os.PathLike[str], path: str) -> str | None:
    """``"symlink leading outside the KB"`` when the file or folder ``path`` of the KB is
    one (kb does not use it); None when it is fine, or missing."""
    target = real_root(root) / path
    if not target.is_symlink() or inside(root, os.path.realpath(target)):
        return None
    return "symlink leading outside the KB"


# -- local state under .kb/ ------------------------------------------------------------------------


def local_folder(root: str | os.PathLike[str], *parts: str) -> Path:
    """``.kb/<parts>`` as real local folders, ready to write in: a symlink or a file in the
    place of any of them is removed (the link itself, never what it points to)."""
    current = real_root(root)
    for part in (LOCAL_FOLDER, *parts):
        _check_name(part)
        current = current / part
        _make_real_folder(current)
        if part == LOCAL_FOLDER:
            ignore_itself(current)
    return current


def ignore_itself(folder: Path) -> None:
    """Make git ignore the local folder from inside (a ``.gitignore`` of ``*``), so that no
    tracked file of a team's repository has to change for it."""
    marker = folder / ".gitignore"
    if os.path.lexists(marker):
        return
    with contextlib.suppress(OSError):
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("# kb's local state: never shared\n*\n")


def local_file(root: str | os.PathLike[str], *parts: str) -> Path:
    """The path of a local state file ``.kb/<parts>``, ready to write: its folders are real
    local folders and a symlink in its own place is removed (never followed)."""
    if not parts:
        raise ValueError("name a file under .kb/")
    _check_name(parts[-1])
    path = local_folder(root, *parts[:-1]) / parts[-1]
    remove_link(path)
    return path


def local_readable(root: str | os.PathLike[str], *parts: str) -> Path | None:
    """The path of ``.kb/<parts>`` to read, or None when a symlink is on the way (a committed
    link is never followed; the next write replaces it)."""
    base = real_root(root)
    names = (LOCAL_FOLDER, *parts)
    if any(name in ("", ".", "..") or "/" in name or os.sep in name for name in names):
        return None
    if _link_on_the_way(base, names):
        return None
    return base.joinpath(*names)


def remove_link(path: Path) -> bool:
    """Remove ``path`` when it is a symlink (the link, not its target); True when it was."""
    try:
        if not stat.S_ISLNK(os.lstat(path).st_mode):
            return False
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def is_real_folder(path: Path) -> bool:
    """True when ``path`` is a folder and not a symlink to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


# -- helpers ---------------------------------------------------------------------------------------


def _parts(
    root: str | os.PathLike[str], base: Path, path: str | os.PathLike[str]
) -> tuple[str, ...]:
    """``path`` as names below the KB root; UnsafePath when it does not stay inside."""
    given = PurePath(path)
    if given.is_absolute():
        for start in (Path(os.path.abspath(root)), base):
            with contextlib.suppress(ValueError):
                given = given.relative_to(start)
                break
        else:
            raise UnsafePath(f"{_shown(given.parts)} is outside the KB")
    parts = tuple(part for part in given.parts if part not in ("", "."))
    if not parts or ".." in parts:
        raise UnsafePath(f"{_shown(given.parts) or '.'} is not a file inside the KB")
    return parts


def _link_on_the_way(base: Path, parts: tuple[str, ...]) -> bool:
    current = base
    for part in parts:
        current = current / part
        try:
            info = os.lstat(current)
        except OSError:
            return False
        if stat.S_ISLNK(info.st_mode):
            return True
    return False


def _make_real_folder(path: Path) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        return
    if info is not None:
        # A symlink (to anything) or a file where kb keeps its local state. unlink removes a
        # link itself, never what it points to.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path)
    if not is_real_folder(path):  # another process put something else there meanwhile
        raise UnsafePath(f"{path.name} is not a real folder; kb keeps its local state there")


def _check_name(part: str) -> None:
    if part in ("", ".", "..") or "/" in part or os.sep in part:
        raise ValueError(f"not a plain name: {part!r}")


def _shown(parts: tuple[str, ...] | list[str]) -> str:
    """Path names as text safe to print (names from a repository may hold control bytes)."""
    text = "/".join(parts)
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)
