"""Links rewritten when a note moves to another KB, however their address is written."""

from __future__ import annotations

from kb.shelf.relink import rewrite_links


def test_a_link_written_as_a_url_or_as_a_name_is_rewritten() -> None:
    text = "# x\n\n[a](heading%20only.md), [b](<heading only.md>), [c](café.md), [d](x.md)\n"
    moved = {"heading only.md", "café.md"}
    out = rewrite_links(
        text, lambda link: f"[[team:{link.target}]]" if link.target in moved else None
    )
    assert out == (
        "# x\n\n[[team:heading only.md]], [[team:heading only.md]], [[team:café.md]], [d](x.md)\n"
    )
