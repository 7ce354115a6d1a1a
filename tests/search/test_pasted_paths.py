"""A path pasted from an error dialog or an Explorer address bar finds the notes about it."""

from __future__ import annotations

from pathlib import Path

from kb import KnowledgeBase
from tests.helpers import use_engine, write

DUMPS = "notes/crash-dumps.md"
MINIDUMPS = "notes/about-minidumps.md"
UPDATE = "notes/windows-update.md"
ROAMING = "notes/roaming-profiles.md"
SYSTEM = "notes/system32.md"
LOGS = "notes/syslog.md"


def _kb(tmp_path: Path, engine: str) -> KnowledgeBase:
    root = tmp_path / "kb"
    use_engine(root, engine)
    write(root, DUMPS, "# Reading crash dumps\nCrash dumps are written to C:\\Windows\\Minidump.\n")
    write(
        root,
        MINIDUMPS,
        "# About dump files\nA .dmp file is a small memory snapshot of a minidump.\n",
    )
    write(root, UPDATE, "# Windows update fails\nRestart the Windows Update service.\n")
    write(root, ROAMING, "# Roaming profiles\nProfiles live on `\\\\fs02\\roaming`.\n")
    write(root, SYSTEM, "# Drivers\nDrivers are in C:\\Windows\\System32\\drivers.\n")
    write(root, LOGS, "# Syslog\nRead /var/log/syslog first.\n")
    return KnowledgeBase(root)


def test_a_pasted_file_path_finds_the_note_naming_its_folder(tmp_path: Path, engine: str) -> None:
    kb = _kb(tmp_path, engine)
    results = kb.search("C:\\Windows\\Minidump\\120226-1234-01.dmp")
    found = [hit.path for hit in results]
    # The folder first, a strong answer; then notes naming the path's names in prose.
    assert found[0] == DUMPS
    assert not results[0].weak
    assert found[1] == MINIDUMPS
    assert results[1].weak
    # Another folder of C:\Windows is no answer to a dump file.
    assert found.index(SYSTEM) > found.index(MINIDUMPS)
    # Typed with forward slashes, UNC and Unix paths alike.
    assert kb.search("C:/Windows/Minidump/120226-1234-01.dmp")[0].path == DUMPS
    unc = kb.search("\\\\fs02\\roaming\\jdoe\\ntuser.dat")
    assert unc[0].path == ROAMING and not unc[0].weak
    assert kb.search("/var/log/syslog/old.1")[0].path == LOGS
    assert kb.search('"C:\\Windows\\Minidump\\dump 01.dmp"')[0].path == DUMPS


def test_an_excluded_path_leaves_its_folder_alone(tmp_path: Path, engine: str) -> None:
    kb = _kb(tmp_path, engine)
    assert DUMPS in [hit.path for hit in kb.search("-C:\\Windows\\Minidump\\old.dmp windows")]
