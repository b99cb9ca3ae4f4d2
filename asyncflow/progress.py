"""Live progress of a run on a terminal, plain lines elsewhere (used by the CLI)."""

from __future__ import annotations

import threading
import time
from typing import Any, TextIO

_FINAL = {"DONE", "FAILED", "CANCELLED", "SKIPPED"}


class Progress:
    """Counts state changes; redraws one status line on a TTY, or prints a line now and
    then (at most every ``interval`` seconds) when the output is a file or pipe."""

    def __init__(self, stream: TextIO, *, tty: bool, interval: float | None = None) -> None:
        self.stream = stream
        self.tty = tty
        self.interval = interval if interval is not None else (0.2 if tty else 5.0)
        self.counts = {"RUNNING": 0, "DONE": 0, "FAILED": 0, "CANCELLED": 0, "SKIPPED": 0}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = ""
        self.started = time.monotonic()

    def on_event(self, future: Any, state: str) -> None:
        with self._lock:
            if state == "RUNNING":
                self.counts["RUNNING"] += 1
            elif state in _FINAL:
                if future.t_started is not None and future.t_started <= (future.t_finished or 0):
                    # it was counted as running unless it went straight to a final state
                    self.counts["RUNNING"] = max(0, self.counts["RUNNING"] - 1)
                self.counts[state] += 1

    def line(self) -> str:
        with self._lock:
            c = dict(self.counts)
        elapsed = time.monotonic() - self.started
        text = f"[{elapsed:6.1f}s] done {c['DONE']}  running {c['RUNNING']}  failed {c['FAILED']}"
        if c["SKIPPED"] or c["CANCELLED"]:
            text += f"  skipped {c['SKIPPED']}  cancelled {c['CANCELLED']}"
        return text

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="asyncflow-progress", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._draw()

    def _draw(self) -> None:
        text = self.line()
        if text == self._last:
            return
        self._last = text
        if self.tty:
            self.stream.write("\r\x1b[2K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        if self.tty:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
