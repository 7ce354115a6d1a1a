"""Links in a note as the app shows and follows them: ``[[wiki links]]``, relative links, URLs.

The core reads the links (:func:`kb.notes.markdown.replace_wiki_links`) and resolves them
(:meth:`kb.knowledgebase.KnowledgeBase.follow_link`), as ``kb check`` does: the app follows
exactly the links the check passes.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from kb.notes.markdown import Link, href_file, replace_wiki_links

#: The made-up scheme a ``[[wiki link]]`` becomes, so that Markdown renders it as a link.
WIKI_SCHEME = "wiki:"

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


@dataclass(frozen=True)
class LinkTarget:
    """Where a clicked link leads: a note (by reference), a web address, or a heading."""

    kind: str  # "note", "url" or "anchor"
    value: str
    #: For a note: the link as the core reads it, for :meth:`KnowledgeBase.follow_link`.
    link: Link | None = field(default=None, compare=False)


def to_markdown_links(body: str) -> str:
    """The body with ``[[name]]`` and ``[[name|label]]`` turned into Markdown links,
    documentation markup shown for what it means (callouts as callouts, images as their alt
    text) and control characters shown escaped (the app renders every note body through here).

    Code (fenced blocks and inline spans) is left alone: a command may contain ``[[``.
    """
    from kb.notes.control_chars import visible
    from kb.notes.markup import for_preview

    return replace_wiki_links(for_preview(visible(body)), _wiki_to_link)


def _wiki_to_link(link: Link) -> str:
    label = (link.label or link.target).replace("[", "\\[").replace("]", "\\]")
    return f"[{label}]({WIKI_SCHEME}{quote(link.target, safe='')})"


def resolve_href(href: str, note_path: str) -> LinkTarget:
    """What a link clicked in the note at ``note_path`` (relative to the KB root) points to.

    ``href`` is as Textual reports it: already percent-decoded.
    """
    href = href.strip()
    if href.startswith(WIKI_SCHEME):
        name = href[len(WIKI_SCHEME) :].split("#", 1)[0].strip()
        return LinkTarget("note", name, Link(name, "wiki", 0))
    if href.startswith("#"):
        return LinkTarget("anchor", href[1:])
    if _SCHEME.match(href) or href.startswith("//"):
        return LinkTarget("url", href)
    target = href_file(href)
    if not target:
        return LinkTarget("anchor", href.partition("#")[2])
    link = Link(target, "relative", 0)
    if target.startswith("/"):
        # A rooted link means "from the top of the KB" in most Markdown tools.
        return LinkTarget("note", posixpath.normpath(target.lstrip("/")), link)
    folder = posixpath.dirname(note_path)
    return LinkTarget("note", posixpath.normpath(posixpath.join(folder, target)), link)
