"""KB health (kb stats), flags (kb flag) and the search log, each figure on a KB built here."""

from __future__ import annotations

import datetime as _dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.health.gaps import content_gaps, significant_words
from kb.health.stats import compute
from kb.notes.link_log import LinkEvent, append
from kb.notes.note import parse_note
from kb.notes.ticket_ids import TicketMatcher
from kb.search import log as searchlog
from tests.helpers import Cli, built_once, git_log, no_traceback, use_engine, write

TODAY = _dt.date(2026, 3, 1)


def ticket(root: Path, ticket_id: str, title: str, status: str, resolved: str = "") -> None:
    """A ticket record as an import writes it."""
    lines = ["---", f"id: {ticket_id}", f"title: {title}", f"status: {status}"]
    lines.append("opened: 2026-01-05")
    if resolved:
        lines.append(f"resolved: {resolved}")
    lines += ["---", f"{title}. Caller rang the desk.", ""]
    write(root, f"tickets/{ticket_id}.md", "\n".join(lines))


def note(root: Path, name: str, title: str, **fields: str) -> None:
    front = "".join(f"{key}: {value}\n" for key, value in fields.items())
    body = "## Issue\nSomething.\n\n## Resolution\nFix it.\n"
    write(root, f"notes/{name}.md", f"---\ntitle: {title}\n{front}---\n{body}")


def link(root: Path, ticket_id: str, name: str, kind: str = "resolution") -> None:
    append(root, LinkEvent("link", ticket_id, f"notes/{name}.md", kind, None, "2026-02-01", "Ana"))


