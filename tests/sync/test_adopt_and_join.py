"""A team's existing Markdown repository is a KB where its files are; ``kb clone`` joins it;
``kb sync`` never forks it. Real repositories, a bare repository as the server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kb import KnowledgeBase
from tests.helpers import Cli, Clone, git, no_traceback

DOCS = {
    "README.md": "# Team runbooks\nStart here.\n",
    "runbooks/printers/spooler.md": "# Restart the print spooler\nnet stop spooler\n",
    "runbooks/vpn/split tunnel.md": "# VPN split tunnel\nRoutes for the intranet.\n",
    "runbooks/café-wifi.md": "# Café wifi portal\nThe captive portal loops.\n",
    "archive/old.md": "# Old archive page\nobsolete spooler notes\n",
    ".obsidian/workspace.md": "# hidden spooler\n",
    "build/site.md": "# generated spooler page\n",
    "mkdocs.yml": "site_name: runbooks\n",
}


def _team_repo(root: Path, files: dict[str, str] = DOCS) -> Path:
    root.mkdir(parents=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "master")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Runbooks")
    return root


def _paths(kb: KnowledgeBase) -> list[str]:
    sources, _ = kb.sources()
    return [source.rel for source in sources]


def test_init_adopts_a_repository_where_its_notes_are(tmp_path: Path) -> None:
    root = _team_repo(tmp_path / "docs")
    result = Cli(None)("init", str(root))
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "Found 5 notes in 5 folders (the whole work tree)." in result.output
    assert "Indexed 5 files" in result.output
    assert git(root, "status", "--porcelain") == ""
    subjects = git(root, "log", "--format=%s").splitlines()
    assert subjects == ["Adopt this repository as a kb knowledge base", "Runbooks"]
    changed = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == [".gitattributes", "kb.toml"]
    assert not (root / "notes").exists() and not (root / "templates").exists()
    with KnowledgeBase.open(root) as kb:
        assert _paths(kb) == [
            "README.md",
            "archive/old.md",
            "runbooks/café-wifi.md",
            "runbooks/printers/spooler.md",
            "runbooks/vpn/split tunnel.md",
        ]
        hits = kb.search("spooler")
        assert "runbooks/printers/spooler.md" in [hit.path for hit in hits]
        assert [hit.path for hit in kb.search("captive portal")] == ["runbooks/café-wifi.md"]


def test_init_adopts_a_repository_that_already_has_a_notes_folder(tmp_path: Path) -> None:
    """A repository with commits and a ``notes/`` folder but no ``kb.toml``: its notes are
    read where they are, only kb's own files are committed, the index is built."""
    root = _team_repo(
        tmp_path / "docs",
        {"README.md": "# Team\n", "notes/printer.md": "# Printer offline\nRestart it.\n"},
    )
    result = Cli(None)("init", str(root))
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output
    assert git(root, "status", "--porcelain") == ""
    changed = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == [".gitattributes", "kb.toml"]
    with KnowledgeBase.open(root) as kb:
        assert [hit.path for hit in kb.search("printer offline")] == ["notes/printer.md"]


def test_kb_toml_names_the_content_folders_and_what_is_left_out(tmp_path: Path) -> None:
    root = _team_repo(tmp_path / "docs")
    KnowledgeBase.init(root).close()
    with KnowledgeBase.open(root) as kb:
        assert "archive/old.md" in _paths(kb)
    toml = (root / "kb.toml").read_text(encoding="utf-8")
    (root / "kb.toml").write_text(toml + '\n[content]\nexclude = ["archive"]\n', encoding="utf-8")
    with KnowledgeBase.open(root) as kb:
        assert "archive/old.md" not in _paths(kb)
        assert "README.md" in _paths(kb)
    (root / "kb.toml").write_text(toml + '\n[content]\nfolders = ["runbooks"]\n', encoding="utf-8")
    with KnowledgeBase.open(root) as kb:
        assert all(rel.startswith("runbooks/") for rel in _paths(kb))
        saved = kb.new_note("Printer queue stuck")
        assert saved.path == "runbooks/printer-queue-stuck.md"


