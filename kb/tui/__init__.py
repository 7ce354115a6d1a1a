"""kb's terminal app. The only package of kb that imports Textual (run ``kb`` with no command).

``create_app`` (kb.tui.app) is the one way to build the app, for the ``kb`` command and for
tests; it is reachable here without importing Textual until it is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.tui.app import create_app as create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Importing kb.tui must stay cheap: Textual loads only when the app is wanted.
    if name == "create_app":
        from kb.tui.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
