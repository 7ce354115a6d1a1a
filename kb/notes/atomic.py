"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Every write into a KB names the KB (``root=``): the path is first checked to be a real path
inside it, with no symlink on the way and none in the file's own place (:mod:`kb.notes.paths`), so a
symlink from a teammate's commit never makes kb write elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from kb.notes import paths


def _process_umask() -> int:
    # Read once, at import: changing the umask to read it is not safe once threads run.
    mask = os.umask(0)
    os.umask(mask)
    return mask


_NEW_FILE_MODE = 0o666 & ~_process_umask()


def _write_aside(path: Path, data: bytes, mode: int, durable: bool = True) -> str:
    """Write ``data`` (durably) to a new temporary file beside ``path``; return its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return tmp_name


def _target(path: Path, root: Path | None) -> Path:
    # With the KB named, only a real path inside it (kb.paths.UnsafePath otherwise).
    return paths.writable(root, path) if root is not None else Path(path)


def write_bytes(path: Path, data: bytes, *, root: Path | None = None, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (temp file in the same folder, fsync, rename).

    ``root`` is the KB the file belongs to: the write is refused
    (:class:`kb.notes.paths.UnsafePath`) unless ``path`` is a real path inside it. The file's
    permission bits are kept when it already exists. With ``durable=False`` the file is not
    synced to disk one by one: a writer of thousands of files (an import) calls
    :func:`sync_all` after a batch instead. Readers still see the old file or the new one.
    """
    path = _target(path, root)
    try:
        info = os.lstat(path)
        # A symlink's own bits say nothing about the file it replaces.
        mode = _NEW_FILE_MODE if stat.S_ISLNK(info.st_mode) else info.st_mode & 0o7777
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    tmp_name = _write_aside(path, data, mode, durable)
    try:
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    if durable:
        _fsync_dir(path.parent)


def sync_all() -> None:
    """Make every write so far durable (after a batch written with ``durable=False``)."""
    sync = getattr(os, "sync", None)
    if sync is not None:
        sync()


def write_new(path: Path, data: bytes, *, root: Path | None = None) -> bool:
    """Create ``path`` holding ``data`` only if it does not exist yet; False when it does.

    The complete file appears at once (written aside, then hard-linked into place), so two
    processes choosing the same name never overwrite each other. ``root`` as for
    :func:`write_bytes`.
    """
    try:
        path = _target(path, root)
    except paths.UnsafePath:
        if root is not None and paths.name_is_a_link(root, path):
            return False  # the name is taken (by a symlink kb will not write through)
        raise
    tmp_name = _write_aside(path, data, _NEW_FILE_MODE)
    try:
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            return False
        except OSError:
            # File systems without hard links: exclusive create, then fill it.
            try:
                with open(path, "xb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            except FileExistsError:
                return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
    _fsync_dir(path.parent)
    return True


def write_text(path: Path, text: str, *, root: Path | None = None) -> None:
    """Replace ``path`` with ``text`` encoded as UTF-8, atomically. Newlines are kept as given.

    ``root`` as for :func:`write_bytes`.
    """
    write_bytes(path, text.encode("utf-8"), root=root)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, and harmless to skip.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
