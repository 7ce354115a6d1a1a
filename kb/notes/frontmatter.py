"""YAML front matter: read it without hiding a note, change one field without touching the rest.

A note may start with a block between ``---`` lines. Reading never raises: a block that is
malformed, unclosed or not a mapping is reported in :attr:`FrontMatter.error` and the note is
still readable from its body. Editing works on the text itself, so comments, key order,
quoting and the body of the user's file stay byte-identical except for the field changed.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml


@functools.cache
def _yaml() -> Any:
    """PyYAML, imported the first time a front matter is read or written: a command that
    only searches the index (``kb search``) never pays for it."""
    import yaml

    return yaml


@functools.cache
def _loader() -> type:
    # The C loader is several times faster; fall back quietly where it is not built.
    return getattr(_yaml(), "CSafeLoader", None) or _yaml().SafeLoader


#: Front matter larger than this is not parsed (it is almost certainly not front matter).
MAX_FRONT_MATTER_CHARS = 64_000

_FENCE_OPEN = "---"
_FENCE_CLOSE = ("---", "...")
_KEY_LINE = re.compile(
    r"""^(?P<key>"[^"]*"|'[^']*'|[^\s#'"\-][^:#]*?|-[^\s:][^:#]*?)[ \t]*:(?:[ \t]|$)"""
)


@dataclass
class FrontMatter:
    """The result of splitting a note into front matter and body."""

    data: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    #: One line saying what is wrong with the block, or None when it is fine or absent.
    error: str | None = None
    #: True when the text starts with a front matter block (even a broken one).
    present: bool = False
    #: 1-based line number of the first body line in the original text.
    body_line: int = 1


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _bare(line: str) -> str:
    return line.rstrip("\r\n").rstrip()


def _block_bounds(text: str) -> tuple[int, int] | None:
    """Line indexes (opening, closing) of the front matter fences, or None when unclosed/absent."""
    lines = _lines(text)
    if not lines or _bare(lines[0].lstrip("\ufeff")) != _FENCE_OPEN:
        return None
    for index in range(1, len(lines)):
        if _bare(lines[index]) in _FENCE_CLOSE:
            return 0, index
    return None


def _yaml_error_line(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        # +2: one for the opening fence, one because marks count from zero.
        return f"front matter is not valid YAML (line {mark.line + 2}: {problem})"
    return f"front matter is not valid YAML ({problem})"


def parse(text: str) -> FrontMatter:
    """Split ``text`` into front matter fields and body. Never raises."""
    lines = _lines(text)
    if not lines or _bare(lines[0].lstrip("\ufeff")) != _FENCE_OPEN:
        return FrontMatter(body=text)
    bounds = _block_bounds(text)
    if bounds is None:
        # The whole text stays the body so that nothing the user wrote is hidden.
        return FrontMatter(body=text, present=True, error="front matter has no closing '---' line")
    _, close = bounds
    raw = "".join(lines[1:close])
    body = "".join(lines[close + 1 :])
    result = FrontMatter(body=body, present=True, body_line=close + 2)
    if len(raw) > MAX_FRONT_MATTER_CHARS:
        result.error = f"front matter is too large (over {MAX_FRONT_MATTER_CHARS:,} characters)"
        return result
    try:
        loaded = _yaml().load(raw, Loader=_loader())
    except _yaml().YAMLError as exc:
        result.error = _yaml_error_line(exc)
        return result
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # PyYAML raises these for odd scalars such as impossible dates.
        result.error = f"front matter has a value that cannot be read ({exc})"
        return result
    if loaded is None:
        return result
    if not isinstance(loaded, dict):
        result.error = "front matter is not a list of 'field: value' lines"
        return result
    result.data = {str(key): value for key, value in loaded.items()}
    return result


# --- editing -----------------------------------------------------------------------------


class Quoted(str):
    """A string value written in double quotes, so YAML never reads it as a date or a number."""

    __slots__ = ()


def dump_value(value: Any) -> str:
    """One-line YAML for a field value (scalars and flat lists)."""
    if isinstance(value, Quoted):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, list | tuple | set):
        return "[" + ", ".join(dump_value(item) for item in value) + "]"
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, _dt.date):
        return value.isoformat()
    yaml = _yaml()
    if isinstance(value, str) and not _plain(value):
        # Line breaks, control and odd characters: a double-quoted scalar with escapes.
        dumped = yaml.safe_dump(value, default_style='"', width=1_000_000, allow_unicode=False)
    else:
        dumped = yaml.safe_dump(value, default_flow_style=True, width=1_000_000, allow_unicode=True)
    dumped = dumped.strip()
    if dumped.endswith("\n..."):
        dumped = dumped[: -len("\n...")]
    if dumped.endswith("..."):
        dumped = dumped[:-3].rstrip()
    return dumped


def _plain(value: str) -> bool:
    return value.isprintable() and not any(char in value for char in "\x85\u2028\u2029\ufeff")


