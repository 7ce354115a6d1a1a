"""Groups of ``kb`` commands, one module per area; each registers itself on :data:`kb.cli.main`."""
