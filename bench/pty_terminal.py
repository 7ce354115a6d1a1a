"""The app in a pseudo-terminal of its own, read as it writes: when a character is on screen.

A tmux pane is read by asking tmux for a copy of it (``capture-pane``), which takes several
milliseconds on a small machine: a figure taken that way holds the wait for the next copy.
Here a thread reads every byte the app writes to its terminal as it comes, notes the moment
and plays it on a terminal emulator (pyte); the moment the search box first shows a text is
then known to within one read, whatever the polling of the benchmark.
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyte

COLUMNS, ROWS = 100, 30
KEYS = {"Enter": b"\r", "Escape": b"\x1b", "BSpace": b"\x7f"}


class PtyTerminal:
    """kb's app on a pty of 100x30; the same methods as the benchmark's tmux Terminal."""

    def __init__(self, root: Path, name: str, project: Path) -> None:
        self.name = name
        self._screen = pyte.Screen(COLUMNS, ROWS)
        self._stream = pyte.ByteStream(self._screen)
        self._lock = threading.Lock()
        #: (when read, the search box's row) each time that row changed.
        self.box_changes: list[tuple[float, str]] = []
        environment = {**os.environ, "PYTHONPATH": str(project), "KB_DIR": ""}
        environment["TERM"] = "xterm-256color"
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: the app, on the pty's other end
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
                argv = [sys.executable, "-m", "kb", "--kb", str(root)]
                os.execve(sys.executable, argv, environment)
            finally:
                os._exit(127)  # never run the benchmark's own code in the child
        self.pid, self.fd = pid, fd
        self._open = True
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        last_box = ""
        while self._open:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            when = time.perf_counter()
            if not data:
                return
            with self._lock:
                self._stream.feed(data)
                box = self._screen.display[1]
            if box != last_box:
                last_box = box
                self.box_changes.append((when, box))

    def screen(self, styles: bool = False) -> list[str]:
        """The rows of the screen (each cell's colours and attributes too, when ``styles``)."""
        with self._lock:
            if not styles:
                return list(self._screen.display)
            return [
                "".join(
                    f"{cell.data}{cell.fg}{cell.bg}{int(cell.bold)}{int(cell.reverse)}"
                    for cell in (line[column] for column in range(COLUMNS))
                )
                for line in (self._screen.buffer[row] for row in range(ROWS))
            ]

    def typed(self) -> str:
        """What the search box shows (empty while the placeholder shows). Waits a moment
        first: a caller polling in a loop leaves the reading thread the interpreter."""
        time.sleep(0.002)
        with self._lock:
            return box_text(self._screen.display[1])

    def send(self, text: str) -> None:
        """Type text, as keys."""
        os.write(self.fd, text.encode())

    def key(self, *names: str) -> None:
        """Press named keys (Enter, Escape)."""
        for name in names:
            os.write(self.fd, KEYS[name])

    def type_and_enter(self, text: str) -> None:
        """The text and Enter in one write: Enter arrives with the last character."""
        os.write(self.fd, text.encode() + KEYS["Enter"])

    def wait_for(self, test: Callable[[list[str]], bool], timeout: float = 10.0) -> float | None:
        """Seconds until the screen passes ``test``; None when it never did."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if test(self.screen()):
                return time.perf_counter() - started
            time.sleep(0.002)
        return None

    def close(self) -> None:
        """End the app."""
        self._open = False
        try:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        os.close(self.fd)


def box_text(row: str) -> str:
    """The search box's text in its screen row (empty while the placeholder shows)."""
    if "Search: the caller" in row:
        return ""
    return row.strip().strip("│").strip()
