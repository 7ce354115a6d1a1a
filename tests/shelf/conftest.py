"""Three real KBs named in the user config: a personal one and two team repositories, each
team one with a bare repository as its server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from kb import KnowledgeBase
from tests.helpers import Cli, git, write

PERSONAL_NOTE = """\
---
title: Outlook password prompt loop, my quick fix
type: fix
status: wip
---
## Resolution
Clear the Outlook credentials in Credential Manager, then see [[vpn-split-tunnel]].
"""

VPN_PERSONAL = """\
---
title: VPN split tunnel
type: fix
tickets: [INC0077001]
---
## Resolution
Turn off split tunnel on the VPN profile.
"""

TEAM_NOTE = """\
---
title: Outlook keeps asking for the password after mailbox move
type: fix
status: validated
---
## Resolution
Remove the cached Outlook password and recreate the profile.
"""

TEAM_GUIDE = """\
---
title: Team onboarding
type: guide
---
1. [[outlook-password]]
"""

SECOND_TEAM_NOTE = """\
---
title: Outlook password expired on shared mailbox
type: fix
---
## Resolution
Reset the shared mailbox password in the admin centre.
"""


@dataclass
class Shelf:
    """The three KBs, their servers and the config file naming them."""

    personal: Path
    team: Path
    ops: Path
    team_server: Path
    ops_server: Path
    config: Path
    cli: Cli


def _team(tmp_path: Path, name: str, rel: str, text: str) -> tuple[Path, Path]:
    server = tmp_path / f"{name}.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(server))
    root = tmp_path / name
    KnowledgeBase.init(root).close()
    write(root, rel, text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Team notes")
    git(root, "remote", "add", "origin", str(server))
    git(root, "push", "-q", "-u", "origin", "main")
    return root, server


def write_config(path: Path, kbs: dict[str, Path], default: str) -> None:
    lines = [f'default_kb = "{default}"', "", "[kbs]"]
    lines += [f'{name} = "{folder}"' for name, folder in kbs.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def shelf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shelf:
    personal = tmp_path / "personal"
    KnowledgeBase.init(personal).close()
    write(personal, "notes/outlook-quick-fix.md", PERSONAL_NOTE)
    write(personal, "notes/vpn-split-tunnel.md", VPN_PERSONAL)
    git(personal, "add", "-A")
    git(personal, "commit", "-qm", "My notes")
    team, team_server = _team(tmp_path, "team", "notes/outlook-password.md", TEAM_NOTE)
    ops, ops_server = _team(tmp_path, "ops", "notes/shared-mailbox.md", SECOND_TEAM_NOTE)
    config = tmp_path / "config.toml"
    write_config(config, {"me": personal, "team": team, "ops": ops}, "me")
    monkeypatch.setenv("KB_CONFIG", str(config))
    return Shelf(personal, team, ops, team_server, ops_server, config, Cli(None))
