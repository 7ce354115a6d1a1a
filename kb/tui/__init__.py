"""kb's terminal app. The only package of kb that imports Textual (run ``kb`` with no command)."""
