"""One owner per concept: links, NOTE names, revisions, the editor, the sync report and the
ranking numbers each have one place in kb, and both faces (command line, app) use it."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.git.revisions import SHORT, short
from kb.health.checks import check
from kb.knowledgebase.starter import starter_notes
from kb.notes.errors import KBError
from kb.notes.markdown import Link, parse_body
from kb.sync.conflict_files import Conflict
from kb.sync.report import SyncReport, report_lines
from kb.tui.links import resolve_href, to_markdown_links

PROJECT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT.parent / "shared" / "corpus"


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _new_kb(root: Path, notes: dict[str, str]) -> KnowledgeBase:
    KnowledgeBase.init(root).close()
    for rel, text in notes.items():
        _write(root, rel, text)
    return KnowledgeBase.open(root)


def _disagreements(kb: KnowledgeBase) -> list[str]:
    """Links ``kb check`` and the app answer differently: the check reports a problem and the
    app follows the link, or the check passes it and the app cannot follow it."""
    reported = {(p.path, p.message) for p in check(kb)}
    notes, _ = kb.notes()
    found = []
    for note in notes:
        for link in note.body.links:
            try:
                kb.follow_link(note.path, link)
                followed = True
            except KBError:
                followed = False
            broken = any(
                path == note.path and link.target in message and "link" in message
                for path, message in reported
            )
            leads_to_a_file = link.kind != "wiki" and not followed and not broken
            if followed == broken and not leads_to_a_file:
                found.append(f"{note.path}: {link.kind} {link.target!r} followed={followed}")
    return found


def test_check_and_the_app_agree_on_a_link_by_title_words(tmp_path: Path) -> None:
    kb = _new_kb(
        tmp_path / "kb",
        {
            "notes/outlook-password-prompt-loop.md": (
                "---\ntitle: Outlook asks for the password again and again\n---\n## Issue\nx\n"
            ),
            "notes/mailbox-move.md": (
                "---\ntitle: Mailbox move checklist\n---\nSee [[Outlook asks for the password "
                "again]] and [[no-such-note]].\n"
            ),
        },
    )
    with kb:
        messages = [p.message for p in check(kb) if p.path == "notes/mailbox-move.md"]
        assert messages == ["broken link [[no-such-note]]"]
        link = Link("Outlook asks for the password again", "wiki", 1)
        target = kb.follow_link("notes/mailbox-move.md", link)
        assert target == "notes/outlook-password-prompt-loop.md"
        with pytest.raises(KBError, match="no note matches 'no-such-note'"):
            kb.follow_link("notes/mailbox-move.md", Link("no-such-note", "wiki", 1))
        assert _disagreements(kb) == []


def test_a_name_two_notes_share_is_ambiguous_for_check_and_app(tmp_path: Path) -> None:
    kb = _new_kb(
        tmp_path / "kb",
        {
            "notes/printers/reset.md": "# Reset a printer\n",
            "notes/vpn/reset.md": "# Reset the VPN client\n",
            "notes/index.md": (
                "# Index\n[[reset]] and [[Reset the VPN client]] and [x](/notes/vpn/reset.md)\n"
            ),
        },
    )
    with kb:
        messages = [p.message for p in check(kb) if p.path == "notes/index.md"]
        assert len(messages) == 1 and messages[0].startswith("ambiguous link [[reset]]: 2 notes")
        with pytest.raises(KBError, match="ambiguous"):
            kb.follow_link("notes/index.md", Link("reset", "wiki", 2))
        rooted = resolve_href("/notes/vpn/reset.md", "notes/index.md")
        assert rooted.link is not None
        assert kb.follow_link("notes/index.md", rooted.link) == "notes/vpn/reset.md"
        assert _disagreements(kb) == []


def test_check_and_the_app_agree_on_every_link_of_the_starter_kb(tmp_path: Path) -> None:
    source = starter_notes()
    assert source is not None
    root = tmp_path / "starter"
    root.mkdir()
    shutil.copytree(source, root / "notes")
    with KnowledgeBase.init(root) as kb:
        assert _disagreements(kb) == []
        assert not [p for p in check(kb) if "link" in p.message]


def test_check_and_the_app_agree_on_the_links_of_a_shared_corpus(tmp_path: Path) -> None:
    folder = CORPUS / "ms-support"
    if not folder.is_dir():
        pytest.skip("shared corpus not present")
    root = tmp_path / "corpus"
    files = sorted(folder.rglob("*.md"))[:400]
    for path in files:
        _write(root, "notes/" + path.relative_to(folder).as_posix(), path.read_text("utf-8"))
    with KnowledgeBase.init(root) as kb:
        assert _disagreements(kb) == []


def test_the_app_renders_exactly_the_wiki_links_the_core_reads() -> None:
    body = (
        "See [[printer-offline]], [[vpn#dns|the VPN note]] and `[[code]]`.\n\n"
        "    [[indented code]]\n\n```\n[[fenced]]\n```\n- [[in a list]]\n"
    )
    read = sorted(link.target for link in parse_body(body).links if link.kind == "wiki")
    rendered = to_markdown_links(body)
    shown = sorted(
        part.split(")", 1)[0].replace("%20", " ") for part in rendered.split("(wiki:")[1:]
    )
    assert read == shown == ["in a list", "printer-offline", "vpn"]


def test_guides_and_notes_are_named_by_one_rule(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = cli.root
    _write(
        root,
        "notes/onboarding-basics.md",
        "---\ntitle: Your first days\ntype: guide\n---\n## Reading path\n1. [[printer-offline]]\n",
    )
    shown = cli("show", "onboarding")
    assert shown.exit_code == 0, shown.output
    assert "Your first days" in shown.stdout
    guide = cli("guide", "onboarding")
    assert guide.exit_code == 0, guide.output
    assert "GUIDE  Your first days" in guide.stdout


def test_a_revision_is_shown_the_same_everywhere(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = cli.root
    sha = subprocess.run(
        ["git", "log", "-1", "--format=%H", "--", "notes/printer-offline.md"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert short(sha) == sha[:SHORT] and SHORT == 7
    log = cli("log", "notes/printer-offline.md")
    assert log.exit_code == 0
    assert log.stdout.split()[0] == short(sha)
    from kb.git.revisions import log as history

    assert history(root, "notes/printer-offline.md")[0].short == short(sha)


def test_one_editor_command_for_the_command_line_and_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kb.notes.editor import editor_command
    from kb.tui.screens.note import external_editor

    monkeypatch.setenv("VISUAL", "my-editor --wait")
    monkeypatch.setenv("EDITOR", "other")
    assert editor_command("a.md") == ["my-editor", "--wait", "a.md"]
    assert external_editor() == ["my-editor", "--wait"]
    monkeypatch.delenv("VISUAL")
    assert external_editor() == editor_command() == ["other"]
    monkeypatch.setenv("EDITOR", "'unclosed")
    with pytest.raises(KBError, match="cannot start the editor"):
        editor_command()


def test_the_sync_report_is_worded_once_for_both_faces() -> None:
    from kb.tui.screens.sync import report_lines as app_lines

    report = SyncReport(
        branch="main",
        remote="origin",
        committed=["notes/a.md"],
        incoming=3,
        merged=["notes/b.md"],
        pushed=2,
        upstream_set=True,
        conflicts=[Conflict("notes/c.md", "notes/c.conflict-ben-1.md", "Ben")],
        notices=["removed a stale .git/index.lock"],
        index_warning="search index not updated (busy); run 'kb index'",
        ignored=["notes/private.md"],
    )
    core = [line.text for line in report_lines(report)]
    assert app_lines(report) == core
    assert core[:4] == [
        "Committed 1 changed file.",
        "Got 3 changes from origin (1 merged line by line).",
        "Conflict kept for review: notes/c.md (yours) and notes/c.conflict-ben-1.md (Ben).",
        "Sent 2 commits to origin/main (upstream set).",
    ]
    assert [line.warning for line in report_lines(report)][-2:] == [True, True]


def test_the_engines_take_every_ranking_number_from_one_module() -> None:
    """No engine writes a ranking weight as a bare number: they all come from
    :mod:`kb.search.ranking` (a number may only name a module-level constant)."""
    for name in ("tantivy_engine.py", "whoosh_engine.py", "whoosh_scorer.py"):
        tree = ast.parse((PROJECT / "kb" / "search" / "engines" / name).read_text())
        named = {
            id(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
        }
        bare = [
            (name, node.lineno, node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, float)
            and node.value not in (0.0, 1.0)
            and id(node) not in named
            and node.value != 0.05  # a polling pause, not a weight
        ]
        assert bare == [], bare
