"""Names kb cannot use (bytes that are not UTF-8, control characters) are named once,
escaped, by kb init and kb index, listed by kb check, and the rest of the KB is indexed."""

from __future__ import annotations

import os
from pathlib import Path

from kb import KnowledgeBase
from kb.notes.files import shown_name, unusable_name
from tests.helpers import Cli, git, no_traceback

GOOD = [b"ok.md", b"with space.md", b"-dash.md", b"..md", "café.md".encode()]
BAD = [b"bad\xe9.md", b"ctl\x1b[31m.md", b"new\nline.md"]


def _docs(root: Path) -> Path:
    folder = os.fsencode(root / "docs")
    os.makedirs(folder)
    os.makedirs(os.path.join(folder, b"odd\x07folder"))
    for name in [*GOOD, *BAD, b"odd\x07folder/inside.md"]:
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(b"# A page\n\nprinter spooler words\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "docs")
    return root


def test_which_names_kb_cannot_use() -> None:
    assert unusable_name("docs/café.md") is None
    assert unusable_name("docs/..md") is None
    assert unusable_name(os.fsdecode(b"docs/bad\xe9.md"))
    assert unusable_name("docs/a\x1bb.md")
    assert shown_name(os.fsdecode(b"docs/bad\xe9.md")) == "docs/bad\\xe9.md"
    assert shown_name("docs/ctl\x1b[31m.md") == "docs/ctl\\u001b[31m.md"


def test_names_kb_cannot_use_are_told_once_and_the_rest_is_indexed(tmp_path: Path) -> None:
    root = _docs(tmp_path / "team")
    cli = Cli(root)
    first = cli("init", str(root))
    no_traceback(first)
    assert first.exit_code == 0, first.output
    assert "Found 5 notes" in first.output
    told = first.stderr
    assert "docs/bad\\xe9.md: name is not valid UTF-8" in told
    assert "docs/ctl\\u001b[31m.md: name holds a control character" in told
    assert "docs/new\\u000aline.md" in told
    assert "docs/odd\\u0007folder: folder name holds a control character" in told
    assert "\x1b" not in first.output + told and "\x07" not in first.output + told
    assert git(root, "status", "--porcelain") == ""

    again = cli("index")
    assert again.exit_code == 0
    assert "cannot use" not in again.stderr
    checked = cli("check")
    assert checked.output.count("kb cannot use") == 4
    assert "\x1b" not in checked.output

    found = cli("search", "--json", "printer", "-n", "50")
    assert found.exit_code == 0
    for name in GOOD:
        assert f'"docs/{name.decode()}"' in found.output
    with KnowledgeBase.open(root) as kb:
        paths = {hit.path for hit in kb.search("printer", limit=50)}
    assert paths == {f"docs/{name.decode()}" for name in GOOD}


def test_a_pulled_name_kb_cannot_use_is_skipped_by_a_search(tmp_path: Path) -> None:
    root = _docs(tmp_path / "team")
    KnowledgeBase.init(root).close()
    with open(os.path.join(os.fsencode(root / "docs"), b"later\x1b.md"), "wb") as handle:
        handle.write(b"# Later\n\nprinter\n")
    with KnowledgeBase.open(root) as kb:
        paths = {hit.path for hit in kb.search("printer", limit=50)}
    assert paths == {f"docs/{name.decode()}" for name in GOOD}
