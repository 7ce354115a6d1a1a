"""Links in a note as the app shows and follows them: ``[[wiki links]]``, relative links, URLs."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote

#: The made-up scheme a ``[[wiki link]]`` becomes, so that Markdown renders it as a link.
WIKI_SCHEME = "wiki:"

_WIKI_LINK = re.compile(r"\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]*))?\]\]")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


@dataclass(frozen=True)
class LinkTarget:
    """Where a clicked link leads: a note (by reference), a web address, or a heading."""

    kind: str  # "note", "url" or "anchor"
    value: str


def to_markdown_links(body: str) -> str:
    """The body with ``[[name]]`` and ``[[name|label]]`` turned into Markdown links, and
    control characters shown escaped (the app renders every note body through here).

    Code (fenced blocks and inline spans) is left alone: a command may contain ``[[``.
    """
    from kb.notes.control_chars import visible

    body = visible(body)
    out: list[str] = []
    fence: str | None = None
    for line in body.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if opening:
            fence = opening.group(1)
            out.append(line)
            continue
        out.append(_convert_outside_code(line))
    return "".join(out)


def _convert_outside_code(line: str) -> str:
    parts: list[str] = []
    position = 0
    for span in _CODE_SPAN.finditer(line):
        parts.append(_WIKI_LINK.sub(_wiki_to_link, line[position : span.start()]))
        parts.append(span.group(0))
        position = span.end()
    parts.append(_WIKI_LINK.sub(_wiki_to_link, line[position:]))
    return "".join(parts)


def _wiki_to_link(match: re.Match[str]) -> str:
    target = match.group(1).strip()
    label = (match.group(2) or "").strip() or target.split("#", 1)[0].strip() or target
    label = label.replace("[", "\\[").replace("]", "\\]")
    return f"[{label}]({WIKI_SCHEME}{quote(target, safe='')})"


def resolve_href(href: str, note_path: str) -> LinkTarget:
    """What a link clicked in the note at ``note_path`` (relative to the KB root) points to.

    ``href`` is as Textual reports it: already percent-decoded.
    """
    href = href.strip()
    if href.startswith(WIKI_SCHEME):
        name = href[len(WIKI_SCHEME) :].split("#", 1)[0].strip()
        return LinkTarget("note", name)
    if href.startswith("#"):
        return LinkTarget("anchor", href[1:])
    if _SCHEME.match(href) or href.startswith("//"):
        return LinkTarget("url", href)
    target = href.split("#", 1)[0].split("?", 1)[0]
    if not target:
        return LinkTarget("anchor", href.partition("#")[2])
    if target.startswith("/"):
        # A rooted link means "from the top of the KB" in most Markdown tools.
        return LinkTarget("note", posixpath.normpath(target.lstrip("/")))
    folder = posixpath.dirname(note_path)
    return LinkTarget("note", posixpath.normpath(posixpath.join(folder, target)))
