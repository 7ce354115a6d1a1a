"""How notes and search hits read on screen: badges, ages, highlighted snippets, header lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from kb.notes.control_chars import visible
from kb.search.results import age

if TYPE_CHECKING:
    from kb.notes.note import Note
    from kb.search.results import Hit

#: Status badge styles, from least to most trusted; the colours follow traffic lights.
STATUS_STYLES: dict[str, str] = {
    "validated": "bold green",
    "not-validated": "bold yellow",
    "wip": "bold cyan",
    "archived": "dim strike",
}
HIGHLIGHT_STYLE = "bold reverse"
#: Questions are open promises, not answers: their badge stands out from fix, guide, ...
QUESTION_STYLE = "bold magenta"
FLAG_MARK = "⚑"
FLAG_STYLE = "bold red"
#: A note a sync kept two versions of, until the user settles it.
CONFLICT_MARK = "⇄"
CONFLICT_STYLE = "bold yellow"


def one_line(text: str) -> str:
    """Text on one line: a title taken from a multi-line heading must not break a list row,
    and a control character in it is shown, never sent to the terminal."""
    return visible(" ".join(text.split()), lines=False)


def plural(count: int, word: str) -> str:
    """``1 ticket``, ``2 tickets``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def possessive(name: str) -> str:
    """``Ana's``, ``the maintainers'``: a name with the possessive English writes for it."""
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"


def status_badge(status: str) -> Text:
    """The note's KCS status as a coloured word (empty when the note has none)."""
    return Text(one_line(status), style=STATUS_STYLES.get(status, "bold")) if status else Text()


def kind_label(kind: str, note_type: str) -> str:
    """What a document is: "ticket" for a ticket record, else the note type (fix, guide, ...)."""
    return "ticket" if kind == "ticket" else (one_line(note_type) or "fix")


def kind_badge(kind: str, note_type: str) -> Text:
    """The kind label styled: a question stands out, the others are quiet italics."""
    label = kind_label(kind, note_type)
    return Text(label, style=QUESTION_STYLE if label == "question" else "italic")


def snippet_text(
    snippet: str, highlights: list[tuple[int, int]], lead: int = 24, limit: int | None = None
) -> Text:
    """A snippet with the matched words highlighted, starting shortly before the first match
    (the list cuts long lines, and the match is what the technician needs to see). With
    ``limit``, at most that many characters are kept from there: a line the list cuts at
    its width need not be measured in full."""
    flat = snippet.replace("\n", " ")
    spans = sorted((start, end) for start, end in highlights if 0 <= start < end <= len(flat))
    offset = 0
    if spans and spans[0][0] > lead + 8:
        cut = flat.rfind(" ", 0, spans[0][0] - lead)
        offset = cut + 1 if cut > 0 else spans[0][0] - lead
    if limit is not None and len(flat) > offset + limit:
        flat = flat[: offset + limit]
        spans = [(start, min(end, len(flat))) for start, end in spans if start < len(flat)]
    # Piece by piece, so that escaping a control character does not move the highlights.
    text = Text("…" if offset else "", style="dim")
    position = offset
    for start, end in spans:
        if end <= position:
            continue
        start = max(start, position)
        text.append(visible(flat[position:start], lines=False))
        text.append(visible(flat[start:end], lines=False), style=HIGHLIGHT_STYLE)
        position = end
    text.append(visible(flat[position:], lines=False))
    return text


def hit_meta(hit: Hit, now: float | None = None) -> Text:
    """The line under a hit's title: status, kind, language folder, tickets solved, age."""
    parts: list[Text] = []
    if hit.kb:
        parts.append(kb_badge(hit.kb))
    if hit.status:
        parts.append(status_badge(hit.status))
    parts.append(kind_badge(hit.kind, hit.type))
    if hit.language:
        parts.append(Text(hit.language, style="bold"))
    if hit.kind != "ticket":
        parts.append(Text(plural(hit.ticket_count, "ticket")))
    when = age(hit.modified, now)
    if when:
        parts.append(Text(when))
    if hit.flag:
        parts.append(Text(f"{FLAG_MARK} flagged", style=FLAG_STYLE))
    if hit.conflict:
        parts.append(Text(f"{CONFLICT_MARK} conflict waiting", style=CONFLICT_STYLE))
    return Text(" · ", style="dim").join(parts)


