"""User key bindings: the ``[keys]`` table of the user config, mapping action ids to keys.

Example ``~/.config/kb/config.toml``::

    [keys]
    new-note = "ctrl+k"
    copy-code = "y"
    back = "escape,ctrl+b"   # back, on every screen
    help = "f1,f2"

Ids come from the action registry (kb.tui.actions). Ids of earlier versions (``ticket-back``,
``close-editor`` ...) still apply: each is read as the action it is now part of.
"""

from __future__ import annotations

from typing import Any

from kb.tui.actions import aliases, binding_ids


def load_keymap() -> tuple[dict[str, str], list[str]]:
    """The user's keymap (action id -> keys), and one-line warnings about what was not used."""
    from kb.notes.errors import KBError
    from kb.notes.user_config import load_user_config

    try:
        config = load_user_config()
    except KBError as exc:
        return {}, [str(exc)]
    return read_keymap(config.get("keys"))


def read_keymap(table: Any) -> tuple[dict[str, str], list[str]]:
    """A ``[keys]`` table as the app applies it: validated, earlier ids read as today's,
    unknown ids reported."""
    keymap, warnings = parse_keymap(table)
    keymap, alias_warnings = resolve_aliases(keymap)
    return keymap, warnings + alias_warnings + unknown_binding_ids(keymap)


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


def resolve_aliases(keymap: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The keymap with earlier ids renamed to the action they are now part of.

    Today's id wins over an earlier one; two earlier ids of one action that disagree keep
    the first, with a warning (they used to set the keys of two screens, now of both).
    """
    renamed = aliases()
    resolved = {name: keys for name, keys in keymap.items() if name not in renamed}
    warnings: list[str] = []
    taken_from: dict[str, str] = {}
    for name, keys in keymap.items():
        action_id = renamed.get(name)
        if action_id is None:
            continue
        if action_id in keymap:
            continue  # set under its own id as well: that one is the user's latest word
        if action_id in taken_from:
            if resolved[action_id] != keys:
                warnings.append(
                    f"[keys] {name}: {action_id} is one action on every screen now; "
                    f"its keys are taken from {taken_from[action_id]} "
                    f'(set {action_id} = "…" to choose)'
                )
            continue
        resolved[action_id] = keys
        taken_from[action_id] = name
    return resolved, warnings


def unknown_binding_ids(keymap: dict[str, str]) -> list[str]:
    """Warnings for ``[keys]`` entries that name no action of the app."""
    known = binding_ids()
    return [
        f"[keys] {name}: no such key binding id (see help)" for name in keymap if name not in known
    ]