def test_init_leaves_the_users_staged_work_alone(tmp_path: Path) -> None:
    root = _team_repo(tmp_path / "docs")
    (root / "runbooks/new.md").write_text("# Work in progress\n", encoding="utf-8")
    git(root, "add", "runbooks/new.md")
    KnowledgeBase.init(root).close()
    assert git(root, "status", "--porcelain") == "A  runbooks/new.md\n"
    assert "runbooks/new.md" not in git(root, "show", "--name-only", "--format=", "HEAD")


def test_a_tracked_gitattributes_edit_is_named_and_committed(tmp_path: Path) -> None:
    root = _team_repo(tmp_path / "docs", {**DOCS, ".gitattributes": "*.png binary\n"})
    result = Cli(None)("init", str(root))
    assert result.exit_code == 0, result.output
    assert ".gitattributes: one line added" in result.output
    assert (root / ".gitattributes").read_text(encoding="utf-8").startswith("*.png binary\n")
    assert git(root, "status", "--porcelain") == ""


def test_kb_save_commits_notes_with_any_name_in_an_adopted_repository(tmp_path: Path) -> None:
    root = _team_repo(tmp_path / "docs")
    KnowledgeBase.init(root).close()
    names = ["runbooks/été 'quoted'.md", "runbooks/-dash.md", "runbooks/..md"]
    for rel in names:
        (root / rel).write_text(f"# {rel}\nunique words zebracorn\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text("site_name: changed\n", encoding="utf-8")
    result = Cli(root)("save")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    committed = git(root, "show", "--name-only", "--format=", "-z", "HEAD").split("\0")
    assert sorted(filter(None, committed)) == sorted(names)
    assert git(root, "status", "--porcelain") == " M mkdocs.yml\n"
    with KnowledgeBase.open(root) as kb:
        assert sorted(hit.path for hit in kb.search("zebracorn")) == sorted(names)


def _bare(tmp_path: Path, source: Path, head: str) -> Path:
    server = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(source), str(server))
    git(server, "symbolic-ref", "HEAD", f"refs/heads/{head}")
    return server


def test_clone_joins_the_team_kb_whatever_its_branch_is_called(tmp_path: Path) -> None:
    root = _team_repo(tmp_path / "docs")
    KnowledgeBase.init(root).close()
    # The server's HEAD names a branch nobody pushed: plain git would clone nothing.
    server = _bare(tmp_path, root, head="main")
    git(root, "remote", "add", "origin", str(server))
    git(root, "fetch", "-q", "origin")
    git(root, "branch", "-q", "-u", "origin/master")
    joined = tmp_path / "ben"
    result = Cli(None)("clone", str(server), str(joined))
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "Indexed 5 files" in result.output
    assert git(joined, "branch", "--show-current").strip() == "master"
    assert git(joined, "status", "--porcelain") == ""
    with KnowledgeBase.open(joined) as kb:
        assert [hit.path for hit in kb.search("captive portal")] == ["runbooks/café-wifi.md"]
    # A change synced from either side reaches the other, and is searchable there.
    (joined / "runbooks/naïve printer.md").write_text("# Naive printer\nflamingo\n", "utf-8")
    assert Cli(joined)("sync").exit_code == 0
    assert Cli(root)("sync").exit_code == 0
    with KnowledgeBase.open(root) as kb:
        assert [hit.path for hit in kb.search("flamingo")] == ["runbooks/naïve printer.md"]
    (root / "runbooks/printers/spooler.md").write_text("# Spooler\npelican\n", "utf-8")
    assert Cli(root)("sync").exit_code == 0
    assert Cli(joined)("sync").exit_code == 0
    with KnowledgeBase.open(joined) as kb:
        assert [hit.path for hit in kb.search("pelican")] == ["runbooks/printers/spooler.md"]