#: Colours of the KB markers, given to the KB names in turn (a name keeps its colour).
KB_COLOURS = ("bold cyan", "bold magenta", "bold green", "bold yellow", "bold blue", "bold red")


_kb_styles: dict[str, str] = {}


def colour_kbs(names: list[str]) -> None:
    """Give each KB its colour, in the config's order (so the first few never share one)."""
    _kb_styles.clear()
    for index, name in enumerate(names):
        _kb_styles[name] = KB_COLOURS[index % len(KB_COLOURS)]


def kb_style(name: str) -> str:
    """The colour of a KB's marker."""
    import zlib

    fallback = KB_COLOURS[zlib.crc32(name.encode("utf-8")) % len(KB_COLOURS)]
    return _kb_styles.get(name, fallback)


def kb_badge(name: str) -> Text:
    """A KB's short name as a coloured marker."""
    return Text(f"[{one_line(name)}]", style=kb_style(name))


def hit_prompt(hit: Hit, now: float | None = None, width: int = 0) -> Text:
    """A search result as two lines: the title, then the meta (status, kind, tickets, age)
    followed by the snippet, which the list cuts at its ``width`` (when given, the snippet
    keeps only as many characters as that line has cells, and a few more): more hits fit on
    a screen."""
    prompt = Text(one_line(hit.title) or one_line(hit.path), style="bold")
    prompt.append("\n")
    prompt.append_text(hit_meta(hit, now))
    limit = width + 16 if width > 0 else None
    snippet = snippet_text(hit.snippet, hit.highlights, limit=limit)
    if snippet.plain:
        prompt.append(" │ ", style="dim")
        prompt.append_text(snippet)
    return prompt


def note_meta(note: Note) -> Text:
    """A note's front matter as one compact line: type · status · tags · tickets."""
    parts: list[Text] = [kind_badge(note.kind, note.type)]
    if note.status:
        parts.append(status_badge(note.status))
    if note.tags:
        parts.append(Text(one_line(" ".join(f"#{tag}" for tag in note.tags)), style="cyan"))
    if note.tickets:
        parts.append(Text(one_line(", ".join(note.tickets)), style="magenta"))
    if note.systems:
        parts.append(Text(one_line(", ".join(note.systems)), style="dim"))
    question = _question_meta(note)
    if question:
        parts.append(Text(question, style="yellow"))
    meta = Text(" · ", style="dim").join(parts)
    from kb.notes.flags import flag_of

    flag = flag_of(note)
    if flag is not None:
        who = f" ({flag.by}, {flag.at})" if flag.by and flag.at else ""
        meta.append("\n")
        line = one_line(f"{flag.reason}{who}")
        meta.append(f"{FLAG_MARK} flagged for rework: {line}", style=FLAG_STYLE)
    return meta


def _question_meta(note: Note) -> str:
    # A question is a promise to a person: who waits and by when belongs in the header.
    if note.type != "question":
        return ""
    asked_by = str(note.fields.get("asked_by") or "").strip()
    promised = str(note.fields.get("promised") or "").strip()
    bits = [f"asked by {asked_by}" if asked_by else "", f"promised {promised}" if promised else ""]
    return one_line(", ".join(bit for bit in bits if bit))


def note_header(note: Note, *, conflict: bool = False, kb: str = "") -> Text:
    """Title line and meta line shown above a rendered note (and a line when a sync kept
    another version of it, waiting to be settled). ``kb``: the short name of the note's KB,
    marked first when the app works on several."""
    header = Text(one_line(note.title) or one_line(note.path), style="bold")
    header.append("\n")
    if kb:
        header.append_text(kb_badge(kb))
        header.append(" ")
    header.append_text(note_meta(note))
    if conflict:
        header.append("\n")
        header.append(
            f"{CONFLICT_MARK} conflict waiting: a sync kept another version of this note "
            "(command palette > Conflicts)",
            style=CONFLICT_STYLE,
        )
    return header
