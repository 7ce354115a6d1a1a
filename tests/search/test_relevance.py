"""Finding the article when the caller's words differ from the article's: error codes typed
without ``0x``, cheat-sheet mnemonics, documentation markup, other names of a note."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import KnowledgeBase
from tests.helpers import use_engine, write

OUTLOOK = "notes/outlook-send-error.md"
SIGNIN = "notes/teams-sign-in.md"
TAR = "notes/tar.md"
BACKUP = "notes/registry-backup.md"

OUTLOOK_NOTE = """---
title: Outlook cannot send, the operation failed
---
## Issue
Sending fails with 0x8004010F after the mailbox moved.
"""
SIGNIN_NOTE = """---
title: Teams sign-in fails on shared devices
---
## Issue
The sign-in window shows error CAA70004, sometimes 0XCAA80000.
"""
TAR_NOTE = """# tar

> Archiving utility.

- E[x]tract a (compressed) archive [f]ile into the current directory [v]erbosely:

`tar xvf path/to/source.tar[.gz|.bz2|.xz]`

- [c]reate an archive and write it to a [f]ile:

`tar cf path/to/target.tar path/to/file1`
"""
BACKUP_NOTE = """---
title: Back up the registry before editing it
aliases: [regedit safety net, OOF]
description: How to save a copy of the registry hive so a bad edit can be undone.
---
> [!IMPORTANT]
> Follow the steps carefully.

:::image type="content" source="media/backup.png" alt-text="Screenshot of the export dialog.":::

[!INCLUDE [Registry important alert](../includes/registry-important-alert.md)]

Export the key with reg export.
"""


@pytest.fixture
def kb(tmp_path: Path, engine: str) -> KnowledgeBase:
    root = tmp_path / "kb"
    use_engine(root, engine)
    for path, text in (
        (OUTLOOK, OUTLOOK_NOTE),
        (SIGNIN, SIGNIN_NOTE),
        (TAR, TAR_NOTE),
        (BACKUP, BACKUP_NOTE),
    ):
        write(root, path, text)
    kb = KnowledgeBase(root)
    kb.reindex()
    return kb


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("8004010F", OUTLOOK),
        ("8004010f", OUTLOOK),
        ("0x8004010f", OUTLOOK),
        ("0X8004010F", OUTLOOK),
        ("caa70004", SIGNIN),
        ("0xCAA70004", SIGNIN),
        ("CAA80000", SIGNIN),
        ("caa80000 teams", SIGNIN),
    ],
)
def test_error_codes_match_with_and_without_0x_in_any_case(
    kb: KnowledgeBase, query: str, expected: str
) -> None:
    results = kb.search(query, refresh=False)
    assert results and results[0].path == expected
    assert not results.weak  # a code the note holds is a strong answer
    assert results[0].highlights  # and the snippet shows where


def test_mnemonic_brackets_do_not_hide_the_word(kb: KnowledgeBase) -> None:
    for query in ("extract archive", "create archive", "verbosely"):
        results = kb.search(query, refresh=False)
        assert results and results[0].path == TAR, query
        assert not results.weak
    snippet = kb.search("extract archive", refresh=False)[0].snippet
    assert "Extract a (compressed) archive file" in snippet
    assert "[x]" not in snippet


def test_documentation_markup_is_not_text(kb: KnowledgeBase) -> None:
    hit = kb.search("reg export key", refresh=False)[0]
    assert hit.path == BACKUP
    assert "[!" not in hit.snippet and ":::" not in hit.snippet
    assert "INCLUDE" not in hit.snippet and "IMPORTANT" not in hit.snippet
    # An image's alt text is content; its markup is not.
    assert kb.search("screenshot export dialog", refresh=False)[0].path == BACKUP
    assert not kb.search("content source media png", refresh=False) or (
        kb.search("content source media png", refresh=False).weak
    )


def test_aliases_and_the_file_name_find_the_note(kb: KnowledgeBase) -> None:
    for query in ("regedit safety net", "oof", "registry backup"):
        results = kb.search(query, refresh=False)
        assert results and results[0].path == BACKUP, query
        assert not results.weak, query
    # The title shown is still the note's title.
    assert kb.search("oof", refresh=False)[0].title == "Back up the registry before editing it"


def test_words_the_stemmer_ends_in_i_count_as_held(tmp_path: Path, engine: str) -> None:
    """ "recovery", "policy", "registry" stem to "recoveri", "polici", "registri": a note
    holding the word holds every query word, is not weak, and shows it highlighted."""
    root = tmp_path / "kb"
    use_engine(root, engine)
    write(
        root,
        "notes/recovery.md",
        "---\ntitle: BitLocker recovery screen after a policy change\n---\n"
        "Suspend BitLocker before the registry edit.\n",
    )
    write(
        root,
        "notes/other.md",
        "---\ntitle: BitLocker screen after a change\n---\nSuspend BitLocker before the edit.\n",
    )
    kb = KnowledgeBase(root)
    kb.reindex()
    for query in ("bitlocker recovery", "policies change", "registry screen"):
        results = kb.search(query, refresh=False)
        assert results[0].path == "notes/recovery.md", query
        assert results[0].coverage == 1.0, query
        assert not results.weak, query
    hit = kb.search("registry", refresh=False)[0]
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["registry"]


def test_words_written_as_one_or_as_two(tmp_path: Path, engine: str) -> None:
    """ "screensaver" finds the note writing "screen saver", and "full screen" finds the one
    writing "fullscreen", above notes holding the other words only."""
    root = tmp_path / "kb"
    use_engine(root, engine)
    write(
        root,
        "notes/saver.md",
        "---\ntitle: Disable the prompt after the screen saver\n---\n"
        "Turn off the password prompt when the screen saver ends.\n",
    )
    write(
        root,
        "notes/rdp.md",
        "---\ntitle: Session window size\n---\nThe remote session opens fullscreen.\n",
    )
    for other in range(6):
        write(
            root,
            f"notes/password-{other}.md",
            f"---\ntitle: Reset a password {other}\n---\nThe password expired.\n",
        )
        write(
            root,
            f"notes/gateway-{other}.md",
            f"---\ntitle: Gateway {other}\n---\nA full disk; the screen of the remote "
            "gateway stays black.\n",
        )
    kb = KnowledgeBase(root)
    kb.reindex()
    assert kb.search("screensaver password", refresh=False)[0].path == "notes/saver.md"
    assert kb.search("remote full screen", refresh=False)[0].path == "notes/rdp.md"


def test_a_word_common_as_one_also_finds_its_two_words(tmp_path: Path, engine: str) -> None:
    """ "fullscreen", written as one word in many notes, still finds the note that writes
    "full screen": the split is offered whenever both halves are words of the KB."""
    root = tmp_path / "kb"
    use_engine(root, engine)
    write(
        root,
        "notes/maximize.md",
        "---\ntitle: Cannot maximize the RDP window to full screen\n---\n"
        "The window stays small on the second monitor.\n",
    )
    write(
        root,
        "notes/client.md",
        "---\ntitle: An rdp client\n---\nConnect, then press F11 for fullscreen.\n",
    )
    for other in range(8):
        write(
            root,
            f"notes/player-{other}.md",
            f"---\ntitle: Video player {other}\n---\nThe player opens fullscreen.\n",
        )
    kb = KnowledgeBase(root)
    kb.reindex()
    assert kb.search("rdp not fullscreen", refresh=False)[0].path == "notes/maximize.md"
