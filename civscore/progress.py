"""A progress line on stderr for long runs, only when stderr is a terminal."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``progress(done, total, what)`` redraws one line after ``delay``
    seconds have passed (short runs print nothing); :meth:`close` clears it."""

    def __init__(self, stream: TextIO | None = None, delay: float = 1.0, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.start = time.monotonic()
        self.delay = delay
        self.shown = False

    def phase(self, what: str) -> None:
        self(0, 0, what)

    def __call__(self, done: int, total: int, what: str) -> None:
        if not self.enabled or time.monotonic() - self.start < self.delay:
            return
        width = 24
        bar = ""
        if total:
            filled = int(width * done / total)
            bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
        line = f"civscore: {bar}{what}"[:100]
        self.stream.write("\r" + line.ljust(100))
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()
            self.shown = False
