"""The files and folders a KB is made of: what ``kb init`` writes, and the paths kb commits."""

from __future__ import annotations

import os
from pathlib import Path

from kb.notes import atomic, paths
from kb.notes.link_log import ensure_gitattributes
from kb.notes.lock import shared_file

#: Search words the team's searches taught notes (kb.search.learned), shared like the notes.
SEARCH_WORDS_FILE = "search-words.jsonl"
#: The folders and files kb commits (and where ``kb sync`` may keep conflict files).
KB_PATHS = (
    "notes",
    "tickets",
    "templates",
    "kb.toml",
    "synonyms.txt",
    SEARCH_WORDS_FILE,
    ".gitattributes",
)
#: The folders ``kb init`` makes.
FOLDERS = ("notes", "tickets", "templates")
GITIGNORE = ".kb/\n"
KB_TOML = """# kb team settings. Every key is optional.

[tickets]
# Regular expressions for ticket ids, replacing the defaults (ServiceNow INC/REQ/RITM/CHG/PRB
# numbers and Jira-style keys such as HELP-123). Use extra_patterns to add to the defaults.
# extra_patterns = ['\\bCASE-\\d{6}\\b']
# Also find plain #1234 numbers in note text (they are always accepted in front matter).
hash_numbers = false
# Where a ticket opens in the browser; {id} is replaced by the ticket id.
# url = "https://example.service-now.com/nav_to.do?uri=task.do?sysparm_query=number={id}"

[secrets]
# kb refuses to commit or push lines that look like passwords, private keys or tokens.
# Add your own patterns, and patterns for lines that are fine (both regular expressions).
# patterns = ['\\bcorp-api-[0-9a-f]{32}\\b']
# allow = ['password: see the team vault']

[search]
# Search engine: "auto", "whoosh" or "tantivy". This is the team's default: a machine's own
# choice goes in .kb/local.toml or the user config ([search] engine = "whoosh"), never shared.
engine = "auto"

[questions]
# When an answer is promised if 'kb ask' names no time ("+2h", "eod", "tomorrow 10:00", ...).
default_promise = "next business day 12:00"
# The time a promise given as a day alone ("friday", "2026-11-24") means, and when "eod" is.
promise_time = "12:00"
end_of_day = "17:00"
[health]
# kb stats lists questions and wip notes older than this many days.
stale_days = 14
# kb import reads ServiceNow, Jira, Zendesk and GLPI exports as they are. For another desk,
# map its columns (CSV) or keys (JSON) to ticket fields:
# [import]
# id_prefix = "CASE-"
# [import.mapping]
# id = "Case Number"
# title = "Subject"
# description = "Details"
"""


def ensure_gitignore(root: Path) -> None:
    """Make git ignore ``.kb/`` (local state) in the ``.gitignore``, keeping its other lines."""
    # Read and written at a checked path: a .gitignore symlink is never read into a commit.
    path = paths.writable(root, ".gitignore")
    with shared_file(root, ".gitignore"):
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = ""
        if not any(
            line.strip() in (".kb", ".kb/", "/.kb/", "/.kb") for line in current.splitlines()
        ):
            separator = "" if not current or current.endswith("\n") else "\n"
            atomic.write_text(path, current + separator + GITIGNORE, root=root)


def make_kb_files(root: Path) -> list[str]:
    """Make the folders and files of a new KB at ``root`` (never replacing one that is there);
    the paths of the files a first commit should hold."""
    from kb.notes.templates import BUILT_IN

    created: list[str] = []
    root.mkdir(parents=True, exist_ok=True)
    for folder in FOLDERS:
        paths.folder(root, folder)
    for rel, text in [
        ("kb.toml", KB_TOML),
        ("notes/.gitkeep", ""),
        ("tickets/.gitkeep", ""),
        *[(f"templates/{name}.md", body) for name, body in BUILT_IN.items()],
    ]:
        target = root / rel
        if not os.path.lexists(target):
            atomic.write_text(target, text, root=root)
            created.append(rel)
    ensure_gitignore(root)
    created.append(".gitignore")
    ensure_gitattributes(root)
    created.append(".gitattributes")
    return created