def test_after_clone_plain_kb_commands_work_on_the_team_kb(tmp_path: Path) -> None:
    from kb.notes.user_config import user_config_path

    root = _team_repo(tmp_path / "docs")
    KnowledgeBase.init(root).close()
    server = _bare(tmp_path, root, head="master")
    config = user_config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("# my keys\n[keys]\nback = 'ctrl+b'\n", encoding="utf-8")
    joined = tmp_path / "équipe kb"
    result = Cli(None)("clone", str(server), str(joined))
    assert result.exit_code == 0, result.output
    assert "kb now opens this KB by default" in result.output
    # Only the one line was added, above the user's table; the rest is as they wrote it.
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# my keys\nkb = ") and text.endswith("[keys]\nback = 'ctrl+b'\n")
    found = Cli(None)("search", "captive", "portal")
    assert found.exit_code == 0, found.output
    assert "runbooks/café-wifi.md" in found.output
    # A config that already chooses a KB is never changed.
    again = Cli(None)("clone", str(server), str(tmp_path / "second"))
    assert again.exit_code == 0, again.output
    assert config.read_text(encoding="utf-8") == text
    assert "kb --kb" in again.output


def test_clone_of_an_empty_remote_is_a_new_kb_ready_to_push(tmp_path: Path, bare: Path) -> None:
    joined = tmp_path / "first"
    result = Cli(None)("clone", str(bare), str(joined))
    assert result.exit_code == 0, result.output
    assert (joined / "notes").is_dir()
    assert git(joined, "status", "--porcelain") == ""
    assert Cli(joined)("sync").exit_code == 0
    assert git(bare, "log", "--format=%s", "main").strip() == "Create knowledge base"


def test_clone_into_a_folder_that_holds_files_is_refused(tmp_path: Path, bare: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "mine.txt").write_text("x", encoding="utf-8")
    result = Cli(None)("clone", str(bare), str(target))
    no_traceback(result)
    assert result.exit_code == 2
    assert "not empty" in result.output


def test_clone_without_a_git_identity_says_what_to_run(
    tmp_path: Path, bare: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("EMAIL", "")
    result = Cli(None)("clone", str(bare), str(tmp_path / "new"))
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "git does not know who you are" in result.output
    assert f"git -C {tmp_path / 'new'} config user.name" in result.output


def test_sync_refuses_to_push_an_unrelated_history(tmp_path: Path) -> None:
    root = _team_repo(tmp_path / "docs")
    server = _bare(tmp_path, root, head="master")
    before = git(server, "for-each-ref")
    mine = tmp_path / "mine"
    KnowledgeBase.init(mine).close()
    git(mine, "remote", "add", "origin", str(server))
    result = Cli(mine)("sync")
    no_traceback(result)
    assert result.exit_code == 2
    assert "nothing in common" in result.output
    assert f"kb clone {server}" in result.output
    assert git(server, "for-each-ref") == before


def test_open_accepts_a_git_repository_without_kb_files(tmp_path: Path) -> None:
    root = _team_repo(tmp_path / "docs")
    with KnowledgeBase.open(root) as kb:
        assert "README.md" in _paths(kb)
    done = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True)
    assert done.stdout == b""


def test_a_pull_reindexes_notes_with_any_name(pair: tuple[Clone, Clone]) -> None:
    ana, ben = pair
    with KnowledgeBase.open(ana.root) as kb:
        kb.reindex()
    ben.write("notes/café printer 'tray'.md", "# Café printer\nmarmoset jams tray 2\n")
    assert ben("sync").exit_code == 0  # type: ignore[attr-defined]
    result = ana.cli("sync")
    assert result.exit_code == 0, result.output
    with KnowledgeBase.open(ana.root) as kb:
        hits = kb.search("marmoset", refresh=False)
        assert [hit.path for hit in hits] == ["notes/café printer 'tray'.md"]


def test_a_local_engine_choice_is_used_and_never_shared(pair: tuple[Clone, Clone]) -> None:
    ana, ben = pair
    (ana.root / ".kb").mkdir(exist_ok=True)
    (ana.root / ".kb/local.toml").write_text('[search]\nengine = "whoosh"\n', encoding="utf-8")
    with KnowledgeBase.open(ana.root) as kb:
        assert kb.settings.engine == "whoosh"
    ana.write("notes/other.md", "# Other\n")
    assert ana.cli("sync").exit_code == 0
    assert git(ana.root, "status", "--porcelain", "--ignored") == "!! .kb/\n"
    assert ".kb" not in git(ana.root, "ls-tree", "-r", "--name-only", "origin/main")
    assert ben.cli("sync").exit_code == 0
    assert not (ben.root / ".kb/local.toml").exists()


