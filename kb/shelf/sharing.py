"""Sharing a note: it moves from one KB (usually the personal one) into a team KB.

One commit in each repository: the team's adds the note (its message says where it came
from), the source's removes it. A note with ticket links gets a second commit in the team's:
its links, whose revision (the version given to the caller) is then the share's commit, a
commit of the team's own history. The note keeps its path, so its wiki and relative links
resolve in the team KB wherever the notes they lead to are there too; the ones that lead to
notes the team KB lacks are reported. The source's log gets ``unlink`` lines, the team's log
``link`` lines; its reading progress moves, and its flags, being front matter, travel with
the file. Refused, with one line, when the team KB already has a note of that name or the
note holds what looks like a secret.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from kb.knowledgebase import KnowledgeBase
from kb.notes import atomic, link_log, paths
from kb.notes.errors import KBError
from kb.shelf.shelf import Shelf, ShelfError


@dataclass
class SharedNote:
    """What ``kb share`` did: the note, from where to where, and what to tell the user."""

    path: str
    title: str
    source: str
    target: str
    tickets: list[str] = field(default_factory=list)
    source_commit: str | None = None
    target_commit: str | None = None
    #: Links that lead to no note in the team KB, and other things worth saying.
    warnings: list[str] = field(default_factory=list)
    #: Links rewritten so that they still resolve (one line each).
    relinked: list[str] = field(default_factory=list)


def share(shelf: Shelf, reference: str, to: str | None = None) -> SharedNote:
    """Move the note ``reference`` into the KB called ``to`` (the one other KB when the
    shelf holds two). ShelfError (exit 2) for every refusal; nothing changes then."""
    source_name, source, inside = shelf.holder(reference)
    target_name = _target_name(shelf, source_name, to)
    target = shelf.get(target_name)
    found = source.find(inside)
    rel = found.rel
    note = source.note(rel)
    _refuse_clashes(target, target_name, rel)
    readable = paths.readable(source.root, rel)
    if readable is None:
        raise ShelfError(f"not shared: {rel} is a link leading outside the KB")
    data = readable.read_bytes()
    from kb.shelf import relink

    text = data.decode("utf-8", errors="surrogateescape")
    relinked_text, said_out = relink.outgoing(source, target, source_name, rel, text)
    if relinked_text != text:
        data = relinked_text.encode("utf-8", errors="surrogateescape")
    _refuse_secrets(source, target, rel, data)
    staying = relink.incoming(source, target_name, rel, lambda other: _text_of(source, other))

    moved = SharedNote(rel, note.title, source_name, target_name)
    links = [link for link in link_log.read_links(source.root) if link.note == rel]
    moved.tickets = [link.ticket for link in links]
    # The team's copy first: until it is committed, the personal note stays as it was.
    atomic.write_bytes(paths.writable(target.root, rel), data, root=target.root)
    from kb.git.revisions import last_commit, short

    where = last_commit(source.root, rel)
    origin = f"{source_name}:{rel}" + (f" at {short(where)}" if where else "")
    saved = target.record_changes([rel], f"Share: {note.title} (from {origin})")
    if saved.commit is None or not saved.commit.sha:
        _undo_target(target, rel)
        why = saved.commit.warning if saved.commit is not None else "not committed"
        raise ShelfError(f"not shared: the team KB {target_name!r} could not commit it ({why})")
    moved.target_commit = saved.commit.sha
    if links:
        moved.warnings += _carry_links(source, target, source_name, rel, text, links, moved)
    # Then it leaves the source: the file, its ticket links, its reading progress.
    source_changed = [rel]
    for other, new_text in staying.texts.items():
        new = new_text.encode("utf-8", errors="surrogateescape")
        atomic.write_bytes(paths.writable(source.root, other), new, root=source.root)
        source_changed.append(other)
    for link in links:
        event = link_log.LinkEvent("unlink", link.ticket, rel, link.kind, None, link_log.now())
        source_changed.append(link_log.append(source.root, event))
    (source.root / rel).unlink()
    gone = source.record_changes(
        list(dict.fromkeys(source_changed)), f"Share: {note.title} (moved to {target_name})"
    )
    if gone.commit is not None and gone.commit.sha:
        moved.source_commit = gone.commit.sha
    elif gone.commit is not None and gone.commit.warning:
        moved.warnings.append(f"{source_name}: the removal is not committed: {gone.commit.warning}")
    _move_progress(source.root, target.root, rel)
    moved.warnings += _unresolved_links(target, rel)
    moved.relinked = said_out + staying.said
    if said_out:
        moved.warnings.append(
            f"links into {source_name!r} resolve only where [kbs] names that KB (share those "
            "notes too for the whole team to follow them)"
        )
    return moved


def _carry_links(
    source: KnowledgeBase,
    target: KnowledgeBase,
    source_name: str,
    rel: str,
    text: str,
    links: list[link_log.Link],
    moved: SharedNote,
) -> list[str]:
    """The note's ticket links, written into the team's log in a commit of their own. A
    link's revision (the version given to the caller) must be a commit of the team's
    history: the share's, when the version given is the one shared; none otherwise (that
    version stays in the source's history, and a warning says so)."""
    from kb.git.repository import GitError
    from kb.git.revisions import short, show

    warnings: list[str] = []
    changed = [rel]
    for link in links:
        rev = None
        if link.rev:
            try:
                given = show(source.root, rel, link.rev)
            except GitError:
                given = None
            if given == text:
                rev = moved.target_commit
            else:
                warnings.append(
                    f"{link.ticket}: the version given ({short(link.rev)}) was changed since; "
                    f"it stays in {source_name!r}'s history (kb show {source_name}:{rel} "
                    f"--at {short(link.rev)})"
                )
        event = link_log.LinkEvent("link", link.ticket, rel, link.kind, rev, link.at, link.by)
        changed.append(link_log.append(target.root, event))
    if (target.root / ".gitattributes").exists():
        changed.append(".gitattributes")
    tickets = ", ".join(link.ticket for link in links)
    saved = target.record_changes(
        list(dict.fromkeys(changed)), f"Share: ticket links of {moved.title} ({tickets})"
    )
    if saved.commit is None or not saved.commit.sha:
        why = saved.commit.warning if saved.commit is not None else "not committed"
        warnings.append(
            f"the ticket links are written but not committed ({why}); kb save commits them"
        )
    return warnings


