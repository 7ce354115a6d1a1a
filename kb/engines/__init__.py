"""Search engines behind :mod:`kb.engine`'s interface; the only modules that import one."""
