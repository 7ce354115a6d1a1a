"""Language folders in search: ``lang:`` narrows to one, and without it the page in the
user's language comes before its translations (real git repositories, both engines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.search.query import parse
from tests.helpers import Cli, git

PAGES = {
    "pages/common/tar.md": "# tar\n\n> Archiving utility.\n\n- Create: `tar cf a.tar f`\n",
    "pages.fr/common/tar.md": "# tar\n\n> Archivage tar.\n\n- Créer: `tar cf a.tar f`\n",
    "pages.pt_BR/common/tar.md": "# tar\n\n> Arquivamento tar tar.\n\n- Criar: `tar cf a.tar f`\n",
    "pages.fr/common/zip.md": "# zip\n\n> Compresser des fichiers.\n",
    "pages/common/unzip.md": "# unzip\n\n> Extract files.\n",
}


def _tldr(root: Path, engine: str) -> Path:
    for rel, text in PAGES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / ".kb").mkdir()
    (root / ".kb" / "local.toml").write_text(f'[search]\nengine = "{engine}"\n')
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "pages")
    KnowledgeBase.init(root).close()
    return root


def _paths(root: Path, query: str) -> list[str]:
    with KnowledgeBase.open(root) as kb:
        return [hit.path for hit in kb.search(query)]


def test_lang_is_a_filter() -> None:
    query = parse("tar lang:pt_BR -language:fr")
    assert [(f.name, f.value, f.negated) for f in query.filters] == [
        ("lang", "pt_BR", False),
        ("lang", "fr", True),
    ]


def test_lang_narrows_to_a_language_folder(tmp_path: Path, engine: str) -> None:
    root = _tldr(tmp_path / "tldr", engine)
    assert _paths(root, "tar lang:fr") == ["pages.fr/common/tar.md"]
    assert _paths(root, "tar lang:pt_BR") == ["pages.pt_BR/common/tar.md"]
    assert _paths(root, "tar lang:PT-br") == ["pages.pt_BR/common/tar.md"]
    assert _paths(root, "tar lang:main") == ["pages/common/tar.md"]
    assert sorted(_paths(root, "tar -lang:fr")) == [
        "pages.pt_BR/common/tar.md",
        "pages/common/tar.md",
    ]
    assert _paths(root, "lang:fr") == ["pages.fr/common/zip.md", "pages.fr/common/tar.md"] or (
        sorted(_paths(root, "lang:fr")) == ["pages.fr/common/tar.md", "pages.fr/common/zip.md"]
    )


def test_the_main_language_named_in_kb_toml_is_a_lang_value(tmp_path: Path) -> None:
    root = _tldr(tmp_path / "tldr", "whoosh")
    (root / "kb.toml").write_text('[content]\nlanguage = "en"\n')
    assert _paths(root, "tar lang:en") == ["pages/common/tar.md"]


def test_the_users_language_comes_first(tmp_path: Path, engine: str) -> None:
    root = _tldr(tmp_path / "tldr", engine)
    # The Portuguese page says "tar" most often, yet the page in the KB's main language leads.
    found = _paths(root, "tar")
    assert found[0] == "pages/common/tar.md"
    assert set(found) == {
        "pages/common/tar.md",
        "pages.fr/common/tar.md",
        "pages.pt_BR/common/tar.md",
    }
    # A translation that alone holds the words is still found.
    assert _paths(root, "compresser") == ["pages.fr/common/zip.md"]
    # A French technician's own config puts the French page first.
    local = root / ".kb" / "local.toml"
    local.write_text(local.read_text() + 'language = "fr"\n')
    assert _paths(root, "tar")[0] == "pages.fr/common/tar.md"


def test_cli_search_with_lang_and_its_help(tmp_path: Path) -> None:
    root = _tldr(tmp_path / "tldr", "whoosh")
    cli = Cli(root)
    result = cli("search", "tar")
    assert result.exit_code == 0
    assert result.output.index("pages/common/tar.md") < result.output.index("pages.fr/")
    narrowed = cli("search", "--json", "tar", "lang:fr")
    assert narrowed.exit_code == 0
    assert "pages.fr/common/tar.md" in narrowed.output
    assert '"lang": "fr"' in narrowed.output
    assert "pages/common/tar.md" not in narrowed.output
    assert "lang:fr" in cli("search", "--help").output


@pytest.mark.parametrize("value", ["english!", "", 3])
def test_a_bad_main_language_is_one_problem(tmp_path: Path, value: object) -> None:
    from kb.notes.settings import load_settings

    shown = f'"{value}"' if isinstance(value, str) else str(value)
    (tmp_path / "kb.toml").write_text(f"[content]\nlanguage = {shown}\n")
    settings = load_settings(tmp_path)
    assert settings.main_language is None
    assert [p.message for p in settings.problems if "language" in p.message]


def test_the_app_shows_a_hits_language(tmp_path: Path) -> None:
    from kb.tui.display import hit_meta

    root = _tldr(tmp_path / "tldr", "whoosh")
    with KnowledgeBase.open(root) as kb:
        hits = {hit.path: hit for hit in kb.search("tar")}
    assert " · fr · " in hit_meta(hits["pages.fr/common/tar.md"]).plain
    assert " · pt-br · " in hit_meta(hits["pages.pt_BR/common/tar.md"]).plain
    assert "fr" not in hit_meta(hits["pages/common/tar.md"]).plain.split(" · ")
