"""The ``kb`` commands, one module per area. Each module lists its commands in ``COMMANDS``;
:mod:`kb.cli.app` adds them to the ``kb`` group."""
