"""Fixtures of the app's tests: a KB with notes of every shape the screens show."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kb import KnowledgeBase
from tests.helpers import PRINTER_NOTE, UPDATE_NOTE, VPN_NOTE, built_once, use_engine, write

SCRIPTS_NOTE = """
---
title: Reset the network stack
type: fix
status: wip
tags: [network]
---
## Issue
No network at all after a VPN client uninstall.

## Resolution
First flush DNS:

```cmd
ipconfig /flushdns
```

Then reset Winsock:

```cmd
netsh winsock reset
```

See the [printer note](../printer-offline.md) and [[vpn-no-intranet|the VPN note]].
"""


@pytest.fixture
def tui_root(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KB with four notes, committed and indexed (Whoosh: the TUI is engine-neutral)."""
    return built_once(tmp_path_factory, "tui", _four_notes, tmp_path / "kb")


def _four_notes(root: Path) -> None:
    KnowledgeBase.init(root)
    use_engine(root, "whoosh")
    write(root, "notes/printer-offline.md", PRINTER_NOTE)
    write(root, "notes/updates/windows-update-0x80070005.md", UPDATE_NOTE)
    write(root, "notes/vpn-no-intranet.md", VPN_NOTE)
    write(root, "notes/network/reset-network-stack.md", SCRIPTS_NOTE)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "Add notes"], cwd=root, check=True, capture_output=True)
    with KnowledgeBase.open(root) as kb:
        kb.reindex()
