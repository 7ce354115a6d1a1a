"""Conflicts kept by ``kb sync``: the other side's version beside the note, and settling it.

When two people changed the same lines, the version in place keeps ours and theirs is kept
beside it as ``<name>.conflict-<who>-<when><suffix>``. These functions name such files,
list the ones waiting, and settle one (keep mine, keep theirs, keep both), with a commit.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from kb.notes import atomic, paths
from kb.notes.conflict_copies import COPY_NAME, original_of
from kb.notes.content import content_of
from kb.notes.errors import KBError
from kb.notes.files import slugify
from kb.notes.layout import KB_PATHS

if TYPE_CHECKING:
    from kb.notes.protocol import KB


@dataclass
class Conflict:
    """A note both sides changed in the same lines: ours in place, theirs beside it."""

    path: str
    theirs: str
    who: str = ""


def conflict_name(root: Path, path: str, who: str) -> str:
    """A free name beside ``path`` for the other side's version."""
    pure = PurePosixPath(path)
    slug = slug_of(who)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M")
    base = f"{pure.stem}.conflict-{slug}-{stamp}"
    number = 1
    while True:
        name = base if number == 1 else f"{base}-{number}"
        candidate = str(pure.with_name(name + pure.suffix))
        if not (root / candidate).exists():
            return candidate
        number += 1


def conflicts(root: Path) -> list[Conflict]:
    """Conflict files waiting in the KB, each with the file it belongs to."""
    root = Path(root)
    candidates: list[Path] = []
    # Where conflict files can be: the folders and files ``kb sync`` commits.
    content = content_of(root, ignored=False)
    folders = [folder for folder in content.folders if folder]
    for name in dict.fromkeys([*KB_PATHS, *folders]):
        top = root / name
        if paths.is_real_folder(top):  # never a symlinked folder: kb deletes what it finds
            candidates.extend(top.rglob("*.conflict-*"))
    if content.whole_tree:
        for current, dirs, names in os.walk(root, followlinks=False):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            candidates.extend(Path(current, n) for n in names if ".conflict-" in n)
    candidates.extend(root.glob("*.conflict-*"))
    found = []
    for path in sorted(set(candidates)):
        match = COPY_NAME.match(path.name)
        if not match or not path.is_file() or path.is_symlink():
            continue
        rel = path.relative_to(root).as_posix()
        found.append(Conflict(original_of(rel) or rel, rel, who_of(match.group("slug"))))
    return found


def who_of(slug: str) -> str:
    """The person named in a conflict copy's name ("ben-tech-20261202-1010" -> "Ben Tech")."""
    return " ".join(re.sub(r"-\d{8}-\d{4}(-\d+)?$", "", slug).split("-")).title()


RESOLUTIONS = ("mine", "theirs", "both")


def resolve(kb: KB, conflict: Conflict, choice: str) -> str:
    """Settle a kept conflict and commit; say what happened.

    ``mine`` keeps the version in place (yours, on the clone that met the conflict),
    ``theirs`` the version kept beside it, ``both`` keeps both texts in the one note (the
    other side's under a heading naming its author; a file that is not a note is kept
    beside it under the author's name).
    """
    if choice not in RESOLUTIONS:
        raise KBError(f"choose one of {', '.join(RESOLUTIONS)}", 2)
    # Both files are read, replaced or deleted: only at real paths inside the KB.
    theirs_path = paths.writable(kb.root, conflict.theirs)
    original = paths.writable(kb.root, conflict.path)
    changed = [conflict.theirs]
    other = f"{conflict.who}'s version" if conflict.who else "the other version"
    if choice == "theirs":
        atomic.write_bytes(original, theirs_path.read_bytes(), root=kb.root)
        theirs_path.unlink()
        changed.append(conflict.path)
        done = f"kept {other} of {conflict.path}"
    elif choice == "mine":
        theirs_path.unlink()
        done = f"kept the version in place of {conflict.path}; {other} stays in the history"
    elif conflict.path.lower().endswith(".md"):
        # One note, both texts: theirs under a heading naming its author, never a second
        # note with the same title to be found twice.
        mine_text = original.read_bytes().decode("utf-8", "surrogateescape")
        theirs_text = theirs_path.read_bytes().decode("utf-8", "surrogateescape")
        joined = both_texts(mine_text, theirs_text, conflict.who)
        atomic.write_bytes(original, joined.encode("utf-8", "surrogateescape"), root=kb.root)
        theirs_path.unlink()
        under = heading(conflict.who)
        done = f"kept both in {conflict.path}: {other} is under the heading '{under}'"
    else:
        # A picture or other file cannot hold two versions: the other is kept beside it.
        pure = PurePosixPath(conflict.path)
        target = free_name(kb.root, pure, conflict.who)
        atomic.write_bytes(kb.root / target, theirs_path.read_bytes(), root=kb.root)
        theirs_path.unlink()
        changed.append(target)
        done = f"kept both: {other} is now {target}"
    summary = done.split(":")[0].split(";")[0]
    saved = kb.record_changes(
        [conflict.path, *changed], f"Resolve conflict in {conflict.path}: {summary}"
    )
    if saved.commit is not None and saved.commit.warning:
        raise KBError(f"{done}, on disk; {saved.commit.warning}", 2)
    return done


