"""Settings: a KB's own ``kb.toml``, with the machine's own choices over it (the user's config
and an untracked local file)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.notes.errors import KBError
from kb.notes.problems import Problem
from kb.notes.ticket_ids import DEFAULT_PATTERNS
from kb.notes.user_config import load_user_config
from kb.notes.user_config import shown as _shown
from kb.notes.when import DEFAULT_END_OF_DAY, DEFAULT_PROMISE, DEFAULT_PROMISE_TIME

ENGINES = ("auto", "whoosh", "tantivy")
#: Ticket record fields a generic export's columns can be mapped to (``[import.mapping]``).
MAPPED_FIELDS = (
    "id",
    "title",
    "status",
    "opened",
    "resolved",
    "caller",
    "assignee",
    "category",
    "description",
    "resolution",
    "tags",
    "comments",
)
#: Notes bigger than this are indexed only up to this many bytes.
DEFAULT_MAX_FILE_BYTES = 1_000_000
#: ... and the values ``[search] max_file_bytes`` may take (1 kB to 1 GB).
MAX_FILE_BYTES_RANGE = (1_000, 1_000_000_000)
#: Questions and wip notes older than this many days are listed by ``kb stats``.
DEFAULT_STALE_DAYS = 14
#: ... and the values ``[health] stale_days`` may take (up to a hundred years).
STALE_DAYS_RANGE = (0, 36_500)


@dataclass
class Settings:
    """A KB's team settings, read from ``kb.toml`` (every key optional)."""

    ticket_patterns: tuple[str, ...] = DEFAULT_PATTERNS
    hash_numbers: bool = False
    ticket_url: str | None = None
    engine: str = "auto"
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    #: Extra regular expressions for secrets, and ones for lines that are not secrets.
    secret_patterns: tuple[str, ...] = ()
    secret_allow: tuple[str, ...] = ()
    #: The remote ``kb sync`` uses.
    remote: str = "origin"
    #: ``[questions]``: the promise made when none is named, what a day alone means, "eod".
    default_promise: str = DEFAULT_PROMISE
    promise_time: _dt.time = DEFAULT_PROMISE_TIME
    end_of_day: _dt.time = DEFAULT_END_OF_DAY
    stale_days: int = DEFAULT_STALE_DAYS
    #: ``[import.mapping]``: record field -> column (CSV) or key (JSON) of a generic export.
    import_mapping: dict[str, str] = field(default_factory=dict)
    #: ``[import] id_prefix``: put before bare-number ids of a generic export ("CASE-").
    import_id_prefix: str = ""
    #: ``[content]``: the folders that hold notes ("." is the whole work tree; empty: decide
    #: from the layout) and glob patterns of paths that are not notes.
    content_folders: tuple[str, ...] = ()
    content_exclude: tuple[str, ...] = ()
    #: ``[content] language``: the language of the notes no language folder marks ("en").
    main_language: str | None = None
    #: The user's language (``[search] language`` of the user config or ``.kb/local.toml``):
    #: searches rank notes in it above translations. None: the KB's main language.
    language: str | None = None
    #: ``[search] meaning``: "auto" (the meaning extra's model when installed), "off", or a
    #: model folder (named only by the user config or ``.kb/local.toml``).
    meaning: str = "auto"
    problems: list[Problem] = field(default_factory=list)

    def ticket_link(self, ticket_id: str) -> str | None:
        """The web address of a ticket (``[tickets] url``), or None when none is configured."""
        if not self.ticket_url:
            return None
        from urllib.parse import quote

        return self.ticket_url.replace("{id}", quote(ticket_id, safe=""))


