"""Words learned from use: a search that ended in opening, copying from or linking a note
makes the searched words find that note next time, for the whole team.

The words live in ``search-words.jsonl`` at the KB root, one JSON object per line, only
appended to (git merges it by keeping both sides' lines, like the link log), and are
committed with the next save or ``kb sync``. The current words of a note are the log
replayed: a ``learn`` line adds words, a ``forget`` line removes some (or all, when it names
none). Lines kb cannot read are skipped.

Only plain words are kept: no digits, addresses, ids or paths (which could name a caller or
a machine), no stop words, at most :data:`MAX_WORDS_PER_SEARCH` from one search, and only
words the note does not already hold. A line::

    {"action": "learn", "note": "notes/outlook-oof.md", "words": ["oof"], "at": "2026-..."}
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.notes import atomic, link_log, paths
from kb.notes.layout import SEARCH_WORDS_FILE
from kb.notes.link_log import json_record
from kb.notes.lock import shared_file
from kb.search.analysis import STOP_WORDS, fold, query_words, stem, terms

if TYPE_CHECKING:
    from kb.notes.protocol import KB

WORDS_FILE = SEARCH_WORDS_FILE
GITATTRIBUTES_LINE = f"{WORDS_FILE} merge=union"
#: The most words one search teaches, and the most a note keeps (the latest win).
MAX_WORDS_PER_SEARCH = 6
MAX_WORDS_PER_NOTE = 40
#: Label prefix of learned words in the index's per-note labels (see documents.note_links).
LABEL = "words"
_MIN_LENGTH = 3
_MAX_LENGTH = 24


@dataclass(frozen=True)
class WordsEvent:
    """One line of the log."""

    action: str  # "learn" or "forget"
    note: str  # path of the note relative to the KB root
    words: list[str] = field(default_factory=list)
    at: str = ""

    def to_line(self) -> str:
        """The event as one JSON line."""
        return json.dumps(asdict(self), ensure_ascii=False, separators=(", ", ": ")) + "\n"


def teachable_words(query: str, known: Iterable[str] = ()) -> list[str]:
    """The words of ``query`` worth learning: plain words of 3 to 24 letters, not stop
    words, not filters, not already among ``known`` (the note's own terms, stemmed)."""
    have = set(known)
    found: dict[str, None] = {}
    for piece in query.split():
        if ":" in piece or piece.startswith("-"):
            continue  # a filter or an exclusion says nothing about the note's words
        for word in query_words(piece):
            surface = fold(word.typed)
            if (
                word.exact
                or not surface.isalpha()
                or not _MIN_LENGTH <= len(surface) <= _MAX_LENGTH
                or surface in STOP_WORDS
                or stem(surface) in have
            ):
                continue
            found.setdefault(surface, None)
    return list(found)[:MAX_WORDS_PER_SEARCH]


def _log_bytes(root: Path) -> bytes:
    path = paths.readable(root, WORDS_FILE)
    if path is None:
        return b""
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return b""


def _event(line: str) -> WordsEvent | None:
    data = json_record(line)
    if data is None:
        return None
    action, note, words = data.get("action"), data.get("note"), data.get("words") or []
    if action not in ("learn", "forget") or not isinstance(note, str) or not note:
        return None
    if not isinstance(words, list):
        return None
    clean = [fold(word) for word in words if isinstance(word, str)]
    clean = [word for word in clean if word.isalpha() and len(word) <= _MAX_LENGTH]
    return WordsEvent(action, note.replace(os.sep, "/"), clean, str(data.get("at") or ""))


def read_events(root: Path) -> list[WordsEvent]:
    """Every readable line of the log, in order."""
    text = _log_bytes(root).decode("utf-8", errors="replace")
    return [event for event in map(_event, text.splitlines()) if event is not None]


def current_words(events: Iterable[WordsEvent]) -> dict[str, list[str]]:
    """Each note's learned words after replaying ``events``, oldest first."""
    standing: dict[str, dict[str, None]] = {}
    for event in events:
        words = standing.setdefault(event.note, {})
        if event.action == "forget":
            if not event.words:
                words.clear()
            for word in event.words:
                words.pop(word, None)
        else:
            for word in event.words:
                words.pop(word, None)
                words[word] = None
    return {note: list(words)[-MAX_WORDS_PER_NOTE:] for note, words in standing.items() if words}


def read_words(root: Path) -> dict[str, list[str]]:
    """The learned words of every note of the KB at ``root``."""
    return current_words(read_events(root))


def labels(root: Path) -> dict[str, list[str]]:
    """Learned words as index labels (``words:oof``), by note path."""
    return {note: [f"{LABEL}:{word}" for word in words] for note, words in read_words(root).items()}


def append(root: Path, event: WordsEvent) -> list[str]:
    """Add ``event`` to the log (atomically, under a lock); the paths changed, for the commit."""
    root = Path(root)
    path = paths.writable(root, WORDS_FILE)
    with shared_file(root, WORDS_FILE, "the learned search words"):
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = b""
        if current and not current.endswith(b"\n"):
            current += b"\n"
        atomic.write_bytes(path, current + event.to_line().encode("utf-8"), root=root)
    changed = [WORDS_FILE]
    if link_log.ensure_gitattributes(root, GITATTRIBUTES_LINE):
        changed.append(".gitattributes")
    return changed


def now() -> str:
    """The current local time as the log writes it."""
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def note_terms(text: str) -> set[str]:
    """A note's own searchable terms (stemmed), to learn only words it lacks."""
    return set(terms(text))


@dataclass
class Learned:
    """What learning (or forgetting) did to one note's words."""

    note: str
    title: str
    words: list[str]
    #: Every word the note has learned after this change.
    standing: list[str] = field(default_factory=list)


def learn(kb: KB, query: str, reference: str) -> Learned:
    """Remember that a search for ``query`` ended at the note ``reference`` names: its plain
    words the note lacks will find it next time. Written to the log and indexed at once;
    committed with the next save or sync (no commit per search)."""
    note = kb.note_not_ticket(reference)
    known = note_terms("\n".join([note.title, *note.aliases, note.body.text]))
    standing = read_words(kb.root).get(note.path, [])
    words = [word for word in teachable_words(query, known) if word not in standing]
    outcome = Learned(note.path, note.title, words, standing)
    if words:
        changed = append(kb.root, WordsEvent("learn", note.path, words, now()))
        kb.record_changes(
            [note.path, *changed], f"Learn search words for {note.title}", commit=False
        )
        outcome.standing = read_words(kb.root).get(note.path, [])
    return outcome


def forget(kb: KB, reference: str, words: list[str] | None = None) -> Learned:
    """Remove learned words from a note (all of them without ``words``), and commit."""
    note = kb.note_not_ticket(reference)
    standing = read_words(kb.root).get(note.path, [])
    wanted = [fold(word) for word in words] if words else list(standing)
    gone = [word for word in wanted if word in standing]
    outcome = Learned(note.path, note.title, gone, standing)
    if gone:
        append(kb.root, WordsEvent("forget", note.path, [] if not words else gone, now()))
        # .gitattributes too: learning left its union-merge line uncommitted.
        kb.record_changes(
            [note.path, WORDS_FILE, ".gitattributes"], f"Forget search words of {note.title}"
        )
        outcome.standing = read_words(kb.root).get(note.path, [])
    return outcome
