"""Search as typed, one keystroke at a time: what is kept between keystrokes never changes
an answer, and never outlives a change to the notes."""

from __future__ import annotations

import pytest

from kb import KnowledgeBase
from tests.helpers import write

PRINTER = "notes/printer-offline.md"
UPDATE = "notes/updates/windows-update-0x80070005.md"
VPN = "notes/vpn-no-intranet.md"

TYPED = [
    "print spooler offline",
    "wifi vpn dns",
    '"print spooler" jobs',
    "tag:printing spooler",
    "windows -vpn",
    "splooler sevrice",
]


def answers(kb: KnowledgeBase, text: str) -> list[tuple[str, float]]:
    return [(hit.path, round(hit.score, 6)) for hit in kb.search(text, refresh=False)]


@pytest.mark.parametrize("phrase", TYPED)
def test_every_keystroke_answers_as_a_fresh_search(kb: KnowledgeBase, phrase: str) -> None:
    kb.reindex()
    prefixes = [phrase[:end] for end in range(2, len(phrase) + 1)]
    typed = [answers(kb, text) for text in prefixes]
    for text, seen in zip(prefixes, typed, strict=True):
        with KnowledgeBase.open(kb.root) as fresh:
            assert answers(fresh, text) == seen, text
    assert typed[-1], phrase


def test_what_was_typed_before_a_change_finds_the_changed_notes(kb: KnowledgeBase) -> None:
    assert [hit.path for hit in kb.search("toner")] == []
    assert kb.search("spooler")[0].path == PRINTER
    text = kb.root.joinpath(VPN).read_text()
    write(kb.root, VPN, text.replace("Flush DNS", "Replace the toner, then flush DNS"))
    assert [hit.path for hit in kb.search("toner")] == [VPN]
    kb.root.joinpath(PRINTER).unlink()
    assert PRINTER not in [hit.path for hit in kb.search("spooler")]
    assert [hit.path for hit in kb.search('"replace the toner"')] == [VPN]


def test_notes_changed_many_times_are_found_once_with_their_latest_words(
    kb: KnowledgeBase,
) -> None:
    original = kb.root.joinpath(UPDATE).read_text()
    for number in range(4):
        write(kb.root, UPDATE, original + f"\nStep {number}: restart the servicing stack.\n")
        kb.reindex()  # one index segment per update
    found = [hit.path for hit in kb.search('"servicing stack" restart')]
    assert found.count(UPDATE) == 1
    assert "Step 3" in kb.root.joinpath(UPDATE).read_text()
    assert [hit.path for hit in kb.search('"step 3"')] == [UPDATE]
    assert [hit.path for hit in kb.search('"step 2"')] == []
