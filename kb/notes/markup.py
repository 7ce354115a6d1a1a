"""Markup that is not content: what documentation sites and cheat sheets write around the text.

Support articles copied from documentation sites carry admonition markers (``> [!NOTE]``),
``:::image ...:::`` blocks and ``[!INCLUDE [title](file)]`` lines; tldr-style pages mark a
command's letter mnemonics with brackets (``E[x]tract``, ``[c]reate``). None of it is a word a
technician types or wants to read in a snippet: :func:`plain` removes it from readable text
(so ``extract`` finds ``E[x]tract``), and :func:`for_preview` turns it into ordinary Markdown
for showing a note.
"""

from __future__ import annotations

import re

#: ``[!INCLUDE [title](file)]`` as written, and as left in text once the inner link is read.
_INCLUDE = re.compile(r"\[!include\b(?:[^\[\]\n]|\[[^\[\]\n]*\](?:\([^()\n]*\))?)*\]", re.I)
#: ``[!NOTE]``, ``[!important]``, Obsidian's foldable ``[!tip]-``.
_ADMONITION = re.compile(r"\[!([A-Za-z][\w-]{0,30})\][+-]?")
#: ``:::image type="content" source="x.png" alt-text="What it shows.":::`` and other
#: ``:::name ...:::`` directives on one line.
_DIRECTIVE = re.compile(r":::[ \t]*[A-Za-z][\w-]*(?P<attrs>[^\n]*?):::")
_ALT_TEXT = re.compile(r"""alt-text\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)')""")
#: A line that is only a block directive (``::: zone pivot="x"``, ``:::``).
_DIRECTIVE_LINE = re.compile(r"^[ \t>]*:::[^\n]*$", re.M)
#: One to three letters in brackets touching a letter: ``E[x]tract``, ``[c]reate``, ``a[ll]``.
_MNEMONIC = re.compile(r"(?<=[^\W\d_])\[([^\W\d_]{1,3})\]|\[([^\W\d_]{1,3})\](?=[^\W\d_])")


def _alt_text(match: re.Match[str]) -> str:
    alt = _ALT_TEXT.search(match.group("attrs"))
    return (alt.group(1) or alt.group(2) or "") if alt else ""


def _mnemonic(match: re.Match[str]) -> str:
    return match.group(1) or match.group(2)


def plain(text: str) -> str:
    """``text`` without markup that is not content; images keep their alt text."""
    if "[" not in text and ":::" not in text:
        return text
    text = _INCLUDE.sub("", text)
    text = _ADMONITION.sub("", text)
    text = _DIRECTIVE.sub(_alt_text, text)
    text = _DIRECTIVE_LINE.sub("", text)
    return _MNEMONIC.sub(_mnemonic, text)


_CALLOUT = re.compile(
    r"^(?P<lead>[ \t]*>[ \t]*)\[!(?P<kind>[A-Za-z][\w-]{0,30})\][+-]?[ \t]*(?P<rest>.*)$", re.M
)
_CODE_SPAN = re.compile(r"(`+[^`]*`+)")
#: Fenced code is shown as written.
_FENCE = re.compile(r"^[ \t]*(```|~~~)")


def _callout(match: re.Match[str]) -> str:
    kind = match.group("kind").replace("-", " ").capitalize()
    rest = match.group("rest").strip()
    return f"{match.group('lead')}**{kind}**" + (f" {rest}" if rest else "")


def _image(match: re.Match[str]) -> str:
    alt = _alt_text(match)
    return f"*[image: {alt}]*" if alt else ""


def _display_line(line: str) -> str:
    line = _CALLOUT.sub(_callout, line)
    line = _INCLUDE.sub("", line)
    line = _DIRECTIVE.sub(_image, line)
    if _DIRECTIVE_LINE.fullmatch(line):
        return ""
    # Inline code is shown as written: "grep [abc]def" is a command, not a mnemonic.
    parts = _CODE_SPAN.split(line)
    return "".join(
        part if index % 2 else _MNEMONIC.sub(_mnemonic, part) for index, part in enumerate(parts)
    )


def for_preview(markdown: str) -> str:
    """Markdown for showing a note: callouts as a bold label in their quote, images as their
    alt text, includes and block directives left out, mnemonic brackets dropped; code as is."""
    if "[" not in markdown and ":::" not in markdown:
        return markdown
    lines = markdown.split("\n")
    fenced = False
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines[number] = _display_line(line)
    return "\n".join(lines)
