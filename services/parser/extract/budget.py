"""The work one document may cost the parser, in one place: bytes, inflated bytes, expanded grid
cells, XML nodes, PDF pages, characters, wall time, and the memory of the parse child.

Bytes alone do not bound the work: a 1.5 KB XLSX declaring the merged range `A1:XFD1048576`, a
46 KB HTML table of `colspan=1000 rowspan=65534` cells and a 1.7 MB DOCX whose document.xml is
240 MB of tiny paragraphs each cost gigabytes once materialised. So the extractors check what a
document *declares* (merged ranges, spans, a part's inflated size, the number of tags) against
these budgets before they build anything, and count what they build as they go (`Meter`).
Exceeding a count is `DecompressionBomb` (reason `bomb`); exceeding the time is `TooLarge`.
Whatever slips past the counts meets the parse child's address-space limit
(services/parser/sandbox.py): a MemoryError there is a bomb as well, never an OOM kill.

The meter of the document being extracted is a context variable set by `metering` in
`services.parser.extract.dispatch.extract`; code called outside it gets a fresh meter per call.
Settings read: max_doc_bytes (through Limits.from_settings).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from shared.errors import DecompressionBomb, TooLarge

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 64 * MiB  # same default as Settings.max_doc_bytes
    max_unzipped: int = 256 * MiB  # total inflated size of a DOCX/XLSX
    max_ratio: float = 200.0  # inflated/packed; real DOCX/XLSX stay well under 50
    max_xml_part_bytes: int = 32 * MiB  # one inflated XML part (a 300-page report's is ~5 MB)
    max_xml_nodes: int = 1_500_000  # elements of one document (a real report has < 100,000)
    max_grid_cells: int = 1_000_000  # expanded table cells of one document, spans included
    max_text_chars: int = 8_000_000  # a report is 10–300k characters
    max_pdf_pages: int = 300
    max_seconds: float = 120.0  # wall time of one document's extraction
    max_sheet_cells: int = 2_000_000  # stated rows × columns of one sheet
    max_memory: int = 1536 * MiB  # address space of the parse child (RLIMIT_AS)
    convert_timeout_s: float = 120.0  # LibreOffice conversion of .doc/.wps/.rtf/.odt
    # The OCR stage's child (services/parser/ocr_app.py): onnxruntime's arenas and thread pools
    # reserve more address space than they use. One page peaked at VmPeak 2.06 GiB at 150 dpi and
    # 2.05 GiB at 300 dpi (RSS 1.3 GiB) and failed with std::bad_alloc under the 1.5 GiB above.
    max_ocr_memory: int = 3072 * MiB
    # wall time per scanned page: ~16 s measured on a loaded core (bench/bench_ocr.py), doubled
    ocr_seconds_per_page: float = 30.0

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(max_bytes=settings.max_doc_bytes)

    def for_ocr(self, max_pages: int) -> Limits:
        """The budget of a document read by OCR: its own address space, time by page count."""
        return replace(
            self,
            max_memory=self.max_ocr_memory,
            max_seconds=max(self.max_seconds, max_pages * self.ocr_seconds_per_page),
        )


DEFAULT_LIMITS = Limits()


class Meter:
    """What one document has cost so far, against its limits."""

    __slots__ = ("limits", "started", "cells", "nodes")

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.started = time.monotonic()
        self.cells = 0
        self.nodes = 0

    def add_cells(self, n: int, where: str) -> None:
        self.cells += n
        if self.cells > self.limits.max_grid_cells:
            raise DecompressionBomb(
                f"{where} expands the document to more than {self.limits.max_grid_cells:,}"
                " table cells"
            )

    def add_nodes(self, n: int, where: str) -> None:
        self.nodes += n
        if self.nodes > self.limits.max_xml_nodes:
            raise DecompressionBomb(
                f"{where} has more than {self.limits.max_xml_nodes:,} XML elements"
            )

    def check_time(self, where: str) -> None:
        spent = time.monotonic() - self.started
        if spent > self.limits.max_seconds:
            raise TooLarge(
                f"extraction took more than {self.limits.max_seconds:.0f} s (at {where})"
            )


_CURRENT: ContextVar[Meter | None] = ContextVar("nianbao_parse_meter", default=None)


def meter() -> Meter:
    """The meter of the document being extracted (a fresh one outside `metering`)."""
    return _CURRENT.get() or Meter()


@contextmanager
def metering(limits: Limits) -> Iterator[Meter]:
    m = Meter(limits)
    token = _CURRENT.set(m)
    try:
        yield m
    finally:
        _CURRENT.reset(token)
