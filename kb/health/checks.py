"""``kb check``: what in a KB needs fixing, file by file."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from kb.guides.guide import GUIDE_TYPE, build_guide
from kb.notes.content import language_of
from kb.notes.links import LinkTargets
from kb.notes.note import NOTE_TYPES, STATUSES, TICKET_KIND, Note
from kb.notes.problems import Problem

if TYPE_CHECKING:
    from kb.notes.protocol import KB


def check(kb: KB, today: _dt.date | None = None) -> list[Problem]:
    """Every problem found: unreadable files, front matter, links, sections, titles, dates."""
    today = today or _dt.date.today()
    notes, problems = kb.notes()
    problems.extend(kb.settings.problems)
    targets = LinkTargets(notes, kb.root)
    # A translation in a language folder (pages.fr/) is not a duplicate of the original.
    titles: dict[tuple[str | None, str], list[Note]] = {}
    for note in notes:
        if note.kind == TICKET_KIND:
            continue
        titles.setdefault((language_of(note.path), note.title.lower()), []).append(note)
        problems.extend(_fields(note, today))
        problems.extend(_links(note, targets))
    from kb.notes.link_log import LINKS_FILE, unreadable_lines

    problems.extend(_linked_files(kb))
    for number, line in unreadable_lines(kb.root):
        shown = line if len(line) <= 40 else line[:39] + "…"
        problems.append(Problem(LINKS_FILE, f"not a link record, ignored: {shown}", line=number))
    problems.extend(conflict_markers(kb))
    for same in titles.values():
        if len(same) > 1:
            others = ", ".join(note.path for note in same[1:])
            problems.append(Problem(same[0].path, f"same title as {others}"))
    problems.sort(key=lambda problem: (problem.path, problem.line or 0))
    return _unique(problems)


def _linked_files(kb: KB) -> list[Problem]:
    """The KB's own files that kb does not use because they are symlinks: the synonyms, the
    link log, the learned search words (leading outside the KB), and templates (any symlink:
    a template is copied into new notes). Content folders are reported by the scan, kb.toml
    by the settings."""
    from kb.notes import paths
    from kb.notes.layout import SEARCH_WORDS_FILE
    from kb.notes.link_log import LINKS_FILE
    from kb.search.synonyms import SYNONYMS_FILE

    found = []
    for rel in (SYNONYMS_FILE, LINKS_FILE, SEARCH_WORDS_FILE):
        problem = paths.link_problem(kb.root, rel)
        if problem:
            found.append(Problem(rel, f"{problem}; not read", level="error"))
    templates = kb.root / "templates"
    if templates.is_symlink():
        found.append(
            Problem("templates", "symlinked folder; the built-in templates are used", level="error")
        )
    elif templates.is_dir():
        for path in sorted(templates.iterdir()):
            if path.suffix == ".md" and path.is_symlink():
                rel = f"templates/{path.name}"
                found.append(Problem(rel, "symlink; the built-in template is used", level="error"))
    return found


def conflict_markers(kb: KB) -> list[Problem]:
    """Merge conflict markers git left in KB files (never committed, never pushed by kb)."""
    from kb.git.markers import marker_lines
    from kb.notes.layout import KB_PATHS

    sources, _ = kb.sources()
    paths = {source.rel: source.path for source in sources}
    for name in KB_PATHS:
        top = kb.root / name
        if top.is_file() and not top.is_symlink():
            paths.setdefault(name, top)
    templates = kb.root / "templates"
    if templates.is_dir() and not templates.is_symlink():
        for path in templates.glob("*.md"):
            if path.is_file() and not path.is_symlink():
                paths.setdefault(f"templates/{path.name}", path)
    found = []
    for rel, path in sorted(paths.items()):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if b"<<<<<<<" not in data and b">>>>>>>" not in data:
            continue
        lines = marker_lines(data.decode("utf-8", errors="replace"))
        if lines:
            found.append(
                Problem(
                    rel,
                    "merge conflict marker: git left two versions here; keep the right lines "
                    "and delete the marker lines",
                    line=lines[0],
                    level="error",
                )
            )
    return found


def _fields(note: Note, today: _dt.date) -> list[Problem]:
    from kb.notes.control_chars import visible
    from kb.notes.front_matter_guard import turned_into_text

    found: list[Problem] = []
    if not note.fields and turned_into_text(note.body_text):
        first = visible(note.body_text.lstrip("\ufeff").splitlines()[0].strip())[:40]
        found.append(
            Problem(
                note.path,
                f"front matter turned into text: line 1 is {first!r}, not '---', "
                "so its fields are not read",
                line=1,
                level="error",
            )
        )
    declared_type = note.fields.get("type")
    if declared_type is not None and note.type not in NOTE_TYPES:
        found.append(
            Problem(note.path, f"unknown type {declared_type!r} (use {', '.join(NOTE_TYPES)})")
        )
    if note.status and note.status not in STATUSES:
        found.append(
            Problem(note.path, f"unknown status {note.status!r} (use {', '.join(STATUSES)})")
        )
    if note.type == "fix" and declared_type is not None:
        missing = [name for name in ("issue", "resolution") if name not in note.body.sections]
        if missing:
            found.append(
                Problem(
                    note.path,
                    "fix note without " + " and ".join(f"## {m.title()}" for m in missing),
                )
            )
    if note.review_by and note.review_by < today and note.status != "archived":
        found.append(Problem(note.path, f"review date {note.review_by.isoformat()} has passed"))
    if "review_by" in note.fields and note.review_by is None and note.fields["review_by"]:
        found.append(Problem(note.path, "review_by is not a date (use YYYY-MM-DD)"))
    return found


def _links(note: Note, targets: LinkTargets) -> list[Problem]:
    found: list[Problem] = []
    for link in note.body.links:
        target = targets.resolve(note.path, link)
        if target.problem:
            found.append(Problem(note.path, target.problem, _line(note, link.line)))
    if note.type == GUIDE_TYPE and not build_guide(note, targets).steps:
        found.append(Problem(note.path, "guide without a reading path (it links to no note)"))
    return found


def _line(note: Note, body_line: int) -> int | None:
    # Link lines count from the top of the body; report them as lines of the file.
    return body_line + note.body_line - 1 if body_line else None


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