def _newline_of(text: str) -> str:
    first = text.find("\n")
    if first > 0 and text[first - 1] == "\r":
        return "\r\n"
    return "\n"


def _unquote(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"":
        return key[1:-1]
    return key.strip()


def _split_comment(value: str) -> tuple[str, str]:
    """Split ``value  # comment`` into value and the comment (with its leading spaces)."""
    quote: str | None = None
    for index, char in enumerate(value):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"" and (index == 0 or value[index - 1] in " \t[,{:"):
            quote = char
        elif char == "#" and index > 0 and value[index - 1] in " \t":
            start = index
            while start > 0 and value[start - 1] in " \t":
                start -= 1
            return value[:start], value[start:]
    return value, ""


@dataclass
class _FieldSpan:
    start: int  # first line index of the field
    end: int  # one past its last line
    value_text: str  # text after "key:" on the first line, without newline


def _find_field(lines: list[str], close: int, key: str) -> _FieldSpan | None:
    index = 1
    while index < close:
        match = _KEY_LINE.match(lines[index])
        if match and _unquote(match.group("key")) == key:
            end = index + 1
            while end < close:
                line = lines[end]
                stripped = _bare(line)
                if (
                    stripped == ""
                    or line[:1] in " \t"
                    or stripped.startswith("- ")
                    or stripped == "-"
                ):
                    end += 1
                    continue
                break
            # Trailing blank lines belong to the layout, not to this field.
            while end > index + 1 and _bare(lines[end - 1]) == "":
                end -= 1
            first = lines[index].rstrip("\r\n")
            return _FieldSpan(index, end, first[match.end() :])
        index += 1
    return None


def set_field(text: str, key: str, value: Any) -> str:
    """Return ``text`` with front matter field ``key`` set to ``value``.

    Only the lines of that field change; a comment after a one-line value is kept. When the
    field is missing it is added at the end of the block; when the note has no front matter a
    block is added at the top. Raises ValueError when the existing block cannot be edited
    safely (unclosed), so the caller can refuse instead of damaging the file.
    """
    newline = _newline_of(text)
    rendered = f"{key}: {dump_value(value)}"
    lines = _lines(text)
    has_fence = bool(lines) and _bare(lines[0].lstrip("\ufeff")) == _FENCE_OPEN
    if not has_fence:
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        rest = text[len(bom) :]
        return f"{bom}---{newline}{rendered}{newline}---{newline}{rest}"
    bounds = _block_bounds(text)
    if bounds is None:
        raise ValueError("front matter has no closing '---' line; fix it before kb can edit it")
    _, close = bounds
    span = _find_field(lines, close, key)
    if span is None:
        lines.insert(close, rendered + newline)
        return "".join(lines)
    comment = ""
    if span.end == span.start + 1:
        _, comment = _split_comment(span.value_text)
    ending = lines[span.end - 1][len(lines[span.end - 1].rstrip("\r\n")) :] or newline
    lines[span.start : span.end] = [rendered + comment + ending]
    return "".join(lines)


def add_to_list(text: str, key: str, item: Any) -> str:
    """Return ``text`` with ``item`` appended to list field ``key`` (no change if present).

    A block list (``- item`` lines) gets one more line in the same style; a flow list or a
    scalar is rewritten as a flow list; a missing field is added.
    """
    parsed = parse(text)
    current = parsed.data.get(key)
    if current is None:
        return set_field(text, key, [item])
    values = list(current) if isinstance(current, list) else [current]
    if any(str(existing) == str(item) for existing in values):
        return text
    lines = _lines(text)
    bounds = _block_bounds(text)
    if bounds is not None:
        span = _find_field(lines, bounds[1], key)
        if span is not None and span.end > span.start + 1 and span.value_text.strip() in ("", "#"):
            last = lines[span.end - 1]
            bare = last.rstrip("\r\n")
            stripped = bare.lstrip()
            if stripped.startswith("-"):
                indent = bare[: len(bare) - len(stripped)]
                newline = last[len(bare) :] or _newline_of(text)
                if not last.endswith(("\n", "\r")):
                    lines[span.end - 1] = last + _newline_of(text)
                lines.insert(span.end, f"{indent}- {dump_value(item)}{newline}")
                return "".join(lines)
    return set_field(text, key, [*values, item])


def remove_field(text: str, key: str) -> str:
    """Return ``text`` without front matter field ``key`` (its lines only); unchanged when the
    field or the block is missing. Raises ValueError for an unclosed block, like set_field."""
    lines = _lines(text)
    if not lines or _bare(lines[0].lstrip("\ufeff")) != _FENCE_OPEN:
        return text
    bounds = _block_bounds(text)
    if bounds is None:
        raise ValueError("front matter has no closing '---' line; fix it before kb can edit it")
    span = _find_field(lines, bounds[1], key)
    if span is None:
        return text
    del lines[span.start : span.end]
    return "".join(lines)
