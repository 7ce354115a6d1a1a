"""What the index holds of each file: its engine document and its manifest entry (size,
time, content hash, ticket links, problems), read again only when one of them changed."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.notes import files
from kb.notes.flags import flag_of
from kb.notes.note import Note, parse_note
from kb.notes.problems import Problem
from kb.notes.ticket_ids import TicketMatcher
from kb.search.analysis import terms
from kb.search.engine import IndexDoc
from kb.search.languages import indexed_language
from kb.search.learned import LABEL as LEARNED_LABEL

if TYPE_CHECKING:
    from kb.search.index import IndexReport

#: Text kept per document for snippets.
SNIPPET_SOURCE_CHARS = 20_000
#: What counts as the title for search besides the title itself (each measured on the
#: relevance sets, see bench/relevance/README.md): the note's aliases, its file name's words.
TITLE_ALIASES = True
TITLE_FILE_NAME = True


def document(note: Note, source: files.SourceFile, links: list[str] | None = None) -> IndexDoc:
    """The engine document for a note. ``links`` are its current ticket links
    (``kind:TICKET``, see :func:`kb.notes.link_log.index_labels`): resolution links count as
    tickets the note solved (its reuse count), every link finds it by ticket id; and its
    learned search words (``words:WORD``, :mod:`kb.search.learned`), searched as labels."""
    systems = _with_words(note.systems)
    authors = _with_words(note.authors)
    solved = list(note.tickets)
    referenced: list[str] = []
    learned_words: list[str] = []
    for label in links or []:
        kind, _, ticket = label.partition(":")
        if kind == LEARNED_LABEL:
            learned_words.append(ticket)
            continue
        target = solved if kind == "resolution" else referenced
        if ticket not in solved and ticket not in target:
            target.append(ticket)
    all_tickets = list(dict.fromkeys([*note.all_tickets, *solved, *referenced]))
    title = search_title(note)
    # What a query word can match besides the title and the text, for the share of the
    # query's words a hit holds (kb.search.searching).
    also = [title[len(note.title) :].strip(), " ".join(learned_words)]
    language = indexed_language(note.path)
    return IndexDoc(
        path=note.path,
        kind=note.kind,
        title=title,
        labels="\n".join([*note.tags, *note.systems, *all_tickets, *learned_words]),
        issue=note.body.sections.get("issue", ""),
        body=note.body.text,
        filters={
            "tag": [tag.lower() for tag in note.tags],
            "type": [note.type],
            "status": [note.status] if note.status else [],
            "ticket": [ticket.lower() for ticket in all_tickets],
            "system": systems,
            "author": authors,
            "lang": [language],
        },
        stored={
            "title": note.title,
            "kind": note.kind,
            "type": note.type,
            "status": note.status,
            "tags": note.tags,
            "systems": note.systems,
            "tickets": solved,
            "referenced": referenced,
            "mentioned": note.mentioned_tickets,
            "created": note.created.isoformat() if note.created else None,
            "review_by": note.review_by.isoformat() if note.review_by else None,
            "flag": _flag_reason(note),
            "modified": source.changed_at,
            "text": note.body.text[:SNIPPET_SOURCE_CHARS],
            "also": "\n".join(part for part in also if part),
            "lang": language,
        },
    )


def search_title(note: Note) -> str:
    """The text searched as the note's title: its title, its aliases (other names it goes
    by) and the words of its file name when they differ from the title's."""
    parts = [note.title]
    if TITLE_ALIASES:
        parts.extend(note.aliases)
    if TITLE_FILE_NAME and note.kind != "ticket":
        name = note.name.replace("-", " ").replace("_", " ")
        if set(terms(name)) - set(terms(note.title)):
            parts.append(name)
    return "\n".join(parts)


def _flag_reason(note: Note) -> str | None:
    flag = flag_of(note)
    return flag.reason if flag else None


def _with_words(values: list[str]) -> list[str]:
    result: dict[str, None] = {}
    for value in values:
        result.setdefault(value.lower(), None)
        for word in terms(value, stemmed=False):
            result.setdefault(word, None)
    return list(result)


Loaded = tuple[dict[str, Any], list[Problem], IndexDoc | None]


def load(
    source: files.SourceFile,
    previous: dict[str, Any] | None,
    settings: tuple[int, tuple[str, ...], bool],
    links: list[str] | None = None,
) -> Loaded:
    """Read one file: its manifest entry, its problems, and its document if it changed
    (its text, or its ticket links)."""
    max_bytes, patterns, hash_numbers = settings
    text, problems = files.read_source(source, max_bytes)
    entry: dict[str, Any] = {"size": source.size, "mtime_ns": source.mtime_ns}
    if text is None:
        entry.update(digest=None, indexed=False)
        return entry, problems, None
    entry.update(digest=text.digest, indexed=True)
    if links:
        entry["links"] = links
    if (
        previous
        and previous.get("digest") == text.digest
        and previous.get("indexed")
        and previous.get("links", []) == (links or [])
    ):
        return entry, problems_of(previous), None
    note = parse_note(source.rel, text.text, _matcher(patterns, hash_numbers), kind=source.kind)
    return entry, problems + note.problems, document(note, source, links)


def load_paths(
    root: Path,
    rels: list[str],
    settings: tuple[int, tuple[str, ...], bool],
    links: dict[str, list[str]],
    entries: dict[str, dict[str, Any] | None],
    report: IndexReport,
) -> Iterator[IndexDoc | str]:
    """The documents of these files, read afresh (a path alone: the file is gone, or cannot
    be read now, and leaves the index); each file's manifest entry goes to ``entries`` (None
    when gone), and what was done to ``report``."""
    for rel in rels:
        source = files.source_for(root, rel)
        entry: dict[str, Any] | None = None
        doc: IndexDoc | None = None
        if source is not None:
            entry, problems, doc = load(source, None, settings, links.get(rel))
            entry["problems"] = [problem_dict(problem) for problem in problems]
            report.problems.extend(problems)
        entries[rel] = entry
        if doc is not None:
            report.changed.append(rel)
            yield doc
        else:
            report.deleted.append(rel)
            yield rel


def note_links(root: Path) -> dict[str, list[str]]:
    """Each note's current ticket links and learned search words (``words:oof``), as the
    manifest keeps them: the index re-reads a note when they change."""
    from kb.notes import link_log
    from kb.search import learned

    grouped = link_log.by_note(link_log.read_links(root))
    found = {path: link_log.index_labels(links) for path, links in grouped.items()}
    for path, words in learned.labels(root).items():
        found[path] = found.get(path, []) + words
    return found


@functools.lru_cache(maxsize=8)
def _matcher(patterns: tuple[str, ...], hash_numbers: bool) -> TicketMatcher:
    return TicketMatcher(patterns, hash_numbers)


def problems_of(entry: dict[str, Any]) -> list[Problem]:
    result = []
    for item in entry.get("problems") or []:
        if isinstance(item, dict) and "path" in item and "message" in item:
            result.append(
                Problem(
                    item["path"], item["message"], item.get("line"), item.get("level", "warning")
                )
            )
    return result


def problem_dict(problem: Problem) -> dict[str, Any]:
    return {
        "path": problem.path,
        "message": problem.message,
        "line": problem.line,
        "level": problem.level,
    }
