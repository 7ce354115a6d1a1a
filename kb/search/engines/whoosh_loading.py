"""Whoosh imported without two modules kb never uses of it, which cost a ``kb`` command a
good part of its start-up.

``whoosh.compat`` imports :mod:`urllib.request` for one helper (and with it ``ssl``,
``http.client`` and ``email``); ``whoosh.reading`` imports the ``cached_property`` package,
which imports :mod:`asyncio`, for one property. While Whoosh is first imported by a process
with one thread (a ``kb`` command; the app imports it as it is), stand-ins take their place:
the helper imports the real module when called, and the property is the standard library's
own, which stores its value on the instance exactly as the package's does. The stand-ins are
taken out of :data:`sys.modules` afterwards, so any other code importing those names gets
the real modules.
"""

from __future__ import annotations

import functools
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def import_whoosh() -> None:
    """Import the Whoosh modules kb uses, with the stand-ins when the real modules are not
    loaded yet and this is the process's only thread (a second call costs nothing)."""
    if "whoosh.reading" in sys.modules:
        return
    if threading.active_count() > 1:
        # Another thread could import one of those modules while its stand-in holds its
        # place: the app (several threads, importing off its loop) imports Whoosh as it is.
        import whoosh.reading

        return
    with _stand_ins():
        import whoosh.compat
        import whoosh.reading  # noqa: F401


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


@contextmanager
def _stand_ins() -> Iterator[None]:
    request = types.ModuleType("urllib.request")
    request.urlretrieve = _urlretrieve  # type: ignore[attr-defined]
    cached = types.ModuleType("cached_property")
    cached.cached_property = functools.cached_property  # type: ignore[attr-defined]
    placed = {
        name: module
        for name, module in (("urllib.request", request), ("cached_property", cached))
        if name not in sys.modules
    }
    sys.modules.update(placed)
    try:
        yield
    finally:
        for name, module in placed.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
