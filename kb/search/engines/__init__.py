"""Search engines behind :mod:`kb.search.engine`'s interface; the only modules that import one."""
