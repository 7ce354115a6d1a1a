"""The starter KB shipped in notes/: real guides and fix notes that pass kb's own checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.knowledgebase.starter import starter_notes
from kb.search.engines import tantivy_installed
from tests.helpers import ENGINES, PROJECT, use_engine


@pytest.fixture(scope="module", params=ENGINES)
def starter(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> KnowledgeBase:
    if request.param == "tantivy" and not tantivy_installed():
        pytest.skip("tantivy is not installed")
    root = tmp_path_factory.mktemp("starter") / "kb"
    source = starter_notes()
    assert source is not None and source.resolve() == (PROJECT / "notes").resolve()
    root.mkdir()
    shutil.copytree(source, root / "notes")
    use_engine(root, request.param)
    return KnowledgeBase(root)


def test_starter_has_guides_and_fix_notes(starter: KnowledgeBase) -> None:
    notes, problems = starter.notes()
    assert problems == []
    guides = [n for n in notes if n.type == "guide"]
    fixes = [n for n in notes if n.type == "fix"]
    assert len(guides) >= 4 and len(fixes) >= 20
    for note in fixes:
        assert {"issue", "environment", "resolution", "cause"} <= set(note.body.sections), note.path
        assert note.tags and note.systems and note.tickets, note.path
        assert note.status in ("wip", "not-validated", "validated")
    for guide in guides:
        assert len([link for link in guide.body.links if link.kind == "wiki"]) >= 4, guide.path


def test_starter_passes_check(starter: KnowledgeBase) -> None:
    assert [str(p) for p in starter.check()] == []


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("printer says offline", "notes/printer-offline-spooler.md"),
        ("outlook keeps asking for password", "notes/outlook-password-prompt-loop.md"),
        ("bitlocker recovery key", "notes/bitlocker-recovery-after-bios-update.md"),
        ("0x80070005", "notes/windows-update-error-0x80070005-0x800f0922.md"),
        ("trust relationship", "notes/trust-relationship-failed.md"),
        ("new phone authenticator", "notes/mfa-new-phone-authenticator.md"),
    ],
)
def test_starter_answers_everyday_questions(
    starter: KnowledgeBase, words: str, expected: str
) -> None:
    assert starter.search(words)[0].path == expected


def test_starter_notes_ship_in_the_wheel_config() -> None:
    text = (PROJECT / "pyproject.toml").read_text()
    assert '"notes" = "kb/starter/notes"' in text
    assert all(path.suffix == ".md" for path in (PROJECT / "notes").iterdir() if path.is_file())
    assert Path(PROJECT / "notes").is_dir()