def _target_name(shelf: Shelf, source_name: str, to: str | None) -> str:
    if to is not None:
        shelf.get(to)
        if to == source_name:
            raise ShelfError(f"the note is already in {to!r}")
        return to
    others = [name for name in shelf.names if name != source_name]
    if len(others) == 1:
        return others[0]
    if not others:
        raise ShelfError("share needs a team KB in the config's [kbs] besides this one")
    raise ShelfError(f"name the team KB with --to (one of: {', '.join(others)})")


def _refuse_clashes(target: KnowledgeBase, target_name: str, rel: str) -> None:
    name = Path(rel).name.lower()
    sources, _ = target.sources()
    for other in sources:
        if other.rel == rel or Path(other.rel).name.lower() == name:
            raise ShelfError(
                f"not shared: {target_name!r} already has a note named {Path(rel).stem!r} "
                f"({other.rel}); rename one of them first"
            )


def _refuse_secrets(source: KnowledgeBase, target: KnowledgeBase, rel: str, data: bytes) -> None:
    from kb.notes.secrets import ALLOW_MARK, scan_bytes

    for rules in (source.secret_rules, target.secret_rules):
        found = scan_bytes(rel, data, rules)
        if found:
            finding = found[0][0]
            raise ShelfError(
                f"not shared: line {finding.line} of {rel} looks like {finding.kind}; "
                f"remove it first (a team KB is read by the whole team), or end the line with "
                f"{ALLOW_MARK} if it is not one (--allow-secrets does not apply to a share)"
            )


def _undo_target(target: KnowledgeBase, rel: str) -> None:
    """Take back the team's copy of a note whose share could not be committed."""
    with contextlib.suppress(FileNotFoundError):
        (target.root / rel).unlink()


def _move_progress(source: Path, target: Path, rel: str) -> None:
    from kb.guides.progress import ReadingProgress

    try:
        before = ReadingProgress(source)
        if before.is_read(rel):
            ReadingProgress(target).mark_read([rel])
            before.mark_unread([rel])
    except (KBError, OSError):
        return  # local reading progress only: never a reason to fail a share


def _unresolved_links(target: KnowledgeBase, rel: str) -> list[str]:
    from kb.notes.links import link_text

    note = target.note(rel)
    found = []
    for link in note.body.links:
        try:
            target.follow_link(rel, link)
        except KBError:
            found.append(f"{link_text(link)} leads to no note in the team KB (share it too)")
    return found


def _text_of(kb: KnowledgeBase, rel: str) -> str:
    readable = paths.readable(kb.root, rel)
    if readable is None:
        raise ShelfError(f"not shared: {rel} is a link leading outside the KB")
    return readable.read_bytes().decode("utf-8", errors="surrogateescape")
