"""The parse child: documents that can cost more than their size parse in a child process whose
address space is limited (RLIMIT_AS = `Limits.max_memory`) and whose wall time is bounded.

The extractors' budgets (services/parser/extract/budget.py) refuse every bomb we know before it
is materialised; this is the backstop for the ones we do not. Whatever a document does to its
child — a MemoryError at the address-space limit, a crash of a C library, a hang — ends as an
exception with a reason for that document (`bomb`, or `too_large` for time), the child is
replaced, and the worker itself never sees the memory: no OOM kill, no redelivery loop into the
dead-letter queue.

One single-process pool per slot (`workers` slots, the stage's `max_workers`), so a child's
death is blamed on exactly the document it was parsing. Children fork from a forkserver that has
the parser preloaded (a fork of the threaded service would be unsafe; a fresh interpreter per
document too slow). The OCR stage (services/parser/ocr_app.py) has a sandbox of its own, with
the larger address space onnxruntime needs (`Limits.for_ocr`). Small text and HTML never come here (services/parser/handlers.py): the
process hop would cost more than their parse.
Settings read: none (limits and workers are passed in by services/parser/app.py).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from services.parser.extract.budget import DEFAULT_LIMITS, Limits
from shared.errors import DecompressionBomb, NianbaoError, TooLarge
from shared.report import ParsedReport

_PRELOAD = [
    "services.parser.api",
    "services.parser.extract.dispatch",
    "services.parser.extract.html",
    "services.parser.extract.docx",
    "services.parser.extract.sheets",
    "services.parser.extract.pdf",
    "openpyxl",
]
# the child's own work beyond the parse itself: the answer for the parent, a MemoryError's unwinding
GRACE_S = 5.0


@dataclass
class ChildOutcome:
    report: ParsedReport | None
    error: NianbaoError | None
    max_rss: int  # bytes, the child's ru_maxrss so far (children are reused: a running maximum)


def _start_child(max_memory: int, niceness: int = 0) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if niceness:
        os.nice(niceness)


def _parse_in_child(
    data: bytes,
    source_url: str | None,
    content_type: str | None,
    limits: Limits,
    ocr: bool = False,
) -> ChildOutcome:
    from services.parser.api import parse

    report: ParsedReport | None = None
    error: NianbaoError | None = None
    try:
        report = parse(
            data, source_url=source_url, content_type=content_type, limits=limits, ocr=ocr
        )
    except NianbaoError as e:
        error = e
    except MemoryError:
        error = DecompressionBomb(
            f"parsing needed more than the parse child's {limits.max_memory >> 20} MiB"
        )
    except RuntimeError as e:
        if "bad_alloc" not in str(e):
            raise
        # onnxruntime (OCR) reports the address-space limit as a C++ std::bad_alloc
        error = DecompressionBomb(
            f"OCR needed more than the parse child's {limits.max_memory >> 20} MiB"
        )
    except RecursionError:
        error = DecompressionBomb("document nests deeper than the parser recurses")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return ChildOutcome(report, error, rss)


class _Slot:
    def __init__(self, limits: Limits, niceness: int = 0) -> None:
        self.limits = limits
        self.niceness = niceness
        self.pool: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        if self.pool is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            self.pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=ctx,
                initializer=_start_child,
                initargs=(self.limits.max_memory, self.niceness),
            )
        return self.pool

    def discard(self) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)


class Sandbox:
    """`await sandbox.parse(data, …)`: a ParsedReport, or the document's NianbaoError."""

    def __init__(
        self, limits: Limits = DEFAULT_LIMITS, workers: int = 1, niceness: int = 0
    ) -> None:
        """`niceness`: added to the children's nice value (the OCR stage's, so that on a shared
        machine — `nianbao run`, a node — text and HTML reports get the CPU first)."""
        self.limits = limits
        self._free: asyncio.Queue[_Slot] | None = None
        self._slots = [_Slot(limits, niceness) for _ in range(max(1, workers))]
        self.last_rss = 0  # the child's ru_maxrss after the last document, bytes
        self.peak_rss = 0

    async def warm(self) -> None:
        """Start the children now rather than on the first document (the forkserver imports the
        parser's libraries once: a few seconds)."""
        try:
            await asyncio.gather(
                *(asyncio.wrap_future(s.executor().submit(os.getpid)) for s in self._slots)
            )
        except (BrokenProcessPool, RuntimeError, asyncio.CancelledError):
            pass  # closed meanwhile, or a child failed to start: the first document retries

    async def parse(
        self,
        data: bytes,
        *,
        source_url: str | None = None,
        content_type: str | None = None,
        ocr: bool = False,
    ) -> ParsedReport:
        if self._free is None:
            self._free = asyncio.Queue()
            for s in self._slots:
                self._free.put_nowait(s)
        slot = await self._free.get()
        try:
            outcome = await self._run(slot, data, source_url, content_type, ocr)
        finally:
            self._free.put_nowait(slot)
        self.last_rss = outcome.max_rss
        self.peak_rss = max(self.peak_rss, outcome.max_rss)
        if outcome.error is not None:
            raise outcome.error
        assert outcome.report is not None
        return outcome.report

    async def _run(
        self,
        slot: _Slot,
        data: bytes,
        source_url: str | None,
        content_type: str | None,
        ocr: bool = False,
    ) -> ChildOutcome:
        future = slot.executor().submit(
            _parse_in_child, data, source_url, content_type, self.limits, ocr
        )
        timeout = self.limits.max_seconds + GRACE_S
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except TimeoutError:
            slot.discard()
            raise TooLarge(
                f"parsing took more than {timeout:.0f} s; the parse child was stopped"
            ) from None
        except BrokenProcessPool as e:
            slot.discard()
            raise DecompressionBomb(
                "the parse child died while parsing this document"
                f" (address-space limit {self.limits.max_memory >> 20} MiB)"
            ) from e

    async def close(self) -> None:
        for slot in self._slots:
            slot.discard()