def load_settings(root: Path) -> Settings:
    """Read ``<root>/kb.toml``. A missing or broken file gives the defaults and a problem."""
    from kb.notes import paths

    settings = Settings()
    path = paths.readable(root, "kb.toml")
    if path is None:
        # A teammate's kb.toml committed as a link to a file of this machine: never read.
        settings.problems.append(
            Problem(
                "kb.toml",
                "symlink leading outside the KB; not read, defaults used",
                level="error",
            )
        )
        return settings
    if not path.is_file():
        return settings
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        settings.problems.append(
            Problem("kb.toml", "not read, defaults used (nested too deeply)", level="error")
        )
        return settings
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        settings.problems.append(
            Problem("kb.toml", f"not read, defaults used ({exc})", level="error")
        )
        return settings
    tickets = _table(data, "tickets", settings)
    patterns = tickets.get("patterns")
    if isinstance(patterns, list) and all(isinstance(item, str) for item in patterns):
        settings.ticket_patterns = _valid_patterns(patterns, "patterns", settings)
    elif patterns is not None:
        settings.problems.append(
            Problem("kb.toml", "[tickets] patterns should be a list of patterns; ignored")
        )
    extra = tickets.get("extra_patterns")
    if isinstance(extra, list):
        settings.ticket_patterns += _valid_patterns(extra, "extra_patterns", settings)
    elif extra is not None:
        settings.problems.append(
            Problem("kb.toml", "[tickets] extra_patterns should be a list of patterns; ignored")
        )
    hash_numbers = tickets.get("hash_numbers", False)
    if isinstance(hash_numbers, bool):
        settings.hash_numbers = hash_numbers
    else:
        settings.problems.append(
            Problem(
                "kb.toml",
                f"[tickets] hash_numbers should be true or false; false used instead of "
                f"{_shown(hash_numbers)}",
            )
        )
    url = tickets.get("url")
    if isinstance(url, str) and "{id}" in url and url.startswith(("http://", "https://")):
        settings.ticket_url = url
    elif url is not None:
        settings.problems.append(
            Problem(
                "kb.toml",
                f"[tickets] url {url!r}: give a web address with {{id}} where the ticket id goes",
            )
        )
    search = _table(data, "search", settings)
    engine = search.get("engine", "auto")
    if engine in ENGINES:
        settings.engine = engine
    else:
        settings.problems.append(
            Problem("kb.toml", f"unknown search engine {engine!r}; use one of {', '.join(ENGINES)}")
        )
    meaning = search.get("meaning", settings.meaning)
    if meaning in ("auto", "off"):
        settings.meaning = meaning
    else:
        settings.problems.append(
            Problem(
                "kb.toml",
                f"[search] meaning {_shown(meaning)}: kb.toml takes auto or off; a model folder "
                "is named in your own config",
            )
        )
    settings.max_file_bytes = _number(
        search, "search", "max_file_bytes", MAX_FILE_BYTES_RANGE, DEFAULT_MAX_FILE_BYTES, settings
    )
    secrets = _table(data, "secrets", settings)
    for key, attribute in (("patterns", "secret_patterns"), ("allow", "secret_allow")):
        items = secrets.get(key)
        if isinstance(items, list):
            setattr(settings, attribute, _valid_patterns(items, key, settings, "secrets"))
        elif items is not None:
            settings.problems.append(Problem("kb.toml", f"[secrets] {key} should be a list"))
    _drop_broad_allow_rules(settings)
    sync = _table(data, "sync", settings)
    remote = sync.get("remote", settings.remote)
    if isinstance(remote, str) and remote.strip():
        settings.remote = remote.strip()
    else:
        settings.problems.append(
            Problem("kb.toml", "[sync] remote should be a remote's name; origin used")
        )
    _load_questions(_table(data, "questions", settings), settings)
    health = _table(data, "health", settings)
    settings.stale_days = _number(
        health, "health", "stale_days", STALE_DAYS_RANGE, DEFAULT_STALE_DAYS, settings
    )
    _import_settings(_table(data, "import", settings), settings)
    _content_settings(_table(data, "content", settings), settings)
    _local_choices(root, settings)
    return settings


def _local_choices(root: Path, settings: Settings) -> None:
    """A machine's own choices, never committed: ``[search] engine``, ``language`` and
    ``meaning`` of the user config, then of ``.kb/local.toml`` (this KB on this machine), over
    the team's kb.toml."""
    from kb.notes import paths

    tables: list[dict[str, Any]] = []
    # An unreadable user config is reported where it is used; the team's settings stand here.
    with contextlib.suppress(KBError):
        tables.append(load_user_config())
    local = paths.local_readable(root, "local.toml")
    if local is not None and local.is_file():
        try:
            tables.append(tomllib.loads(local.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
            settings.problems.append(Problem(".kb/local.toml", f"not read ({exc})"))
    for table in tables:
        search = table.get("search")
        engine = search.get("engine") if isinstance(search, dict) else None
        if engine in ENGINES:
            settings.engine = engine
        language = search.get("language") if isinstance(search, dict) else None
        if isinstance(language, str) and _LANGUAGE.fullmatch(language.strip()):
            settings.language = language.strip()
        meaning = search.get("meaning") if isinstance(search, dict) else None
        if isinstance(meaning, str) and meaning.strip():
            settings.meaning = meaning.strip()


#: A language's name as settings give it: ``en``, ``fr``, ``pt_BR``, ``de-AT``, or ``main``.
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z]{2,4})?|main")


def _content_settings(table: dict[str, Any], settings: Settings) -> None:
    language = table.get("language")
    if isinstance(language, str) and _LANGUAGE.fullmatch(language.strip()):
        settings.main_language = language.strip()
    elif language is not None:
        settings.problems.append(
            Problem("kb.toml", f"[content] language {_shown(language)}: give a code such as en")
        )
    for key, attribute in (("folders", "content_folders"), ("exclude", "content_exclude")):
        items = table.get(key)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            settings.problems.append(Problem("kb.toml", f"[content] {key} should be a list"))
            continue
        kept = []
        for item in items:
            cleaned = item.strip().strip("/") or "."
            parts = cleaned.split("/")
            if item.startswith("/") or ".." in parts or "\\" in cleaned:
                settings.problems.append(
                    Problem("kb.toml", f"[content] {key}: {_shown(item)} is not inside the KB")
                )
                continue
            kept.append(cleaned)
        setattr(settings, attribute, tuple(kept))


