"""A note's Markdown sections edited in place: every byte outside the change stays as it was.

Sections are found by kb's names for them (``issue``, ``resolution``, ``updates``, ... see
:func:`kb.notes.markdown.canonical_section`), with the same Markdown reader as the rest of kb, so a
heading inside a code block is never taken for one. Line endings follow the note's own.
"""

from __future__ import annotations

from kb.notes import frontmatter
from kb.notes.markdown import canonical_section, parse_body


def newline_of(text: str) -> str:
    """The note's line ending: ``\\r\\n`` when its first line has one, else ``\\n``."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def split_body(text: str) -> tuple[str, list[str]]:
    """The front matter part of ``text`` (as is) and the body's lines (with their endings)."""
    body = frontmatter.parse(text).body
    if body != text and text.endswith(body):
        return text[: len(text) - len(body)], body.splitlines(keepends=True)
    return "", text.splitlines(keepends=True)


def section_span(lines: list[str], name: str) -> tuple[int, int] | None:
    """(heading line, end) indexes in body ``lines`` of the first section named ``name``."""
    headings = parse_body("".join(lines)).headings
    for index, heading in enumerate(headings):
        if canonical_section(heading.text) != name or heading.line < 1:
            continue
        start = heading.line - 1
        if not lines[start].lstrip().startswith("#") and start + 1 < len(lines):
            start += 1  # a heading underlined with === or ---
        end = len(lines)
        for later in headings[index + 1 :]:
            if later.level <= heading.level:
                end = later.line - 1
                break
        return start, end
    return None


def has_section(text: str, name: str) -> bool:
    """True when the note has a section kb calls ``name``."""
    return section_span(split_body(text)[1], name) is not None


def append_section(text: str, heading: str, content: str = "") -> str:
    """``text`` with ``## heading`` (and ``content``) added at the end, after a blank line."""
    newline = newline_of(text)
    if text and not text.endswith(("\n", "\r")):
        text += newline
    lines = text.splitlines(keepends=True)
    gap = newline if lines and lines[-1].strip() else ""
    block = f"## {heading}{newline}" + (f"{content}{newline}" if content else "")
    return text + gap + block


def append_to_section(text: str, name: str, heading: str, content: str) -> str:
    """``text`` with ``content`` as the line right under the last written line of section
    ``name`` (a log entry). When the note has no such section, ``## heading`` is added at the end.
    """
    return _insert_after_last_line(text, name, heading, content, separate=False)


def add_paragraph(text: str, name: str, heading: str, content: str) -> str:
    """Like :func:`append_to_section`, with a blank line between old and new text."""
    return _insert_after_last_line(text, name, heading, content, separate=True)


def insert_section_before(text: str, before: str, heading: str, content: str) -> str:
    """``## heading`` with ``content`` placed just before section ``before`` (else at the end)."""
    newline = newline_of(text)
    head, lines = split_body(text)
    span = section_span(lines, before)
    if span is None:
        return append_section(text, heading, content.replace("\n", newline))
    block = [f"## {heading}{newline}", content.replace("\n", newline) + newline, newline]
    lines[span[0] : span[0]] = block
    return head + "".join(lines)


def prepend_section(text: str, heading: str, content: str) -> str:
    """``## heading`` with ``content`` as the first thing of the body."""
    newline = newline_of(text)
    head, lines = split_body(text)
    block = [f"## {heading}{newline}", content.replace("\n", newline) + newline, newline]
    return head + "".join(block + lines)


def replace_section_text(text: str, name: str, heading: str, content: str) -> str:
    """``text`` with the text of section ``name`` replaced by ``content`` (added first if none).

    Blank lines between the section and the next heading are kept.
    """
    newline = newline_of(text)
    head, lines = split_body(text)
    span = section_span(lines, name)
    if span is None:
        return prepend_section(text, heading, content)
    start, end = span
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    lines[start + 1 : end] = [line + newline for line in content.splitlines()]
    return head + "".join(lines)


def _insert_after_last_line(
    text: str, name: str, heading: str, content: str, *, separate: bool
) -> str:
    newline = newline_of(text)
    content = content.replace("\n", newline)
    head, lines = split_body(text)
    span = section_span(lines, name)
    if span is None:
        return append_section(text, heading, content)
    start, end = span
    last = start  # the heading itself when the section is empty
    for index in range(start + 1, end):
        if lines[index].strip():
            last = index
    if not lines[last].endswith(("\n", "\r")):
        lines[last] += newline
    gap = [newline] if separate and last > start else []
    lines[last + 1 : last + 1] = [*gap, content + newline]
    return head + "".join(lines)