def test_a_commit_without_identity_says_the_exact_commands(
    tmp_path: Path, isolated_user: Path
) -> None:
    root = _team_repo(tmp_path / "docs")
    KnowledgeBase.init(root).close()
    (isolated_user / ".gitconfig").write_text("")
    result = Cli(root)("new", "--title", "No identity")
    assert result.exit_code == 2
    assert f"git -C {root} config user.name 'Your Name'" in result.stderr
    assert (root / "no-identity.md").exists()


def test_init_of_a_vault_without_git_commits_its_notes_where_they_are(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / "Daily").mkdir(parents=True)
    (vault / ".obsidian").mkdir()
    (vault / "Daily/printer fix.md").write_text("# Printer fix\nokapi\n", encoding="utf-8")
    (vault / ".obsidian/app.json").write_text("{}", encoding="utf-8")
    result = Cli(None)("init", str(vault))
    assert result.exit_code == 0, result.output
    assert "Found 1 note in 1 folder (the whole work tree)." in result.output
    tracked = git(vault, "ls-files").split("\n")
    assert "Daily/printer fix.md" in tracked and ".obsidian/app.json" not in tracked
    with KnowledgeBase.open(vault) as kb:
        assert [hit.path for hit in kb.search("okapi")] == ["Daily/printer fix.md"]


def test_a_plain_git_clone_of_an_empty_server_syncs_without_an_error(
    tmp_path: Path, bare: Path
) -> None:
    """``git clone`` of an empty team repository (not ``kb clone``): a first sync with
    nothing written says so, and once a teammate pushes, takes their notes."""
    git(tmp_path, "clone", "-q", str(bare), "mine")
    git(tmp_path, "clone", "-q", str(bare), "theirs")
    mine, theirs = Clone(tmp_path / "mine", "Ana Tester"), Clone(tmp_path / "theirs", "Ben Tech")
    result = mine.cli("sync")
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "Nothing to sync yet" in result.output and "HEAD" not in result.output
    theirs.write("notes/printer.md", "# Printer offline\nRestart the okapi spooler.\n")
    assert theirs.cli("sync").exit_code == 0
    (mine.root / "scratch.txt").write_text("not a note\n")  # left where it is
    result = mine.cli("sync")
    assert result.exit_code == 0, result.output
    assert "Got 1 change" in result.output
    assert mine.read("notes/printer.md") == theirs.read("notes/printer.md")
    assert (mine.root / "scratch.txt").read_text() == "not a note\n"
    found = mine.cli("search", "okapi")
    assert found.exit_code == 0 and "notes/printer.md" in found.output


def test_a_file_in_the_way_of_the_first_notes_is_named_not_overwritten(
    tmp_path: Path, bare: Path
) -> None:
    git(tmp_path, "clone", "-q", str(bare), "mine")
    git(tmp_path, "clone", "-q", str(bare), "theirs")
    mine, theirs = Clone(tmp_path / "mine", "Ana Tester"), Clone(tmp_path / "theirs", "Ben Tech")
    theirs.write("setup.txt", "the team's\n")
    theirs.write("notes/printer.md", "# Printer offline\n")
    git(theirs.root, "add", "-A")
    git(theirs.root, "commit", "-qm", "Setup")
    git(theirs.root, "push", "-q", "origin", "HEAD")
    (mine.root / "setup.txt").write_text("mine, not a note, never committed by kb\n")
    result = mine.cli("sync")
    no_traceback(result)
    assert result.exit_code == 2
    assert "could not take the notes of origin/main" in result.output
    assert "setup.txt" in result.output
    assert (mine.root / "setup.txt").read_text() == "mine, not a note, never committed by kb\n"