def _number(
    table: dict[str, Any],
    name: str,
    key: str,
    bounds: tuple[int, int],
    default: int,
    settings: Settings,
) -> int:
    """A whole-number setting within ``bounds``; the default and one problem otherwise (a huge
    number from a teammate's kb.toml must not overflow a read or a date)."""
    value = table.get(key, default)
    low, high = bounds
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    settings.problems.append(
        Problem(
            "kb.toml",
            f"[{name}] {key} should be a whole number from {low:,} to {high:,}; "
            f"{default:,} used instead of {_shown(value)}",
        )
    )
    return default


def _import_settings(table: dict[str, Any], settings: Settings) -> None:
    prefix = table.get("id_prefix", "")
    if isinstance(prefix, str) and re.fullmatch(r"[A-Za-z0-9#_-]{0,20}", prefix):
        settings.import_id_prefix = prefix
    else:
        settings.problems.append(
            Problem("kb.toml", f"[import] id_prefix {prefix!r}: use letters, digits and - only")
        )
    mapping = table.get("mapping", {})
    if not isinstance(mapping, dict):
        settings.problems.append(Problem("kb.toml", "[import.mapping] should be a table; ignored"))
        return
    for key, column in mapping.items():
        if key not in MAPPED_FIELDS:
            settings.problems.append(
                Problem(
                    "kb.toml",
                    f"[import.mapping] {key}: not a ticket field; use {', '.join(MAPPED_FIELDS)}",
                )
            )
        elif not isinstance(column, str) or not column.strip():
            settings.problems.append(
                Problem("kb.toml", f"[import.mapping] {key}: give the column name as a string")
            )
        else:
            settings.import_mapping[key] = column.strip()


def _load_questions(table: dict[str, Any], settings: Settings) -> None:
    from kb.notes.when import parse_clock, parse_when

    for key in ("promise_time", "end_of_day"):
        if key not in table:
            continue
        clock = parse_clock(str(table[key]))
        if clock is None:
            settings.problems.append(
                Problem("kb.toml", f"[questions] {key}: {table[key]!r} is not a time like '12:00'")
            )
        else:
            setattr(settings, key, clock)
    if "default_promise" in table:
        promise = table["default_promise"]
        try:
            parse_when(
                str(promise),
                _dt.datetime(2026, 1, 1, 9, 0),
                promise_time=settings.promise_time,
                end_of_day=settings.end_of_day,
            )
        except KBError as exc:
            settings.problems.append(
                Problem("kb.toml", f"[questions] default_promise: {exc}; the default is used")
            )
        else:
            settings.default_promise = str(promise)


def _drop_broad_allow_rules(settings: Settings) -> None:
    # kb.toml comes with the team's repository: an allow rule that would let plain secrets
    # through (".*", "password") is not followed, and the user hears of it.
    if not settings.secret_allow:
        return  # the usual case: the secret patterns are not even loaded
    from kb.notes.secrets import too_broad

    broad = [pattern for pattern in settings.secret_allow if too_broad(pattern)]
    if not broad:
        return
    settings.secret_allow = tuple(p for p in settings.secret_allow if p not in broad)
    shown = ", ".join(repr(p if len(p) <= 40 else p[:39] + "…") for p in broad[:3])
    settings.problems.append(
        Problem(
            "kb.toml",
            f"[secrets] allow {shown} would let real passwords and keys through; ignored "
            "(allow only the lines that are not secrets)",
        )
    )


def _valid_patterns(
    items: list[Any], key: str, settings: Settings, table: str = "tickets"
) -> tuple[str, ...]:
    # kb.toml comes with a teammate's commit: a pattern that could hang every search of a
    # note is refused here, with one line that names the setting (see kb.user_patterns).
    from kb.notes.user_patterns import refusal

    valid: list[str] = []
    for item in items:
        why = refusal(item)
        if why is not None:
            settings.problems.append(
                Problem("kb.toml", f"[{table}] {key}: {_shown(item)} skipped: {why}")
            )
            continue
        valid.append(item)
    return tuple(valid)


def _table(data: dict[str, Any], name: str, settings: Settings) -> dict[str, Any]:
    value = data.get(name, {})
    if isinstance(value, dict):
        return value
    settings.problems.append(Problem("kb.toml", f"[{name}] should be a table; ignored"))
    return {}
