"""Links kept working when ``kb share`` moves a note from one KB into another.

A link that crosses KBs is written ``[[NAME:path|label]]`` (NAME a short name of the user
config's ``[kbs]``; :mod:`kb.notes.links` resolves it for ``kb check``, the app and guides):

- in the shared note, each link to a note that stays behind (and that the team KB cannot
  resolve) becomes ``[[SOURCE:path|label]]``;
- in the notes that stay behind, each link to the shared note becomes ``[[TEAM:path|label]]``.

Only the links' own text changes; the rest of each file is kept byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from kb.knowledgebase import KnowledgeBase
from kb.notes import frontmatter
from kb.notes.errors import KBError
from kb.notes.links import kb_link
from kb.notes.markdown import Link, parse_body, replace_wiki_links


@dataclass
class Relinked:
    """Files rewritten so their links still resolve, with their new text by path."""

    texts: dict[str, str] = field(default_factory=dict)
    #: What to tell the user (one line per rewritten link).
    said: list[str] = field(default_factory=list)


def rewrite_links(text: str, new_link: Callable[[Link], str | None]) -> str:
    """``text`` with each link of its body for which ``new_link`` gives a text replaced by
    it (wiki links and relative Markdown links; code and front matter left alone)."""
    body = frontmatter.parse(text).body
    head = text[: len(text) - len(body)] if body and text.endswith(body) else ""
    body = text[len(head) :]

    def wiki(link: Link) -> str | None:
        return new_link(link) if link.kind == "wiki" else None

    body = replace_wiki_links(body, wiki)
    relative = [link for link in parse_body(body).links if link.kind == "relative"]
    for link in relative:
        replacement = new_link(link)
        if replacement is None:
            continue
        # Written as the file's name or as a URL ("heading%20only.md"): either is the link.
        written = "|".join(
            re.escape(form) for form in dict.fromkeys([link.target, quote(link.target)])
        )
        pattern = re.compile(
            r"(?<!!)\[[^\]\n]*\]\(\s*<?(?:" + written + r")>?(?:\s+\"[^\"\n]*\")?\s*\)"
        )
        body = pattern.sub(lambda _match: replacement, body)  # noqa: B023 (used at once)
    return head + body


def _label(link: Link) -> str:
    return link.label or link.target


def outgoing(
    source: KnowledgeBase, target: KnowledgeBase, source_name: str, rel: str, text: str
) -> tuple[str, list[str]]:
    """The shared note's text with its links to notes staying in ``source`` (and not found in
    ``target``) pointing back there, and a line for each."""
    said: list[str] = []

    def new_link(link: Link) -> str | None:
        try:
            where, path = source.follow_link_into(rel, link)
        except KBError:
            return None
        if where is not None or path == rel:
            return None
        try:
            target.follow_link_into(rel, link)
        except KBError:
            pass
        else:
            return None  # the team KB has that note too
        written = kb_link(source_name, path, _label(link))
        said.append(f"{_shown(link)} now reads {written} (the note stays in {source_name!r})")
        return written

    return rewrite_links(text, new_link), said


def incoming(
    source: KnowledgeBase, target_name: str, rel: str, notes_text: Callable[[str], str]
) -> Relinked:
    """The notes of ``source`` that link to the note ``rel`` (about to leave for the KB
    ``target_name``), their links rewritten to lead there."""
    found = Relinked()
    notes, _ = source.notes()
    for other in notes:
        if other.path == rel or not other.body.links:
            continue
        leads_here = [link for link in other.body.links if _leads_to(source, other.path, link, rel)]
        if not leads_here:
            continue
        targets = {(link.kind, link.target) for link in leads_here}

        def new_link(link: Link, targets: set[tuple[str, str]] = targets) -> str | None:
            if (link.kind, link.target) not in targets:
                return None
            return kb_link(target_name, rel, _label(link))

        before = notes_text(other.path)
        after = rewrite_links(before, new_link)
        if after != before:
            found.texts[other.path] = after
            found.said.append(f"{other.path}: its link now leads to {target_name}:{rel}")
    return found


def _leads_to(kb: KnowledgeBase, source: str, link: Link, rel: str) -> bool:
    try:
        return kb.follow_link_into(source, link) == (None, rel)
    except KBError:
        return False


def _shown(link: Link) -> str:
    from kb.notes.links import link_text

    return link_text(link)
