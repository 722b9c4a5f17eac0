"""Progress of a replay / redrive: a rich bar with rate and ETA on a terminal; elsewhere (a
Kubernetes Job's log, CI) one plain line every few seconds and one at the end.

Settings read: none.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

PLAIN_EVERY_S = 5.0


class ReplayProgress:
    """`start(total)`, `update(scanned, published)` as batches complete, `finish()`."""

    def __init__(self, out=None, live: bool | None = None, label: str = "replay") -> None:
        self.console = Console(file=out, highlight=False, stderr=out is None)
        self.live = self.console.is_terminal if live is None else live
        self.label = label
        self._bar: Progress | None = None
        self._task = None
        self._total = 0
        self._started = 0.0
        self._last_line = 0.0
        self._scanned = self._published = 0
        self._printed = ""

    def start(self, total: int, scanned: int = 0, published: int = 0) -> None:
        self._total, self._started = total, time.monotonic()
        self._last_line = self._started  # first periodic line after PLAIN_EVERY_S
        self._scanned, self._published = scanned, published
        if self.live:
            self._bar = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[published]} republished"),
                TextColumn("{task.fields[rate]} msg/s"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(
                self.label, total=total or None, completed=scanned, published=published, rate="-"
            )
        else:
            self._print(f"{self.label}: {total} messages to scan")

    def rate(self, scanned_now: int) -> float:
        elapsed = time.monotonic() - self._started
        return scanned_now / elapsed if elapsed > 0 else 0.0

    def update(self, scanned: int, published: int, scanned_this_run: int) -> None:
        self._scanned, self._published = scanned, published
        rate = self.rate(scanned_this_run)
        if self._bar is not None:
            self._bar.update(
                self._task, completed=scanned, published=published, rate=f"{rate:,.0f}"
            )
            return
        now = time.monotonic()
        if now - self._last_line >= PLAIN_EVERY_S:
            self._last_line = now
            self._print(self.line(rate))

    def _print(self, text: str) -> None:
        if text != self._printed:  # the final line often repeats the last periodic one
            self._printed = text
            self.console.print(text, markup=False, soft_wrap=True)  # one log line, never wrapped

    def line(self, rate: float) -> str:
        left = max(self._total - self._scanned, 0)
        eta = f"{left / rate:,.0f}s" if rate > 0 else "?"
        return (
            f"{self.label}: {self._scanned}/{self._total} scanned, {self._published} republished,"
            f" {rate:,.0f} msg/s, ETA {eta}"
        )

    def finish(self, scanned_this_run: int) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        else:
            self._print(self.line(self.rate(scanned_this_run)))