@pytest.fixture
def health_root(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Known notes, ticket records, links and ages (see each test for the figures)."""
    return built_once(tmp_path_factory, "health", _health_kb, tmp_path / "kb")


def _health_kb(root: Path) -> None:
    KnowledgeBase.init(root)
    use_engine(root, "whoosh")
    note(root, "printer", "Printer offline", type="fix", status="validated", tickets="[INC0000001]")
    note(root, "vpn", "VPN drops", type="fix", status="validated")
    note(root, "outlook", "Outlook prompts", type="fix", status="not-validated")
    note(root, "unused", "Never used fix", type="fix", status="wip", created="2026-02-20")
    note(root, "retired", "Old fix", type="fix", status="archived", review_by="2025-01-01")
    note(root, "draft", "Old draft", type="reference", status="wip", created="2026-01-01")
    note(root, "q-old", "Why does X?", type="question", status="wip", created="2026-01-30")
    note(root, "q-new", "Why does Y?", type="question", status="wip", created="2026-02-25")
    note(root, "review", "Due review", type="fix", status="validated", review_by="2026-02-10")
    note(root, "guide", "Start here", type="guide", status="validated")
    # Resolved tickets: 1-4 linked (front matter, resolution links, a reference link).
    ticket(root, "INC0000001", "Printer offline on floor 2", "Resolved")
    ticket(root, "INC0000002", "VPN keeps dropping at home", "Closed")
    ticket(root, "INC0000003", "VPN drops after sleep", "resolved")
    ticket(root, "INC0000004", "Outlook asks for password", "Open", resolved="2026-02-02")
    # Resolved, no note: a gap of three about scanners, two about badges (no group).
    ticket(root, "INC0000005", "Scanner to email fails", "Closed")
    ticket(root, "INC0000006", "Scanner does not send email", "Resolved")
    ticket(root, "INC0000007", "Scanner email error on copier", "Closed")
    ticket(root, "INC0000008", "Badge reader refuses card", "Closed")
    ticket(root, "INC0000009", "Badge printer jammed", "Closed")
    # Not resolved: never counted.
    ticket(root, "INC0000010", "Scanner email broken again", "In Progress")
    link(root, "INC0000002", "vpn")
    link(root, "INC0000003", "vpn")
    link(root, "INC0000004", "outlook", kind="reference")
    link(root, "INC0000007", "gone")  # a link to a note that no longer exists counts for nothing
    for number in range(11, 23):  # the printer note solved 12 more tickets
        link(root, f"INC00000{number}", "printer")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-qm", "KB"], cwd=root, check=True, capture_output=True)


@pytest.fixture
def cli(health_root: Path) -> Cli:
    """The command line, pointed at the health KB."""
    return Cli(health_root)


def test_counts_by_type_and_status(health_root: Path) -> None:
    with KnowledgeBase.open(health_root) as kb:
        health = compute(kb, today=TODAY)
    assert health.notes == 10 and health.ticket_records == 10
    assert health.by_type == {"fix": 6, "question": 2, "guide": 1, "reference": 1}
    assert health.by_status == {"wip": 4, "not-validated": 1, "validated": 4, "archived": 1}


def test_link_rate_counts_resolved_tickets_with_a_linked_note(health_root: Path) -> None:
    with KnowledgeBase.open(health_root) as kb:
        health = compute(kb, today=TODAY)
    # Resolved: 1-9 (status resolved/closed, or a resolved date); linked: 1, 2, 3, 4.
    assert (health.resolved_tickets, health.linked_tickets) == (9, 4)
    assert health.link_rate == pytest.approx(4 / 9)


def test_reuse_distribution_top_and_never_reused(health_root: Path) -> None:
    with KnowledgeBase.open(health_root) as kb:
        health = compute(kb, today=TODAY)
    # Fix notes not archived: printer 13, vpn 2, outlook 0 (reference link only), unused 0,
    # review 0.
    assert health.reuse_buckets == {"0": 3, "1": 0, "2-4": 1, "5-9": 0, "10+": 1}
    assert [(item.path, item.value) for item in health.most_reused] == [
        ("notes/printer.md", 13),
        ("notes/vpn.md", 2),
    ]
    assert [item.path for item in health.never_reused] == [
        "notes/outlook.md",
        "notes/review.md",
        "notes/unused.md",
    ]


def test_stale_questions_and_wip_notes_by_age(health_root: Path) -> None:
    with KnowledgeBase.open(health_root) as kb:
        health = compute(kb, today=TODAY)
        assert [(item.path, item.value) for item in health.stale] == [
            ("notes/draft.md", 59),
            ("notes/q-old.md", 30),
        ]
        wider = compute(kb, today=TODAY, stale_days=3)
    assert [item.path for item in wider.stale] == [
        "notes/draft.md",
        "notes/q-old.md",
        "notes/unused.md",
        "notes/q-new.md",
    ]


def test_stale_days_from_kb_toml_and_a_bad_value(health_root: Path) -> None:
    (health_root / "kb.toml").write_text('[search]\nengine = "whoosh"\n[health]\nstale_days = 40\n')
    with KnowledgeBase.open(health_root) as kb:
        assert kb.settings.stale_days == 40
        assert [item.path for item in compute(kb, today=TODAY).stale] == ["notes/draft.md"]
    (health_root / "kb.toml").write_text('[health]\nstale_days = "two weeks"\n')
    with KnowledgeBase.open(health_root) as kb:
        assert kb.settings.stale_days == 14
        assert "stale_days" in str(kb.settings.problems[0])


def test_past_review_and_flagged(health_root: Path, cli: Cli) -> None:
    assert cli("flag", "notes/vpn.md", "steps", "miss", "the", "new", "client").exit_code == 0
    with KnowledgeBase.open(health_root) as kb:
        health = compute(kb, today=TODAY)
    assert [(item.path, item.date, item.value) for item in health.past_review] == [
        ("notes/review.md", "2026-02-10", 19)
    ]
    assert [(item.path, item.reason, item.by) for item in health.flagged] == [
        ("notes/vpn.md", "steps miss the new client", "Ana Tester")
    ]


def test_content_gaps_group_unlinked_resolved_tickets(health_root: Path) -> None:
    with KnowledgeBase.open(health_root) as kb:
        health = compute(kb, today=TODAY)
    assert len(health.gaps) == 1
    gap = health.gaps[0]
    assert gap.count == 3 and gap.words == ["scanner", "email"]
    assert gap.tickets == ["INC0000005", "INC0000006", "INC0000007"]
    assert len(gap.samples) == 3 and all("Scanner" in title for title in gap.samples)


def test_content_gap_samples_are_capped_at_three() -> None:
    records = [
        parse_note(
            f"tickets/INC00001{n:02}.md",
            f"---\nid: INC00001{n:02}\ntitle: Docking station dead {n}\n---\n",
            kind="ticket",
        )
        for n in range(5)
    ]
    gaps = content_gaps(records)
    assert [(gap.count, len(gap.samples)) for gap in gaps] == [(5, 3)]
    words = significant_words("Please help: the new user cannot print INC0012345", TicketMatcher())
    assert words == {"print": "print"}


def test_searches_that_found_nothing(health_root: Path, cli: Cli) -> None:
    for _ in range(3):
        assert cli("search", "quokka", "firmware").exit_code == 1
    assert cli("search", "badge", "zebra", "lanyard", "kiosk").exit_code in (0, 1)
    assert cli("search", "printer", "offline").exit_code == 0  # a good answer: not logged
    logged = searchlog.read(health_root)
    assert [item.query for item in logged].count("quokka firmware") == 3
    assert all(item.source == "cli" for item in logged)
    assert "printer offline" not in [item.query for item in logged]
    with KnowledgeBase.open(health_root) as kb:
        health = compute(kb, today=TODAY)
    top = health.missed_searches[0]
    assert (top.query, top.count, top.empty) == ("quokka firmware", 3, 3)
    # The log is local: git never sees it.
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=health_root, capture_output=True, text=True
    )
    assert ".kb" not in status.stdout


def test_search_log_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searchlog, "MAX_BYTES", 2_000)
    for number in range(200):
        searchlog.record(tmp_path, f"query number {number}", 0, True, "cli")
    size = (tmp_path / searchlog.LOG_FILE).stat().st_size
    assert size <= 2_000
    queries = [item.query for item in searchlog.read(tmp_path)]
    assert queries[-1] == "query number 199" and "query number 0" not in queries
    assert not searchlog.record(tmp_path, "   ", 0, True, "cli")
    assert not searchlog.record(tmp_path, "strong", 5, False, "cli")


def test_kb_stats_text_and_json(health_root: Path, cli: Cli) -> None:
    result = cli("stats", "--today", "2026-03-01")
    no_traceback(result)
    assert result.exit_code == 0
    out = result.stdout
    assert "Notes: 10 (fix 6, question 2, guide 1, reference 1)" in out
    assert "Link rate: 44% (4 of 9 resolved tickets have a linked note)" in out
    assert "0: 3   1: 0   2-4: 1   5-9: 0   10+: 1" in out
    reused = "Most reused notes (tickets each solved):\n    13 tickets  Printer offline"
    assert f"{reused}  (notes/printer.md)" in out
    assert "Questions and wip notes older than 14 days: 2" in out
    assert "3 tickets about: scanner email" in out
    data = json.loads(cli("stats", "--json", "--days", "3", "--today", "2026-03-01").stdout)
    assert data["link_rate"] == {"resolved_tickets": 9, "linked": 4, "rate": 0.4444}
    assert data["stale_days"] == 3 and len(data["stale"]) == 4
    assert data["reuse"]["most_reused"][0]["tickets"] == 13
    assert data["content_gaps"][0]["count"] == 3
    bad = cli("stats", "--today", "yesterday")
    assert bad.exit_code == 2 and "not a date" in bad.stderr


def test_stats_on_an_empty_kb(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    KnowledgeBase.init(root)
    result = Cli(root)("stats")
    no_traceback(result)
    assert result.exit_code == 0
    assert "Notes: 0" in result.stdout and "no resolved ticket records yet" in result.stdout


# -- flag it or fix it -------------------------------------------------------------------------


def test_flag_shows_in_search_and_stats_and_edit_clears_it(
    health_root: Path, cli: Cli, tmp_path: Path
) -> None:
    path = health_root / "notes/printer.md"
    before = path.read_text()
    result = cli("flag", "printer", "toner", "step", "is", "outdated")
    no_traceback(result)
    assert result.exit_code == 0 and "Flagged notes/printer.md" in result.stdout
    assert git_log(health_root)[0] == "Flag: Printer offline: toner step is outdated"
    flagged = path.read_text()
    lines = flagged.splitlines(keepends=True)
    added = [line for line in lines if line.startswith(("flag:", "flagged_by:", "flagged_at:"))]
    assert added[0] == "flag: toner step is outdated\n" and added[1] == "flagged_by: Ana Tester\n"
    assert "".join(line for line in lines if line not in added) == before

    found = cli("search", "printer", "offline")
    assert "flagged: toner step is outdated" in found.stdout
    hits = json.loads(cli("search", "printer", "offline", "--json").stdout)
    assert hits[0]["path"] == "notes/printer.md" and hits[0]["flag"] == "toner step is outdated"
    stats = cli("stats")
    assert "Flagged for rework: 1" in stats.stdout and "toner step is outdated" in stats.stdout

    # Fixing the note clears the flag, in the same commit as the fix.
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('Fix it.', 'Replace the toner.'))\n"
    )
    edited = cli("edit", "printer", env={"EDITOR": f"{sys.executable} {editor}"})
    no_traceback(edited)
    assert (
        edited.exit_code == 0 and "Flag cleared (it said: toner step is outdated)" in edited.stdout
    )
    text = path.read_text()
    assert "flag" not in text and "Replace the toner." in text
    assert git_log(health_root)[0] == "Edit: Printer offline"
    shown = subprocess.run(
        ["git", "show", "--stat", "--format=%s", "HEAD"],
        cwd=health_root,
        capture_output=True,
        text=True,
    ).stdout
    assert "1 file changed" in shown
    assert "flagged" not in cli("search", "printer", "offline").stdout
    assert text == before.replace("Fix it.", "Replace the toner.")


def test_editing_only_the_flag_keeps_it(health_root: Path, cli: Cli, tmp_path: Path) -> None:
    assert cli("flag", "printer", "old steps").exit_code == 0
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('flag: old steps', 'flag: old toner steps'))\n"
    )
    result = cli("edit", "printer", env={"EDITOR": f"{sys.executable} {editor}"})
    assert result.exit_code == 0 and "Flag cleared" not in result.stdout
    assert "flag: old toner steps" in (health_root / "notes/printer.md").read_text()


def test_flag_clear_and_errors(health_root: Path, cli: Cli) -> None:
    before = (health_root / "notes/vpn.md").read_text()
    assert cli("flag", "vpn", "wrong").exit_code == 0
    cleared = cli("flag", "vpn", "--clear")
    no_traceback(cleared)
    assert cleared.exit_code == 0 and "it said: wrong" in cleared.stdout
    assert (health_root / "notes/vpn.md").read_text() == before
    assert git_log(health_root)[0] == "Clear flag: VPN drops"
    again = cli("flag", "vpn", "--clear")
    assert again.exit_code == 1 and "not flagged" in again.stderr
    no_reason = cli("flag", "vpn")
    assert no_reason.exit_code == 2 and "say why" in no_reason.stderr
    record = cli("flag", "tickets/INC0000001.md", "bad")
    assert record.exit_code == 2 and "ticket record" in record.stderr
    missing = cli("flag", "kubernetes", "x")
    assert missing.exit_code == 1
    for result in (again, no_reason, record, missing):
        no_traceback(result)


def test_a_question_about_a_ticket_is_not_a_fix_for_it(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    with KnowledgeBase.init(root) as kb:
        write(
            root,
            "tickets/INC0041010.md",
            """
            ---
            id: INC0041010
            title: Teams camera black
            status: resolved
            resolved: 2026-11-20
            ---
            Camera shows black.
            """,
        )
        kb.new_note("What about the teams camera", note_type="question", tickets=["INC0041010"])
        health = compute(kb, today=_dt.date(2026, 11, 22))
    assert health.resolved_tickets == 1
    assert health.linked_tickets == 0
    assert health.most_reused == []


def test_health_again_reads_only_when_something_changed(
    health_root: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Health opened again costs a walk of the folders; any change to what it reads (a
    note, a link, a logged search) works it out again."""
    loads: list[str] = []
    real = KnowledgeBase.load

    def counted(self: KnowledgeBase, source: object) -> object:
        loads.append(str(source))
        return real(self, source)  # type: ignore[arg-type]

    monkeypatch.setattr(KnowledgeBase, "load", counted)
    with KnowledgeBase.open(health_root) as kb:
        first = compute(kb, today=TODAY)
        assert loads
        loads.clear()
        again = compute(kb, today=TODAY)
        assert loads == [] and again == first
        again.flagged.clear()  # what a caller does with its copy changes nothing kept
        assert compute(kb, today=TODAY).flagged == first.flagged
        assert loads == []
        # A note edited: read again, and the figures follow.
        note(health_root, "vpn", "VPN drops", type="fix", status="wip")
        assert compute(kb, today=TODAY).by_status["wip"] == first.by_status["wip"] + 1
        assert loads
        loads.clear()
        # Another day: ages change.
        compute(kb, today=TODAY + _dt.timedelta(days=1))
        assert loads
        loads.clear()
        # A ticket linked: the link log changed.
        before = compute(kb, today=TODAY)
        loads.clear()
        link(health_root, "INC0000009", "outlook")
        assert compute(kb, today=TODAY).linked_tickets == before.linked_tickets + 1
        # A search that found nothing, logged.
        assert cli("search", "quokka", "firmware").exit_code == 1
        assert "quokka firmware" in [
            item.query for item in compute(kb, today=TODAY).missed_searches
        ]
