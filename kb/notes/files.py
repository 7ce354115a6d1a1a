"""Finding a KB's note and ticket files and reading them safely.

Safe means: symlinks are never followed out of the KB, only regular files are opened (a
FIFO would block), binary files are skipped, text that is not UTF-8 is read with replacement
characters, and very large files are read only up to a cap. Each of these is reported as a
:class:`~kb.notes.problems.Problem`, never raised.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kb.notes import pace, paths
from kb.notes.content import Content, content_of
from kb.notes.problems import Problem

_BINARY_SNIFF = 8192
#: Names Windows keeps for devices, whatever the case and the extension: a clone on Windows
#: cannot hold a file called ``CON.md`` or ``aux.txt.md`` (git stops at it).
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]]
)


@dataclass(frozen=True)
class SourceFile:
    """A Markdown file of the KB, as found on disk."""

    rel: str  # path relative to the KB root, with forward slashes
    path: Path  # the file to open (inside the KB, symlinks already checked)
    kind: str  # "note" or "ticket"
    size: int
    mtime_ns: int
    #: When the last commit changed it (seconds), when git says and it is committed as it is.
    committed: float | None = None
    #: When its content or attributes last changed (a write with its time put back too).
    ctime_ns: int = 0

    @property
    def changed_at(self) -> float:
        """When the file last changed: its last commit, else its time on disk (seconds)."""
        return self.committed if self.committed is not None else self.mtime_ns / 1e9


@dataclass
class SourceText:
    """The decoded text of a source file and a fingerprint of its content."""

    text: str
    digest: str
    problems: list[Problem]


def scan(root: Path, content: Content | None = None) -> tuple[list[SourceFile], list[Problem]]:
    """Every note (see :mod:`kb.notes.content`) and ticket record of the KB, sorted by path,
    and what was skipped."""
    root = Path(root)
    content = content if content is not None else content_of(root)
    real_root = os.path.realpath(root)
    found: list[SourceFile] = []
    problems: list[Problem] = []
    for folder, kind in content.walk_roots():
        top = root / folder if folder else root
        linked = folder and os.path.realpath(top) != os.path.join(real_root, *folder.split("/"))
        if linked:
            # A content folder that is a symlink, or lies in one: never written through, read
            # only when it stays inside the KB, and reported either way (kb check fails on it).
            if not _inside(real_root, os.path.realpath(top)):
                problems.append(
                    Problem(
                        folder, "symlinked folder leads outside the KB; not read", level="error"
                    )
                )
                continue
            problems.append(
                Problem(folder, "symlinked folder: its notes are read, but kb does not write there")
            )
        if not top.is_dir():
            continue
        for current, dirs, names in os.walk(top, followlinks=False):
            pace.checkpoint()
            here = _rel(root, Path(current)) if current != str(root) else ""
            kept = []
            for name in sorted(dirs):
                rel = f"{here}/{name}" if here else name
                if name.startswith(".") or (kind == "note" and content.skip_folder(rel)):
                    continue
                if unusable_name(name):
                    problems.append(
                        Problem(shown_name(rel), f"folder {unusable_name(name)}; not read")
                    )
                    continue
                if os.path.islink(os.path.join(current, name)):
                    problems.append(Problem(rel, "symlinked folder not followed"))
                    continue
                if _own_repository(os.path.join(current, name)):
                    problems.append(Problem(rel, NESTED_REPOSITORY))
                    continue
                kept.append(name)
            dirs[:] = kept
            here_path = Path(current)
            for number, name in enumerate(sorted(names), start=1):
                if number % pace.EVERY == 0:
                    pace.checkpoint()
                rel = f"{here}/{name}" if here else name
                if content.kind(rel) != kind:
                    continue
                entry = _examine(root, real_root, here_path / name, kind, problems, rel)
                if entry is not None:
                    found.append(entry)
    found.sort(key=lambda entry: entry.rel)
    return found, problems


def source_for(root: Path, rel: str, content: Content | None = None) -> SourceFile | None:
    """The source file at a KB-relative path (``notes/x.md``), without scanning the KB; None
    when the path is not a readable note or ticket file inside the KB."""
    root = Path(root)
    content = content if content is not None else content_of(root, ignored=False)
    kind = content.kind(rel)
    if kind is None:
        return None
    parts = Path(rel).parts
    real_root = os.path.realpath(root)
    if not _inside(real_root, os.path.realpath(root.joinpath(*parts))):
        return None  # a symlinked folder on the way leads out of the KB
    if any(_own_repository(root.joinpath(*parts[:end])) for end in range(1, len(parts))):
        return None  # inside another repository: a scan does not read it either
    return _examine(root, real_root, root.joinpath(*parts), kind, [])


#: Why the files of a folder holding a git repository of its own are not notes of this KB.
NESTED_REPOSITORY = "a git repository of its own (another KB?): its files are not read"


def _own_repository(folder: str | os.PathLike[str]) -> bool:
    """True for a folder holding a git repository of its own (another KB cloned inside this
    one): git does not commit its files here, so they are not this KB's notes."""
    return os.path.lexists(os.path.join(folder, ".git"))


