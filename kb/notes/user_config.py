"""The user's config file (``$KB_CONFIG`` or the platform's config folder): which KB
``kb`` opens, the KBs searched as one (``[kbs]``), and the personal KB's place."""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.notes.errors import KBError


def shown(value: object) -> str:
    """A value from a config file as a message shows it: quoted, at most 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def user_config_path() -> Path:
    """The user's config file: ``$KB_CONFIG`` or the platform's config folder."""
    override = os.environ.get("KB_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path as _config_dir

    return _config_dir("kb") / "config.toml"


def personal_kb_path() -> Path:
    """Where the personal KB lives when no other KB is configured."""
    from platformdirs import user_data_path

    return user_data_path("kb") / "personal"


def load_user_config() -> dict[str, Any]:
    """The user's config as a dict; empty when missing. Raises KBError when unreadable."""
    path = user_config_path()
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except RecursionError as exc:
        raise KBError(f"config file {path} cannot be read: nested too deeply") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KBError(f"config file {path} cannot be read: {exc}") from exc


def remember_kb(root: Path) -> str | None:
    """Make ``root`` the KB that ``kb`` opens when nothing else names one, by adding a
    ``kb = "..."`` line to the user's config; say what was done, or None when the config
    already chooses a KB (``kb`` or ``[kbs]``: the user's choice is never changed).

    Only that line is added (above the first table, where TOML wants top-level keys); the
    rest of the file is kept byte for byte. Raises KBError when the config cannot be read.
    """
    from kb.notes import atomic
    from kb.notes.lock import FileLock

    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path.with_name(path.name + ".lock"), "your kb config"):
        config = load_user_config()
        if config.get("kb") or config.get("kbs") or config.get("default_kb"):
            return None
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        value = json.dumps(str(root), ensure_ascii=False)
        line = f"kb = {value}  # the KB kb opens when none is named (set by kb clone)\n"
        lines = text.splitlines(keepends=True)
        first_table = next(
            (n for n, each in enumerate(lines) if each.lstrip().startswith("[")), len(lines)
        )
        if first_table == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.insert(first_table, line)
        new_text = "".join(lines)
        try:
            understood = tomllib.loads(new_text).get("kb") == str(root)
        except tomllib.TOMLDecodeError:
            understood = False
        if not understood:
            raise KBError(f"could not add the KB to {path}; add: kb = '{root}'")
        atomic.write_text(path, new_text, root=path.parent)
    return f"kb now opens this KB by default (set in {path})"


@dataclass(frozen=True)
class KBLocation:
    """Which KB to open and why (for messages)."""

    path: Path
    source: str  # "option", "KB_DIR", "config", "personal"


def locate(option: str | os.PathLike[str] | None = None) -> KBLocation:
    """Choose the KB: ``--kb``, then ``$KB_DIR``, then the config file, then the personal KB."""
    if option:
        return KBLocation(Path(option).expanduser().resolve(), "option")
    env = os.environ.get("KB_DIR")
    if env:
        return KBLocation(Path(env).expanduser().resolve(), "KB_DIR")
    config = load_user_config()
    configured = config.get("kb")
    if isinstance(configured, str) and configured.strip():
        return KBLocation(Path(configured).expanduser().resolve(), "config")
    kbs = read_kbs(config)
    if kbs.default is not None:
        return KBLocation(kbs.folders[kbs.default], "config")
    return KBLocation(personal_kb_path(), "personal")


@dataclass(frozen=True)
class ConfiguredKBs:
    """The KBs a technician uses, from the user config's ``[kbs]`` table (short name = folder)
    and ``default_kb`` (where new notes go); empty when the config names none."""

    folders: dict[str, Path] = field(default_factory=dict)
    default: str | None = None
    problems: tuple[str, ...] = ()


def read_kbs(config: dict[str, Any] | None = None) -> ConfiguredKBs:
    """The ``[kbs]`` table and ``default_kb`` of the user config (read when not given).

    Entries that are not a name = folder text are skipped with a problem; a folder not given
    from the root (or ``~``) is taken from the home folder; without a valid ``default_kb``
    the first KB of the table is the default (a ``default_kb`` line written inside the table
    is taken as the setting, and said so).
    """
    if config is None:
        config = load_user_config()
    table = config.get("kbs")
    if table is None:
        return ConfiguredKBs()
    problems: list[str] = []
    if not isinstance(table, dict):
        return ConfiguredKBs(problems=('[kbs] should be a table of name = "folder"; ignored',))
    folders: dict[str, Path] = {}
    default = config.get("default_kb")
    for name, folder in table.items():
        if name == "default_kb":
            # TOML puts every line after "[kbs]" in that table: the setting was meant.
            placed = "" if default is not None else "; taken as the default KB"
            problems.append(
                f"[kbs] default_kb: this setting goes above the [kbs] line (below it, it "
                f"reads as a KB named default_kb){placed}"
            )
            default = folder if default is None else default
        elif not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}", name):
            problems.append(
                f"[kbs] {shown(name)}: a name is up to 40 ASCII letters, digits, - _ . ; skipped"
            )
        elif not isinstance(folder, str) or not folder.strip():
            problems.append(f"[kbs] {name} should name a folder; skipped")
        else:
            # A relative folder is taken from the home folder, wherever kb is started.
            where = (Path.home() / Path(folder).expanduser()).resolve()
            twin = next((other for other, known in folders.items() if known == where), None)
            if twin is not None:
                # One KB under two names would list every hit twice and sync it twice.
                problems.append(f"[kbs] {name}: the same folder as {twin}; skipped")
                continue
            folders[name] = where
    if not folders:
        return ConfiguredKBs(problems=tuple(problems))
    if default not in folders:
        if default is not None:
            problems.append(
                f"default_kb {shown(default)} is not in [kbs]; {next(iter(folders))} used"
            )
        default = next(iter(folders))
    return ConfiguredKBs(folders, str(default), tuple(problems))
