"""Search behaviour: what a technician types mid-call, and what comes back."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.search.analysis import join_spaced_ids, query_words
from tests.helpers import ODD_QUERIES, use_engine, write

PRINTER = "notes/printer-offline.md"
UPDATE = "notes/updates/windows-update-0x80070005.md"
VPN = "notes/vpn-no-intranet.md"


def paths(kb: KnowledgeBase, text: str, limit: int = 10) -> list[str]:
    return [hit.path for hit in kb.search(text, limit=limit)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0x80070005", UPDATE),
        ("80070005", UPDATE),
        ("KB5034441", UPDATE),
        ("5034441", UPDATE),
        ("INC0012345", PRINTER),
        ("inc0012345", PRINTER),
        ("srv-print01.corp.local", PRINTER),
        (r"C:\Windows\System32\spool\PRINTERS", PRINTER),
        ("HELP-482", VPN),
    ],
)
def test_exact_tokens(kb: KnowledgeBase, text: str, expected: str) -> None:
    assert paths(kb, text)[0] == expected


def test_prose_is_stemmed(kb: KnowledgeBase) -> None:
    assert paths(kb, "printers printing")[0] == PRINTER
    assert paths(kb, "installing updates ")[0] == UPDATE


def test_last_word_is_a_prefix_while_typing(kb: KnowledgeBase) -> None:
    assert paths(kb, "spo")[0] == PRINTER
    assert paths(kb, "spo ") == []  # a finished word is not a prefix


def test_typos_are_tolerated_when_exact_words_find_little(kb: KnowledgeBase) -> None:
    results = kb.search("splooler")
    assert results and results[0].path == PRINTER
    assert results.corrected
    assert paths(kb, "splooer sevrice")[0] == PRINTER  # a dropped letter and a swap
    # A real word is never "corrected" away from its exact matches.
    assert not kb.search("spooler").corrected


def test_the_word_being_typed_scores_by_its_best_completion(tmp_path: Path, engine: str) -> None:
    root = tmp_path / "kb"
    use_engine(root, engine)
    write(root, "notes/tar.md", "# tar\nArchive files with tar.\n")
    # Many words that start with "tar" must not outweigh the note about tar itself.
    write(root, "notes/deploy.md", "# Deploy\n" + "target targets targeted tarball " * 30 + "\n")
    assert paths(KnowledgeBase(root), "tar")[0] == "notes/tar.md"


def test_synonyms_from_defaults_and_the_kb_file(kb: KnowledgeBase) -> None:
    assert paths(kb, "wireless")[0] == VPN  # wireless = wi-fi (default group)
    assert paths(kb, "gizmo") == []
    write(kb.root, "synonyms.txt", "# team words\ngizmo, spooler\n")
    reopened = KnowledgeBase.open(kb.root)
    assert paths(reopened, "gizmo") == [PRINTER]


def test_phrases_and_exclusions(kb: KnowledgeBase) -> None:
    assert paths(kb, '"print spooler"') == [PRINTER]
    assert paths(kb, '"spooler print"') == []
    assert UPDATE not in paths(kb, "windows -update")
    assert PRINTER not in paths(kb, 'windows -"print spooler"')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tag:vpn", [VPN]),
        ("tag:VPN dns", [VPN]),
        ("type:fix status:validated", [PRINTER]),
        ("status:not-validated", [UPDATE]),
        ("ticket:INC0040001", [UPDATE]),
        ("ticket:help-482", [VPN]),
        ('system:"windows 11" spooler', [PRINTER]),
        ("system:macos", [VPN]),
        ("author:ana", [PRINTER]),
        ('author:"ana lopez"', [PRINTER]),
        ("windows -tag:printing", [UPDATE]),
        ("tag:nothing-like-this", []),
    ],
)
def test_filters(kb: KnowledgeBase, text: str, expected: list[str]) -> None:
    assert sorted(paths(kb, text)) == sorted(expected)


def test_hits_carry_what_the_list_shows(kb: KnowledgeBase) -> None:
    hit = kb.search("spooler")[0]
    assert hit.title == "Printer shows offline and jobs are stuck"
    assert hit.status == "validated" and hit.type == "fix" and hit.kind == "note"
    assert hit.tickets == ["INC0012345", "INC0012377"] and hit.ticket_count == 2
    assert hit.score > 0 and hit.modified > 0
    assert "spooler" in hit.snippet.lower()
    for start, end in hit.highlights:
        assert hit.snippet[start:end].lower().startswith("spooler")
    data = hit.to_json()
    assert {"path", "title", "score", "snippet"} <= set(data)


def test_archived_notes_rank_below_equal_matches(kb: KnowledgeBase) -> None:
    write(
        kb.root,
        "notes/vpn-copy.md",
        kb.root.joinpath(VPN).read_text().replace("archived", "validated"),
    )
    assert paths(kb, "split tunnel")[0] == "notes/vpn-copy.md"


def test_weak_results_are_flagged(kb: KnowledgeBase) -> None:
    strong = kb.search("print spooler offline")
    assert not strong.weak
    weak = kb.search("spooler keyboard mouse headset camera")
    assert weak and weak.weak


def test_empty_query_finds_nothing_and_filters_alone_list_by_date(kb: KnowledgeBase) -> None:
    assert kb.search("") == []
    assert kb.search("   ") == []
    assert len(kb.search("type:fix")) == 3


@pytest.mark.parametrize("text", ODD_QUERIES)
def test_odd_queries_never_raise(kb: KnowledgeBase, text: str) -> None:
    results = kb.search(text)
    assert isinstance(results, list)


def test_search_works_from_a_worker_thread(kb: KnowledgeBase) -> None:
    """The app searches from thread workers: nothing may need the main thread."""
    import threading

    found: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            found.extend(paths(kb, "spooler"))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == [] and found == [PRINTER]


def test_a_generous_budget_gives_full_results(kb: KnowledgeBase) -> None:
    results = kb.search("spooler printer", budget=5.0)
    assert not results.partial
    assert results[0].path == PRINTER


def test_a_ticket_linked_note_ranks_by_its_link(kb: KnowledgeBase) -> None:
    # The ticket id is only in the front matter of the printer note; the update note only
    # mentions a similar word. The linked note must come first, with full coverage.
    hits = kb.search("INC0012345 windows")
    assert hits[0].path == PRINTER
    assert hits[0].coverage == 1.0 and not hits[0].weak


def test_a_kb_number_typed_whole_or_read_out_finds_the_page_with_the_number(
    tmp_path: Path, engine: str
) -> None:
    """ "KB2732377" finds a page writing the number alone; "KB 2732377" is the same id, not
    the word "kb" (a page that only says "kb" is no match)."""
    root = tmp_path / "kb"
    use_engine(root, engine)
    write(
        root,
        "notes/usb-bitlocker.md",
        "# BitLocker is not enabled\n\nOriginal KB number: 2732377\n",
    )
    write(root, "notes/other.md", "# Another page\n\nKB number: 1234567\n")
    write(root, "notes/kb-tool.md", "# The kb tool\n\nThe kb subcommand compiles kb schemas.\n")
    typed_forms = ("KB2732377", "kb2732377", "2732377", "KB 2732377", "kb 2732377 bitlocker")
    with KnowledgeBase.open(root) as kb:
        for typed in (*typed_forms, "inc 2732377"):
            found = kb.search(typed)
            assert [hit.path for hit in found] == ["notes/usb-bitlocker.md"], typed
            assert not found.weak, typed


def test_the_letters_of_an_id_still_order_the_notes_holding_its_number(
    tmp_path: Path, engine: str
) -> None:
    """ "sql 18456": both notes hold 18456, the one about SQL comes first; "KB-942962" finds
    the number written alone too."""
    root = tmp_path / "kb"
    use_engine(root, engine)
    write(root, "notes/sql.md", "# SQL Server login failed\n\nThe log shows error 18456.\n")
    write(root, "notes/backup.md", "# Backup job\n\nThe backup job wrote 18456 bytes.\n")
    write(root, "notes/inc.md", "# Printer jam\n\nSee INC 0012345 for the history.\n")
    write(root, "notes/toner.md", "# Toner\n\nOrder 0012345 arrived.\n")
    write(root, "notes/activation.md", "# Activation\n\nArticle 942962 explains it.\n")
    with KnowledgeBase.open(root) as kb:
        assert kb.search("sql 18456")[0].path == "notes/sql.md"
        assert kb.search("inc 0012345")[0].path == "notes/inc.md"
        assert [hit.path for hit in kb.search("KB-942962")] == ["notes/activation.md"]


def test_only_short_letters_before_a_long_number_are_read_as_one_id() -> None:
    def words(text: str) -> list[tuple[str, ...]]:
        return [word.alternatives for word in join_spaced_ids(query_words(text))]

    assert words("KB 942962 error") == [("kb942962", "942962"), ("error",)]
    assert words("hp 4050") == [("hp",), ("4050",)]  # a model number, not an id
    assert words("no 12345") == [("no",), ("12345",)]  # a stop word
    assert words("printer 12345") == [("printer",), ("12345",)]


def test_holding_every_word_as_typed_earns_more_a_synonym_phrase_does_not(
    tmp_path: Path, engine: str
) -> None:
    """A note with every typed word earns half those words' scores again; a note holding a
    word only through a synonym written in several words ("log in" for "logon") does not
    (finding that phrase a second time would double the cost of the query)."""
    root = tmp_path / "kb"
    use_engine(root, engine)
    write(root, "notes/typed.md", "# Slow logon\n\nThe laptop logon is slow at the office.\n")
    write(root, "notes/phrase.md", "# Slow to log in\n\nThe laptop is slow to log in at home.\n")
    write(root, "notes/other.md", "# Printer jams\n\nPaper jams in the second tray.\n")
    with KnowledgeBase.open(root) as kb:

        def score(text: str, path: str) -> float:
            return next(hit.score for hit in kb.search(text) if hit.path == path)

        for path, bonus in (("notes/typed.md", 1.5), ("notes/phrase.md", 1.0)):
            alone = score("slow", path) + score("logon", path)
            assert score("slow logon", path) == pytest.approx(bonus * alone, rel=1e-3), path


def test_a_synonym_with_a_small_word_finds_what_it_stands_for(tmp_path: Path, engine: str) -> None:
    """ "sign in" is in the synonym list with its small word: typed with it, it finds
    "logon", and a note holding "logon" holds the words "sign in" for coverage."""
    root = tmp_path / "kb"
    use_engine(root, engine)
    write(root, "notes/logon.md", "# Automatic logon\n\nThe kiosk logon runs automatically.\n")
    write(root, "notes/scripts.md", "# Sign scripts\n\nSign each script automatically.\n")
    with KnowledgeBase.open(root) as kb:
        assert paths(kb, "sign in automatically") == ["notes/logon.md", "notes/scripts.md"]
        assert paths(kb, "sign automatically")[0] == "notes/scripts.md"
        hit = kb.search("sign in automatically")[0]
        assert hit.coverage == 1.0


@pytest.mark.parametrize("typed", ["0x8007000", "8007000", "kb503444", "KB 503444", "503444"])
def test_a_code_being_typed_finds_what_it_starts(kb: KnowledgeBase, typed: str) -> None:
    """Mid-call, the fixes show while the code is typed, before its last character."""
    assert paths(kb, typed)[0] == UPDATE
    assert paths(kb, typed + " ") == []  # finished: a code is exact
    assert not kb.search(typed).corrected


def test_short_numbers_and_other_exact_forms_are_not_completed(kb: KnowledgeBase) -> None:
    assert paths(kb, "503") == []  # three digits start too many numbers
    assert paths(kb, "srv-print01.corp.loc") == []  # a host name is exact, typed or not


def test_a_finished_code_is_exact_and_completions_are_the_same_on_both_engines(
    tmp_path: Path,
) -> None:
    """A code that notes hold is searched as typed (``kb search kb5034441`` never also finds
    KB50344410); one no note holds yet completes to the first codes in order, the same on
    both engines however many share its start (Whoosh looks at 5,000 words of a prefix)."""
    from kb.search.engines.whoosh_engine import MAX_EXPANSION_SCAN

    found: dict[str, list[list[str]]] = {}
    for engine in ("whoosh", "tantivy"):
        root = tmp_path / engine
        use_engine(root, engine)
        write(root, "notes/a.md", "# Update\n\nKB5034441 fails to install.\n")
        write(root, "notes/b.md", "# Other update\n\nKB50344410 fails too.\n")
        ids = " ".join(f"INC{9_000_000 - n:07d}" for n in range(MAX_EXPANSION_SCAN + 500))
        write(root, "notes/tickets.md", f"# Many tickets\n\n{ids}\n")
        for n in range(3):  # the last ids in order are the commonest
            write(root, f"notes/recent-{n}.md", "# Recent\n\nINC8999999 INC9000000\n")
        with KnowledgeBase.open(root) as kb:
            assert paths(kb, "kb5034441") == ["notes/a.md"]
            assert paths(kb, "KB 5034441") == ["notes/a.md"]
            assert sorted(paths(kb, "kb503444")) == ["notes/a.md", "notes/b.md"]
            engine_words = kb.index.engine().vocabulary("inc8", 10, in_order=True)
            found[engine] = [engine_words, paths(kb, "inc8")]
    assert found["whoosh"] == found["tantivy"]
    assert found["whoosh"][0][0] == f"inc{9_000_000 - MAX_EXPANSION_SCAN - 499:07d}"
