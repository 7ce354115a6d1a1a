"""HTML from service-desk exports turned into plain text, with the standard library's parser."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|<!--|<br\s*/?>", re.I)
_ESCAPED_TAG = re.compile(r"&lt;/?[a-zA-Z][a-zA-Z0-9]*(?:\s.*?)?/?&gt;", re.I | re.S)
_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "blockquote", "pre", "table", "tr",
    "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "address", "form",
}  # fmt: skip
_SKIPPED = {"script", "style", "head", "title", "template"}


def looks_like_html(text: str) -> bool:
    """True when ``text`` holds HTML tags (or HTML escaped once more, as GLPI stores it)."""
    return bool(_TAG.search(text) or _ESCAPED_TAG.search(text))


def html_to_text(markup: str) -> str:
    """Readable plain text: paragraphs and line breaks kept, list items as "- ", links as
    "text (address)", scripts and styles dropped, entities decoded."""
    if _ESCAPED_TAG.search(markup) and not _TAG.search(markup):
        markup = html.unescape(markup)  # stored escaped: &lt;p&gt;...
    parser = _TextParser()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:
        return _tidy(markup)
    return _tidy("".join(parser.parts))


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._pre = 0
        self._href: list[str | None] = []
        self._link_start: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append(" | ")
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))
            self._link_start.append(len(self.parts))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")
        elif tag == "pre":
            self._pre += 1
            self.parts.append("\n\n```\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self._href:
            href = self._href.pop()
            start = self._link_start.pop()
            label = "".join(self.parts[start:]).strip()
            if href and href.startswith(("http://", "https://")) and href != label:
                self.parts.append(f" ({href})")
        elif tag == "pre" and self._pre:
            self._pre -= 1
            self.parts.append("\n```\n\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:
            self.parts.append(data)
        else:
            self.parts.append(re.sub(r"\s+", " ", data))


def _tidy(text: str) -> str:
    text = text.replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    cleaned: list[str] = []
    for line in lines:
        line = line.removeprefix(" | ") if line.startswith(" | ") else line
        line = line.lstrip(" ") if not line.startswith("    ") else line
        if not line and cleaned and not cleaned[-1]:
            continue
        cleaned.append(line)
    return "\n".join(cleaned).strip("\n")
