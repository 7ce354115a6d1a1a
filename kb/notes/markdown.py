"""The Markdown structure of a note: headings, the KCS sections, links, code and plain text."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import unquote

from kb.notes.markup import plain

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

#: Section headings, in the words authors actually use, mapped to kb's four sections.
SECTION_NAMES: dict[str, str] = {
    "issue": "issue",
    "issues": "issue",
    "problem": "issue",
    "symptom": "issue",
    "symptoms": "issue",
    "question": "issue",
    "summary": "issue",
    "environment": "environment",
    "applies to": "environment",
    "scope": "environment",
    "resolution": "resolution",
    "solution": "resolution",
    "fix": "resolution",
    "workaround": "resolution",
    "answer": "resolution",
    "steps": "resolution",
    "cause": "cause",
    "root cause": "cause",
    "causes": "cause",
    "updates": "updates",
    "reading path": "reading path",
}

#: ``[[target]]``, ``[[target#heading]]``, ``[[target|label]]``: the one wiki-link syntax kb reads.
WIKI_LINK = re.compile(r"\[\[([^\[\]|#\n]+)(?:#[^\[\]|\n]*)?(?:\|([^\[\]\n]*))?\]\]")
_CODE_SPAN = re.compile(r"(`+)[^`].*?\1|``", re.S)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
_TAG = re.compile(r"<[^>]{0,500}>")


@dataclass
class Heading:
    """A heading of the note."""

    level: int
    text: str
    line: int  # 1-based, in the body


@dataclass
class Link:
    """A link from a note to another note: ``[[wiki]]`` or a relative Markdown link."""

    target: str
    kind: str  # "wiki" or "relative"
    line: int
    label: str = ""


@dataclass
class CodeBlock:
    """A fenced or indented code block (commands a technician may copy)."""

    language: str
    code: str
    line: int


@dataclass
class Body:
    """What kb reads from a note's Markdown body (shared between reads of the same text:
    never changed once read)."""

    headings: list[Heading] = field(default_factory=list)
    #: Text of the KCS sections by canonical name ("issue", "environment", "resolution", "cause").
    sections: dict[str, str] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)
    #: The readable text, without Markdown syntax or link addresses, for search.
    text: str = ""

    @property
    def first_heading(self) -> str | None:
        """Text of the first heading, if any."""
        return self.headings[0].text if self.headings else None


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def canonical_section(heading: str) -> str | None:
    """kb's name for a section heading ("Symptoms" -> "issue"), or None."""
    key = re.sub(r"[^a-z ]+", "", heading.lower()).strip()
    return SECTION_NAMES.get(key)


#: Bodies read lately, by their text: screens that read every note (health, follow-ups,
#: guides) and the index read the same unchanged notes again and again, and parsing Markdown
#: is most of a note's reading time. Bounded by the text it holds; shared, so never changed.
_READ: OrderedDict[str, Body] = OrderedDict()
_READ_LOCK = threading.Lock()
_READ_CHARS = [0]
#: Characters of note text the memo may hold, and the longest body it keeps.
READ_MEMO_CHARS = 16_000_000
READ_MEMO_LONGEST = 256_000


def parse_body(body: str) -> Body:
    """Read the structure of a Markdown body. Never raises on any text.

    The result may be shared with another note of the same text: treat it as read-only.
    """
    with _READ_LOCK:
        known = _READ.get(body)
        if known is not None:
            _READ.move_to_end(body)
            return known
    result = _parse_body(body)
    if len(body) <= READ_MEMO_LONGEST:
        with _READ_LOCK:
            if body not in _READ:
                _READ[body] = result
                _READ_CHARS[0] += len(body)
                while _READ_CHARS[0] > READ_MEMO_CHARS and _READ:
                    dropped, _body = _READ.popitem(last=False)
                    _READ_CHARS[0] -= len(dropped)
    return result


