"""User key bindings: the ``[keys]`` table of the user config, mapping binding ids to keys.

Example ``~/.config/kb/config.toml``::

    [keys]
    new-note = "ctrl+k"
    copy-code = "y"
    help = "f1,f2"
"""

from __future__ import annotations

from typing import Any


def load_keymap() -> tuple[dict[str, str], list[str]]:
    """The user's keymap, and one-line warnings about what could not be used."""
    from kb.notes.errors import KBError
    from kb.notes.settings import load_user_config

    try:
        config = load_user_config()
    except KBError as exc:
        return {}, [str(exc)]
    return parse_keymap(config.get("keys"))


def parse_keymap(table: Any) -> tuple[dict[str, str], list[str]]:
    """Validate a ``[keys]`` table: string values only, everything else is reported."""
    if table is None:
        return {}, []
    if not isinstance(table, dict):
        return {}, ["[keys] in the config file should be a table; ignored"]
    keymap: dict[str, str] = {}
    warnings: list[str] = []
    for binding_id, keys in table.items():
        if isinstance(keys, list) and all(isinstance(key, str) for key in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not keys.strip():
            warnings.append(f'[keys] {binding_id}: give the keys as a string, e.g. "ctrl+k"')
            continue
        keymap[str(binding_id)] = ",".join(key.strip() for key in keys.split(","))
    return keymap, warnings
