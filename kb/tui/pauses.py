"""What keeps pauses out of the app's loop while the technician types.

A search runs Python in a worker thread: the loop must get the interpreter back within a
millisecond of a key, not after the default 5 ms turn of that thread. A full garbage
collection stops every thread for 15-30 ms on a big KB: what start made is moved out of the
collector's reach (``gc.freeze``, once the first frame is drawn), and full collections come
ten times less often (young objects are still collected as often as before).
"""

from __future__ import annotations

import gc
import sys

#: Seconds a thread may hold the interpreter while the loop waits for it.
SWITCH_INTERVAL = 0.001
#: Collections of the middle generation between two full ones (Python's default: 10).
FULL_COLLECTION_AFTER = 100


class Pauses:
    """The interpreter's settings the app changes while it runs, and their values before."""

    def __init__(self) -> None:
        self._switch = sys.getswitchinterval()
        self._threshold = gc.get_threshold()

    def shorten(self) -> None:
        """Short turns for threads, rarer full collections (until :meth:`restore`)."""
        self._switch = sys.getswitchinterval()
        self._threshold = gc.get_threshold()
        sys.setswitchinterval(SWITCH_INTERVAL)
        gc.set_threshold(*self._threshold[:2], FULL_COLLECTION_AFTER)

    def restore(self) -> None:
        """The settings as they were (another app in this process, a test, starts from
        them), and what start made back in the collector's reach."""
        sys.setswitchinterval(self._switch)
        gc.set_threshold(*self._threshold)
        gc.unfreeze()
