"""One query over every KB of the config: one ranked list, each hit marked with its KB."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import git, no_traceback, write
from tests.shelf.conftest import Shelf, write_config


def test_one_query_finds_notes_in_all_three_kbs_in_one_ranked_list(shelf: Shelf) -> None:
    result = shelf.cli("search", "outlook", "password", "--json")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert {hit["kb"] for hit in hits} == {"me", "team", "ops"}
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
    by_kb = {hit["kb"]: hit["path"] for hit in hits}
    assert by_kb["team"] == "notes/outlook-password.md"
    assert by_kb["ops"] == "notes/shared-mailbox.md"


def test_text_output_names_each_hits_kb(shelf: Shelf) -> None:
    result = shelf.cli("search", "outlook", "password")
    assert result.exit_code == 0, result.output
    assert "    team · notes/outlook-password.md" in result.stdout
    assert "    ops · notes/shared-mailbox.md" in result.stdout
    assert "    me · notes/outlook-quick-fix.md" in result.stdout


def test_kb_filter_and_option_narrow_to_one_kb(shelf: Shelf) -> None:
    filtered = json.loads(shelf.cli("search", "outlook", "kb:ops", "--json").stdout)
    assert [hit["kb"] for hit in filtered] == ["ops"]
    option = shelf.cli("--kb", "team", "search", "outlook", "--json")
    assert option.exit_code == 0, option.output
    assert [hit["path"] for hit in json.loads(option.stdout)] == ["notes/outlook-password.md"]


def test_several_kb_filters_narrow_to_those_kbs(shelf: Shelf) -> None:
    found = json.loads(shelf.cli("search", "outlook", "kb:team", "kb:ops", "--json").stdout)
    assert sorted(hit["kb"] for hit in found) == ["ops", "team"]


def test_a_kb_filter_with_the_kb_option_is_a_filter_not_words(shelf: Shelf) -> None:
    alone = json.loads(shelf.cli("--kb", "team", "search", "outlook", "--json").stdout)
    same = shelf.cli("--kb", "team", "search", "outlook kb:team", "--json")
    assert same.exit_code == 0, same.output
    assert json.loads(same.stdout) == alone
    other = shelf.cli("--kb", "team", "search", "outlook kb:ops")
    no_traceback(other)
    assert other.exit_code == 2
    assert other.stderr.strip() == "kb: kb:ops asks for another KB than this search's (--kb team)"


def test_an_unknown_kb_name_is_one_clear_line(shelf: Shelf) -> None:
    result = shelf.cli("search", "outlook", "kb:nowhere")
    no_traceback(result)
    assert result.exit_code == 2
    assert "no KB named 'nowhere'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_kb_is_skipped_with_one_warning(shelf: Shelf) -> None:
    gone = shelf.team.parent / "gone"
    write_config(shelf.config, {"me": shelf.personal, "gone": gone, "team": shelf.team}, "me")
    result = shelf.cli("search", "outlook", "--json")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert {hit["kb"] for hit in json.loads(result.stdout)} == {"me", "team"}
    warnings = [line for line in result.stderr.splitlines() if "gone" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("kb: warning: KB 'gone' skipped")
    # Asked for by name, it is the error, said as one: not "skipped" a second time.
    asked = shelf.cli("new", "--title", "Toner codes", "--to", "gone")
    assert asked.exit_code == 2
    assert asked.stderr.splitlines()[-1].startswith("kb: cannot use KB 'gone': ")


def test_without_a_kbs_table_one_kb_is_searched_as_before(shelf: Shelf) -> None:
    shelf.config.write_text(f'kb = "{shelf.team}"\n', encoding="utf-8")
    hits = json.loads(shelf.cli("search", "outlook", "--json").stdout)
    assert [hit["path"] for hit in hits] == ["notes/outlook-password.md"]
    assert "kb" not in hits[0]


def test_a_folder_given_with_kb_works_even_when_the_config_is_broken(shelf: Shelf) -> None:
    shelf.config.write_text("[kbs\nbroken", encoding="utf-8")
    result = shelf.cli("--kb", str(shelf.team), "search", "outlook", "--json")
    assert result.exit_code == 0, result.output
    assert [hit["path"] for hit in json.loads(result.stdout)] == ["notes/outlook-password.md"]
    without = shelf.cli("search", "outlook")
    no_traceback(without)
    assert without.exit_code == 2
    assert "config file" in without.stderr and "cannot be read" in without.stderr


def test_merged_hits_have_the_snippets_each_kb_gives_alone(shelf: Shelf) -> None:
    # The shelf makes snippets after merging, for the hits it keeps only: each must be the
    # one its own KB's search makes, highlights included, and a hit past the limit is dropped.
    from kb import KnowledgeBase
    from kb.shelf import Shelf as Opened

    folders = {"me": shelf.personal, "team": shelf.team, "ops": shelf.ops}
    kbs = {name: KnowledgeBase.open(folder) for name, folder in folders.items()}
    with Opened(kbs, "me") as opened:
        merged = opened.search("outlook password", limit=2)
        everything = opened.search("outlook password", limit=10)
        alone = {
            (name, hit.path): (hit.snippet, hit.highlights)
            for name, kb in kbs.items()
            for hit in kb.search("outlook password", limit=10)
        }
    assert len(merged) == 2 and len(everything) == 3
    assert [hit.path for hit in merged] == [hit.path for hit in everything[:2]]
    for hit in everything:
        assert hit.highlights and len(hit.snippet) < 400
        assert (hit.snippet, hit.highlights) == alone[(hit.kb, hit.path)]


def test_a_small_kbs_note_holding_every_word_is_not_outranked_by_the_rarity_of_its_words(
    tmp_path: Path,
) -> None:
    # In a personal KB of one note, every word of that note is held by all its documents:
    # alone, its index weighs them next to nothing. On one scale (the words' rarity over
    # every KB), the note holding both words comes before team notes holding one of them.
    from kb import KnowledgeBase
    from kb.shelf import Shelf as Opened

    personal = tmp_path / "personal"
    KnowledgeBase.init(personal).close()
    write(personal, "notes/badge-door.md", "# Badge reader at the side door\n\nIt beeps twice.\n")
    team = tmp_path / "team"
    KnowledgeBase.init(team).close()
    for number in range(2):  # rare in the team KB, and said again and again
        write(team, f"notes/badge-{number}.md", "# Badge printer\n\n" + "Badge badge. " * 20)
    for number in range(28):
        write(team, f"notes/team-{number}.md", f"# Team note {number}\n\nThe printer again.\n")
    for root in (personal, team):
        git(root, "add", "-A")
        git(root, "commit", "-qm", "notes")
    kbs = {"me": KnowledgeBase.open(personal), "team": KnowledgeBase.open(team)}
    with Opened(kbs, "me") as opened:
        hits = opened.search("badge door", limit=5)
        alone = kbs["me"].search("badge door", limit=5)
    assert (hits[0].kb, hits[0].path) == ("me", "notes/badge-door.md")
    assert all(hit.coverage < 1.0 for hit in hits[1:])
    # The personal note's own score, from its index alone, would not have put it first.
    assert alone[0].score < hits[1].score