#: C0 and C1 control characters and DEL: no terminal shows them, and many tools split on them.
_CONTROL_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: What a byte that is not UTF-8 becomes in a name read from the disk (surrogateescape).
_UNDECODED_IN_NAME = re.compile("[\udc80-\udcff]")


def unusable_name(rel: str) -> str | None:
    """Why kb cannot use a file or folder name (None when it can): bytes that are not UTF-8
    (no name kb shows, saves or commits could stand for them) or a control character (a
    line break, an escape sequence), which no technician can see or type."""
    if _UNDECODED_IN_NAME.search(rel):
        return "name is not valid UTF-8, kb cannot use it (rename it)"
    if _CONTROL_IN_NAME.search(rel):
        return "name holds a control character, kb cannot use it (rename it)"
    return None


def shown_name(rel: str) -> str:
    """A path as kb prints it: bytes that are not UTF-8 as ``\\xe9``, control characters as
    ``\\u001b``, so that any name can be shown on a terminal and named once."""
    raw = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL_IN_NAME.sub(lambda match: f"\\u{ord(match.group()):04x}", raw)


def _examine(
    root: Path,
    real_root: str,
    path: Path,
    kind: str,
    problems: list[Problem],
    rel: str | None = None,
) -> SourceFile | None:
    rel = _rel(root, path) if rel is None else rel
    reason = unusable_name(rel)
    if reason:
        problems.append(Problem(shown_name(rel), f"{reason}; not indexed"))
        return None
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(path)
            if not _inside(real_root, target):
                problems.append(
                    Problem(rel, "symlink leads outside the KB; not read", level="error")
                )
                return None
            info = os.stat(target)
    except OSError as exc:
        problems.append(Problem(rel, f"cannot be read ({exc.strerror or exc})", level="error"))
        return None
    if not stat.S_ISREG(info.st_mode):
        problems.append(Problem(rel, "not a regular file; not read", level="error"))
        return None
    return SourceFile(rel, path, kind, info.st_size, info.st_mtime_ns, ctime_ns=info.st_ctime_ns)


def read_start(source: SourceFile, count: int) -> bytes | None:
    """The first ``count`` bytes of a source file; None when it is no longer a regular file
    (a FIFO put in its place is never waited on). OSError when it cannot be read."""
    fd = os.open(source.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(count)


def read_source(source: SourceFile, max_bytes: int) -> tuple[SourceText | None, list[Problem]]:
    """Read a source file as text; None and the reason when it is binary or unreadable."""
    problems: list[Problem] = []
    try:
        data = read_start(source, max_bytes + 1)
    except OSError as exc:
        return None, [Problem(source.rel, f"cannot be read ({exc.strerror or exc})", level="error")]
    if data is None:
        return None, [Problem(source.rel, "not a regular file; not read", level="error")]
    truncated = len(data) > max_bytes
    if truncated:
        data = data[:max_bytes]
        problems.append(
            Problem(
                source.rel,
                f"large file ({_size(source.size)}): only the first {_size(max_bytes)} is indexed",
            )
        )
    if b"\x00" in data[:_BINARY_SNIFF]:
        return None, [
            Problem(source.rel, "binary file, not a Markdown note; not indexed", level="error")
        ]
    digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(data) - 3:
            text = data[: exc.start].decode("utf-8", errors="replace")
        else:
            text = data.decode("utf-8", errors="replace")
            problems.append(
                Problem(
                    source.rel, "not UTF-8: read with replacement characters (save it as UTF-8)"
                )
            )
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceText(text, digest, problems), problems


def portable_name(name: str) -> str:
    """A file name every system can create: a Windows device name (``CON``, ``nul.txt``,
    ``Com1``, ``AUX .md``) gets ``_`` in front; any other name is returned as it is.

    A prefix rather than a suffix: no ticket id and no slug starts with ``_``, so the mapped
    name never meets another one."""
    first = name.split(".", 1)[0].rstrip(" .")
    return f"_{name}" if first.upper() in WINDOWS_RESERVED else name


def _inside(real_root: str, real_path: str) -> bool:
    return paths.inside(real_root, real_path)


def _rel(root: Path, path: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f} MB"
    if count >= 1_000:
        return f"{count / 1_000:.0f} kB"
    return f"{count} bytes"


def slugify(title: str, max_length: int = 60) -> str:
    """A file-name-safe, readable slug for a title ("VPN: no DNS!" -> "vpn-no-dns")."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return portable_name(slug or "note")


def exact_text(path: Path, rel: str) -> str:
    """The text of the file at ``path`` (``rel`` in messages), only when kb can write it back
    byte for byte: UTF-8 and not binary (KBError otherwise)."""
    from kb.notes.errors import KBError

    data = path.read_bytes()
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise KBError(f"{rel} is a binary file, not a note")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KBError(f"{rel} is not UTF-8 text; kb will not rewrite it") from exc