def _parse_body(body: str) -> Body:
    result = Body()
    try:
        tokens = _parser().parse(body)
    except Exception:
        result.text = body
        return result
    source_lines = body.splitlines(keepends=True)
    text_parts: list[str] = []
    open_heading: int | None = None
    for token in tokens:
        line = token.map[0] + 1 if token.map else 0
        if token.type == "heading_open":
            open_heading = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
        elif token.type == "inline":
            content = plain(_inline_text(token))
            if open_heading is not None:
                result.headings.append(Heading(open_heading, content.strip(), line))
                open_heading = None
            text_parts.append(content)
            _collect_links(token, line, result.links)
        elif token.type in ("fence", "code_block"):
            language = token.info.strip().split(" ")[0] if token.info else ""
            result.code_blocks.append(CodeBlock(language, token.content, line))
            text_parts.append(token.content)
        elif token.type == "html_block":
            text_parts.append(_TAG.sub(" ", token.content))
    result.text = "\n".join(part for part in text_parts if part)
    result.sections = _sections(result.headings, source_lines)
    return result


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "html_inline":
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def _collect_links(token: Token, line: int, links: list[Link]) -> None:
    raw = _CODE_SPAN.sub(" ", token.content)
    for match in WIKI_LINK.finditer(raw):
        link = _wiki_link(match, line)
        if link is not None:
            links.append(link)
    children = token.children or ()
    for index, child in enumerate(children):
        if child.type != "link_open":
            continue
        href = str(child.attrs.get("href", "")).strip()
        # A link from the KB's top ("/notes/a.md") is a link between notes too; a web
        # address, a link within the note and "//host/..." are not.
        if not href or href.startswith(("#", "//")) or _SCHEME.match(href):
            continue
        target = href_file(href)
        if not target:
            continue
        label = children[index + 1].content if index + 1 < len(children) else ""
        links.append(Link(target, "relative", line, label))


def href_file(href: str) -> str:
    """The file a relative link's address names: without its ``#anchor`` and ``?query``, and
    decoded (the parser writes the address as a URL: "heading%20only.md", "caf%C3%A9.md")."""
    return unquote(href.split("#", 1)[0].split("?", 1)[0])


def _wiki_link(match: re.Match[str], line: int) -> Link | None:
    target = match.group(1).strip()
    return Link(target, "wiki", line, (match.group(2) or "").strip()) if target else None


def replace_wiki_links(body: str, replace: Callable[[Link], str | None]) -> str:
    """``body`` with every ``[[wiki link]]`` :func:`parse_body` reads as a link replaced by
    ``replace(link)`` (kept as written when that is None). Code (fenced and indented
    blocks, inline spans) and HTML blocks are left alone, as the parser leaves them: a
    command may contain ``[[``."""
    if "[[" not in body:
        return body
    try:
        tokens = _parser().parse(body)
    except Exception:
        return body
    text_lines: set[int] = set()
    for token in tokens:
        if token.type == "inline" and token.map:
            text_lines.update(range(token.map[0], token.map[1]))
    out: list[str] = []
    for number, line in enumerate(body.splitlines(keepends=True)):
        if number in text_lines and "[[" in line:
            line = _replace_outside_code(line, number + 1, replace)
        out.append(line)
    return "".join(out)


def _replace_outside_code(line: str, number: int, replace: Callable[[Link], str | None]) -> str:
    def one(match: re.Match[str]) -> str:
        link = _wiki_link(match, number)
        replaced = replace(link) if link is not None else None
        return replaced if replaced is not None else match.group(0)

    parts: list[str] = []
    position = 0
    for span in _CODE_SPAN.finditer(line):
        parts.append(WIKI_LINK.sub(one, line[position : span.start()]))
        parts.append(span.group(0))
        position = span.end()
    parts.append(WIKI_LINK.sub(one, line[position:]))
    return "".join(parts)


def _sections(headings: list[Heading], lines: list[str]) -> dict[str, str]:
    sections: dict[str, str] = {}
    for index, heading in enumerate(headings):
        name = canonical_section(heading.text)
        if name is None or name in sections:
            continue
        end = len(lines)
        for later in headings[index + 1 :]:
            if later.level <= heading.level:
                end = later.line - 1
                break
        sections[name] = "".join(lines[heading.line : end]).strip()
    return sections
