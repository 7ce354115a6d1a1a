"""Service-desk exports imported as ticket records: every vendor's awkward parts, idempotence,
bad rows, hand-written records, and ticket words found by search."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb import KnowledgeBase
from kb.notes.frontmatter import parse
from kb.tickets.importers.common import parse_date, plain_text
from kb.tickets.importers.html import html_to_text
from kb.tickets.importers.jira import markup_to_text
from tests.helpers import Cli, built_once, git_log, no_traceback, write

EXPORTS = Path(__file__).parent / "data" / "exports"


def _import(cli: Cli, name: str, *options: str) -> tuple[int, str, str]:
    result = cli("import", str(EXPORTS / name), *options)
    no_traceback(result)
    return result.exit_code, result.output, result.stderr


def _record(root: Path, ticket: str) -> tuple[dict[str, object], str]:
    front = parse((root / "tickets" / f"{ticket}.md").read_text(encoding="utf-8"))
    return front.data, front.body


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in (root / "tickets").rglob("*.md")}


# -- ServiceNow -------------------------------------------------------------------------------


def test_servicenow_csv(cli: Cli, kb_root: Path) -> None:
    code, out, err = _import(cli, "servicenow_incidents.csv")
    assert code == 0, err
    assert "ServiceNow export (detected)" in out
    assert "4 tickets: 4 new, 0 updated, 0 unchanged, 2 bad rows (lines 12, 14)" in out
    assert "line 12: no ticket id" in err and "line 14: 3 cells where the header has 15" in err
    assert git_log(kb_root)[0] == (
        "Import 4 tickets from servicenow_incidents.csv: 4 new, 0 updated"
    )
    data, body = _record(kb_root, "INC0012345")
    assert data == {
        "id": "INC0012345",
        "title": "Outlook keeps asking for password after mailbox migration",
        "status": "Resolved",
        "opened": "2026-11-03 09:14:22",  # seconds kept as the export wrote them
        "resolved": "2026-11-03 10:02:51",
        "caller": "Maria Garcia",
        "assignee": "Ana Lopez",
        "category": "Software / Email",
        "source": "servicenow",
    }
    assert '"it never stops"' in body and "Resolution code: Solved (Permanently)" in body
    # The journal is oldest first, work notes marked.
    assert body.index("(work note)") < body.index("Please confirm it stays quiet")
    teams, _ = _record(kb_root, "INC0012390")
    assert teams["title"] == 'Teams crashes with error caa70004, "We\'re sorry"'


def test_servicenow_json_records_and_table_api(cli: Cli, kb_root: Path, tmp_path: Path) -> None:
    code, out, _err = _import(cli, "servicenow_incidents.json")
    assert code == 0 and "2 new" in out and "1 bad row (record 3)" in out
    data, body = _record(kb_root, "INC0020002")
    assert data["caller"] == "Jonas Berg" and data["assignee"] == "Ana Lopez"
    assert "The Finance shared mailbox disappeared" in body and "<p>" not in body
    table_api = tmp_path / "result.json"
    table_api.write_text(
        json.dumps(
            [{"number": "INC0020003", "short_description": "Plain list export", "state": "New"}]
        )
    )
    code, out, _ = _import(cli, str(table_api))
    assert code == 0 and "1 new" in out


# -- Jira -------------------------------------------------------------------------------------


def test_jira_csv_repeated_headers_comments_and_dates(cli: Cli, kb_root: Path) -> None:
    code, out, err = _import(cli, "jira_help.csv")
    assert code == 0, err
    assert "Jira export (detected)" in out and "1 bad row (line 10)" in out
    data, body = _record(kb_root, "HELP-482")
    assert data["tags"] == ["network-drive", "windows"]
    assert data["opened"] == "2026-11-03 09:14" and data["resolved"] == "2026-11-03 14:40"
    assert data["category"] == "Get IT help"
    assert "```powershell\nnet use S: \\\\fs01\\shared /persistent:yes\n```" in body
    assert "h3." not in body and "*S:*" not in body
    assert "the wiki (https://wiki.corp.local/drives)" in body
    assert "### 2026-11-03 10:02 · 5b10ac8d82e05b22cc7d4ef5" in body
    assert "Note: uses ; inside the body." in body
    _badge, badge_body = _record(kb_root, "HELP-483")
    assert "{color" not in badge_body and "Urgent - starts today" in badge_body


# -- Zendesk ----------------------------------------------------------------------------------


def test_zendesk_json_with_users_and_html_comments(cli: Cli, kb_root: Path) -> None:
    code, out, _ = _import(cli, "zendesk_tickets.json")
    assert code == 0 and "Zendesk export (detected)" in out and "record 3" in out
    data, body = _record(kb_root, "ZD-4521")
    assert data["caller"] == "Claire Martin" and data["assignee"] == "Ana Lopez"
    assert data["tags"] == ["password", "self-service"]
    assert data["opened"] == "2026-11-12 09:14:05 UTC"
    assert "(internal note)" in body and "<b>" not in body
    assert "- Click the link within 15 minutes" in body
    assert body.count("I requested it 5 minutes ago.") == 1  # the first comment is the description


def test_zendesk_admin_csv_says_it_has_no_descriptions_and_never_replaces_json(
    cli: Cli, kb_root: Path
) -> None:
    _import(cli, "zendesk_tickets.json")
    full = (kb_root / "tickets/ZD-4521.md").read_bytes()
    code, out, err = _import(cli, "zendesk_admin.csv")
    assert code == 0
    assert "Zendesk admin CSV export (detected)" in out
    assert "no ticket descriptions" in err
    assert (kb_root / "tickets/ZD-4521.md").read_bytes() == full
    data, _ = _record(kb_root, "ZD-4530")
    assert data["title"] == "Screen flickers on docking station"
    assert data["source"] == "zendesk-csv"


# -- GLPI -------------------------------------------------------------------------------------


def test_glpi_csv_semicolons_french_labels_escaped_html(cli: Cli, kb_root: Path) -> None:
    code, out, _ = _import(cli, "glpi_tickets_fr.csv")
    assert code == 0 and "GLPI export (detected)" in out and "1 bad row (line 4)" in out
    data, body = _record(kb_root, "GLPI-1234")
    assert data["title"] == "Imprimante du 2e étage hors ligne"
    assert data["status"] == "Résolu" and data["opened"] == "2026-11-03 09:14"
    assert data["caller"] == "Élodie Moreau" and data["category"] == "Matériel / Imprimante"
    assert "« hors ligne »" in body and "&lt;" not in body and "<strong>" not in body
    assert "```\nRestart-Service -Name Spooler\n```" in body
    vpn, _ = _record(kb_root, "GLPI-1235")
    assert vpn["status"] == "Processing (assigned)"


def test_cp1252_csv_is_read_with_a_warning(cli: Cli, kb_root: Path, tmp_path: Path) -> None:
    text = (EXPORTS / "glpi_tickets_fr.csv").read_text(encoding="utf-8-sig")
    legacy = tmp_path / "glpi-excel.csv"
    legacy.write_bytes(text.encode("cp1252"))
    code, out, err = _import(cli, str(legacy))
    assert code == 0 and "2 new" in out
    assert "not UTF-8: read as Windows-1252" in err
    data, _ = _record(kb_root, "GLPI-1234")
    assert data["caller"] == "Élodie Moreau"


# -- generic mapping --------------------------------------------------------------------------


def test_generic_csv_and_json_with_a_mapping(cli: Cli, kb_root: Path, tmp_path: Path) -> None:
    with (kb_root / "kb.toml").open("a") as toml:
        toml.write(
            '\n[import]\nid_prefix = "CASE-"\n\n[import.mapping]\nid = "Case Number"\n'
            'title = "Subject"\ndescription = "Details"\nstatus = "State"\ntags = "Keywords"\n'
        )
    export = tmp_path / "cases.csv"
    export.write_text(
        "Case Number,Subject,Details,State,Keywords\n"
        "00123,Scanner sends empty PDFs,Scan to e-mail gives 0 KB files,Closed,scanner;mfp\n"
    )
    code, out, err = _import(cli, str(export))
    assert code == 0, err
    assert "generic CSV" in out
    data, body = _record(kb_root, "CASE-00123")
    assert data["tags"] == ["scanner", "mfp"] and "0 KB files" in body
    as_json = tmp_path / "cases.json"
    as_json.write_text(json.dumps({"items": [{"Case Number": "124", "Subject": "Badge"}]}))
    code, out, _ = _import(cli, str(as_json))
    assert code == 0 and "generic JSON" in out and (kb_root / "tickets/CASE-124.md").exists()


def test_unknown_format_is_one_clear_line(cli: Cli, tmp_path: Path) -> None:
    export = tmp_path / "mystery.csv"
    export.write_text("a,b,c\n1,2,3\n")
    code, _, err = _import(cli, str(export))
    assert code == 2
    assert err.startswith("kb: cannot tell which desk mystery.csv comes from (columns: a, b, c)")
    assert err.count("\n") == 1
    code, _, err = _import(cli, str(EXPORTS / "jira_help.csv"), "--format", "json")
    assert code == 2 and "not JSON" in err
    missing = _import(cli, str(tmp_path / "nope.csv"))
    assert missing[0] == 2


# -- idempotence, updates, hand-written records -----------------------------------------------


def test_reimport_changes_nothing_and_commits_nothing(cli: Cli, kb_root: Path) -> None:
    _import(cli, "servicenow_incidents.csv")
    before, commits = _tree(kb_root), git_log(kb_root)
    code, out, _ = _import(cli, "servicenow_incidents.csv")
    assert code == 0
    assert "0 new, 0 updated, 4 unchanged" in out and "Nothing changed; nothing committed." in out
    assert _tree(kb_root) == before and git_log(kb_root) == commits
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=kb_root, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""


def test_a_changed_ticket_is_updated(cli: Cli, kb_root: Path, tmp_path: Path) -> None:
    _import(cli, "servicenow_incidents.csv")
    changed = tmp_path / "servicenow_incidents.csv"
    text = (EXPORTS / "servicenow_incidents.csv").read_bytes().decode("utf-8")
    changed.write_bytes(text.replace('"In Progress"', '"Resolved"').encode("utf-8"))
    code, out, _ = _import(cli, str(changed))
    assert code == 0 and "0 new, 1 updated, 3 unchanged" in out
    assert git_log(kb_root)[0] == "Import 1 ticket from servicenow_incidents.csv: 0 new, 1 updated"
    data, _ = _record(kb_root, "INC0012390")
    assert data["status"] == "Resolved"


def test_hand_written_record_is_never_overwritten(cli: Cli, kb_root: Path) -> None:
    mine = "---\nid: INC0012377\ntitle: My own notes on this VPN ticket\n---\nKeep me.\n"
    write(kb_root, "tickets/INC0012377.md", mine)
    code, out, err = _import(cli, "servicenow_incidents.csv")
    assert code == 0 and "3 new" in out and "1 kept as written by hand" in out
    assert "tickets/INC0012377.md" in err
    assert (kb_root / "tickets/INC0012377.md").read_text() == mine


def test_only_bad_rows_exits_1(cli: Cli, tmp_path: Path) -> None:
    export = tmp_path / "broken.csv"
    export.write_text('number,short_description\n,"no id"\n')
    code, _out, err = _import(cli, str(export))
    assert code == 1 and "line 2: no ticket id" in err
    assert "no ticket could be imported" in err


# -- search -----------------------------------------------------------------------------------


def test_a_tickets_words_find_it(cli: Cli, kb: KnowledgeBase) -> None:
    _import(cli, "servicenow_incidents.csv")
    _import(cli, "jira_help.csv")
    hits = kb.search("intranet.corp.local times out")
    assert hits[0].path == "tickets/INC0012377.md" and hits[0].kind == "ticket"
    assert kb.search("caa70004")[0].path == "tickets/INC0012390.md"
    assert kb.search("network drive red cross")[0].path == "tickets/HELP-482.md"
    result = cli("search", "GlobalProtect")
    assert "tickets/INC0012377.md · ticket" in result.output


def test_ticket_view_shows_the_record_and_its_linked_notes(cli: Cli) -> None:
    _import(cli, "servicenow_incidents.csv")
    cli("link", "printer-offline", "INC0012390", "--reference")
    result = cli("ticket", "INC0012390")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("INC0012390  Teams crashes with error caa70004")
    assert "status In Progress" in result.output and "Description:" in result.output
    assert "reference" in result.output and "notes/printer-offline.md" in result.output
    data = json.loads(cli("ticket", "INC0012390", "--json").output)
    assert data["record"]["source"] == "servicenow" and data["record"]["caller"] == "Sam Patel"


def test_ticket_url_template(kb_root: Path, cli: Cli) -> None:
    with (kb_root / "kb.toml").open("a") as toml:
        toml.write('\n[tickets]\nurl = "https://desk.example.org/ticket/{id}"\n')
    _import(cli, "jira_help.csv")
    assert "Open: https://desk.example.org/ticket/HELP-482" in cli("ticket", "HELP-482").output


# -- the parsers on their own -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("03/Nov/26 9:14 AM", "2026-11-03 09:14"),
        ("03/Nov/26 12:05 PM", "2026-11-03 12:05"),
        ("03/Nov/26 12:05 AM", "2026-11-03 00:05"),
        ("2026-11-03 09:14:22", "2026-11-03 09:14:22"),
        ("2026-11-03T09:14:22Z", "2026-11-03 09:14:22 UTC"),
        ("2026-11-03T09:14:22+0100", "2026-11-03 09:14:22 +01:00"),
        ("2026-11-03 14:02:11.250", "2026-11-03 14:02:11"),
        ("03/Nov/26 2:02:11 PM", "2026-11-03 14:02:11"),
        ("11/03/2026 09:14", "2026-11-03 09:14"),
        ("25/03/2026", "2026-03-25"),
        ("03-11-2026 09:14", "2026-03-11 09:14"),
        ("3 nov. 2026", "2026-11-03"),
        ("", ""),
        ("next Tuesday", "next Tuesday"),
    ],
)
def test_dates(value: str, expected: str) -> None:
    assert parse_date(value) == expected


def test_glpi_dates_are_day_first() -> None:
    assert parse_date("03-11-2026 09:14", day_first=True) == "2026-11-03 09:14"


def test_html_to_text() -> None:
    html = (
        "<style>p{color:red}</style><p>Hello&nbsp;<b>world</b></p><ul><li>one</li><li>two</li>"
        '</ul><p>See <a href="https://x.example/kb">the KB</a><br>done</p><script>x()</script>'
    )
    assert (
        html_to_text(html)
        == "Hello world\n\n- one\n- two\n\nSee the KB (https://x.example/kb)\ndone"
    )


def test_jira_markup() -> None:
    assert markup_to_text("h2. Steps\n* one\n** two\n# first") == "Steps\n- one\n  - two\n1. first"
    assert markup_to_text("{noformat}a *b*{noformat}") == "```\na *b*\n```"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    parse_date(text)
    html_to_text(text)
    markup_to_text(text)


@settings(max_examples=30, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=300,
    )
)
def test_any_csv_cell_imports_without_a_traceback(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    blank = lambda root: KnowledgeBase.init(root).close()  # noqa: E731
    root = built_once(tmp_path_factory, "blank", blank, tmp_path_factory.mktemp("kb") / "kb")
    export = root.parent / f"{root.name}.csv"
    import csv

    with export.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [["number", "short_description", "description"], ["INC0000001", text, text]]
        )
    with KnowledgeBase.open(root) as kb:
        report = kb.import_tickets(export)
        assert report.tickets == 1
        again = kb.import_tickets(export)
        assert again.unchanged == 1 and again.saved is None
    shutil.rmtree(root, ignore_errors=True)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60))
def test_record_fields_read_back_as_written(text: str) -> None:
    from kb.tickets.records import TicketRecord, render

    value = " ".join(text.split())
    if not value:
        return
    record = TicketRecord(id="INC0000001", title=value, caller=value, tags=[value])
    data = parse(render(record)).data
    # As written, except control characters, which a record never holds (kb.control_chars).
    from kb.notes.control_chars import storable

    value = " ".join(storable(value).split())
    assert data["title"] == value and data["caller"] == value and data["tags"] == [value]


def test_on_equal_words_the_fix_note_ranks_above_the_ticket_record(
    cli: Cli, kb: KnowledgeBase
) -> None:
    _import(cli, "servicenow_incidents.csv")
    kb.new_note("Outlook keeps asking for password after mailbox migration", tags=["outlook"])
    hits = kb.search("outlook password mailbox migration")
    assert hits[0].kind == "note" and hits[1].path == "tickets/INC0012345.md"


def test_entities_in_a_cell_without_tags_become_text() -> None:
    assert plain_text("Black &amp; blank screen") == "Black & blank screen"