def slug_of(who: str) -> str:
    """A person's name as part of a file name ("Zoë Ng" -> "zoe-ng")."""

    slug = slugify(who, 30)
    return "other" if slug == "note" and not who.strip() else slug


def free_name(root: Path, pure: PurePosixPath, who: str) -> str:
    """``<stem>-<who>.md`` (then -2, -3 ...): a name another clone is unlikely to pick too."""
    slug = slug_of(who)
    number = 1
    while True:
        suffix = "" if number == 1 else f"-{number}"
        candidate = pure.with_name(f"{pure.stem}-{slug}{suffix}{pure.suffix}")
        if not (root / candidate).exists():
            return str(candidate)
        number += 1


def retitled(data: bytes, who: str) -> bytes:
    """A note's bytes with "(Name's version)" added to its title; other files unchanged."""
    from kb.notes import frontmatter

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    parsed = frontmatter.parse(text)
    title = parsed.data.get("title") if parsed.present and not parsed.error else None
    if not isinstance(title, str) or not title.strip():
        return data
    label = f"{who}'s version" if who else "other version"
    return frontmatter.set_field(text, "title", f"{title} ({label})").encode("utf-8")


def heading(who: str) -> str:
    """The heading the other side's text is kept under by "keep both"."""
    return f"{who}'s version" if who else "The other version"


def both_texts(mine: str, theirs: str, who: str) -> str:
    """A note holding both sides: mine as it is, then theirs under a heading naming its
    author. Their front matter is kept too (as a block) when it differs from mine."""
    from kb.notes import frontmatter

    ours = frontmatter.parse(mine)
    other = frontmatter.parse(theirs)
    body = other.body if other.present and not other.error else theirs
    lines = body.splitlines()
    first_heading = next((line for line in mine.splitlines() if line.startswith("# ")), None)
    if lines and first_heading is not None and lines[0].strip() == first_heading.strip():
        lines = lines[1:]  # the same title twice says nothing
    while lines and not lines[0].strip():
        lines = lines[1:]
    kept = [f"## {heading(who)}", ""]
    if other.present and not other.error and other.data != ours.data:
        block = theirs[: len(theirs) - len(other.body)].strip("\n")
        fence = "~~~~" if "~~~" in block else "~~~"
        kept += ["Their fields differed from these:", "", f"{fence}yaml", block, fence, ""]
    kept += lines
    return mine.rstrip("\n") + "\n\n" + "\n".join(kept).rstrip("\n") + "\n"


def resolve_with_text(kb: KB, conflict: Conflict, text: str) -> str:
    """Settle a kept conflict with the text the user merged by hand, and commit."""
    from kb.notes import frontmatter

    original = paths.writable(kb.root, conflict.path)
    theirs_path = paths.writable(kb.root, conflict.theirs)
    before = frontmatter.parse(original.read_text(encoding="utf-8", errors="surrogateescape"))
    after = frontmatter.parse(text)
    if before.present and not before.error and (not after.present or after.error):
        raise KBError(
            "the merged text's front matter cannot be read "
            f"({after.error or 'line 1 is not ---'}): fix it, then save again",
            2,
        )
    atomic.write_bytes(original, text.encode("utf-8", "surrogateescape"), root=kb.root)
    theirs_path.unlink()
    done = f"merged both versions of {conflict.path}"
    saved = kb.record_changes(
        [conflict.path, conflict.theirs], f"Resolve conflict in {conflict.path}: merged by hand"
    )
    if saved.commit is not None and saved.commit.warning:
        raise KBError(f"{done}, on disk; {saved.commit.warning}", 2)
    return done
