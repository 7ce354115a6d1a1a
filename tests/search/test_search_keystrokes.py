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


def test_a_hit_shows_its_notes_latest_title_after_another_kb_updates_the_index(
    kb: KnowledgeBase,
) -> None:
    # The values stored with a hit are kept between keystrokes; a change indexed by another
    # process (the app's own update, a `kb` in another terminal) must still show at once.
    first = kb.search("spooler", refresh=False)[0]
    assert first.title == "Printer shows offline and jobs are stuck"
    text = kb.root.joinpath(PRINTER).read_text()
    write(kb.root, PRINTER, text.replace("title: Printer shows", "title: Label printer shows"))
    with KnowledgeBase.open(kb.root) as other:
        other.reindex()
    top = kb.search("spooler", refresh=False)[0]
    assert (top.path, top.title) == (PRINTER, "Label printer shows offline and jobs are stuck")


def test_hits_show_the_titles_of_their_notes_through_many_index_updates(kb: KnowledgeBase) -> None:
    # Each update adds a segment, and the engine merges segments now and then: a document's
    # place in the index changes, and nothing kept from an earlier place may show.
    paths = [PRINTER, UPDATE, VPN]
    originals = {path: kb.root.joinpath(path).read_text() for path in paths}
    for round_number in range(4):
        for path in paths:
            text = originals[path].replace("title: ", f"title: Round {round_number} ", 1)
            write(kb.root, path, text)
            kb.reindex()
            shown = {hit.path: hit.title for hit in kb.search("the", limit=10, refresh=False)}
            for other in paths:
                assert (
                    shown[other].split(" ")[:2]
                    == (kb.root.joinpath(other).read_text().split("title: ", 1)[1].split(" ")[:2])
                ), (round_number, other)
