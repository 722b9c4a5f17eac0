"""OCR'd cells: sure or unsure, never a wrong number passed on as read.

Every cell the table reader built from OCR text carries `evidence` (kind ocr, page, box in PDF
points) and `score` (the lowest recognition score of its characters). A cell read from an OCR'd
text line (unruled tables) has no such object; it is matched to the OCR words of the document by
its text, and takes the lowest score among the matches (an ambiguous match can only make it less
sure). A non-blank cell of an all-scan document that matches no OCR word is unsure too.

A cell scoring below `UNSURE_BELOW`, or read as text where the tables hold numbers, becomes kind
`unreadable` (value withheld, raw kept) with a
note giving its OCR reading and score, and one `ocr_unsure` ParseNote names all such cells (the
validator reports it, S-003). `UNSURE_BELOW` is calibrated by `python -m bench.bench_ocr
--calibrate`: the lowest threshold at which no wrong number stays sure on the bench's scans.
Settings read: none.
"""

from __future__ import annotations

from services.parser.document import Document
from services.parser.read.cells import clean
from shared.report import Cell, Evidence, ParsedReport, ParseNote
from shared.schema import cell_path

# Calibrated on bench/bench_ocr.py scans (seeds and synthetic reports, 150–300 dpi, skew, noise,
# blur, JPEG, seals): the highest score seen on a wrong number, rounded up with a margin.
UNSURE_BELOW = 0.97
_JUDGED = frozenset({"number", "na_dash", "na_slash", "text"})


def judge_ocr_cells(
    report: ParsedReport, doc: Document, threshold: float | None = None
) -> list[ParseNote]:
    """Give every OCR'd cell its evidence and score; mark the unsure ones (see module docstring)."""
    limit = UNSURE_BELOW if threshold is None else threshold
    words = _word_index(doc)
    all_scan = bool(doc.scan_pages) and doc.kind == "image" or _all_scanned(doc)
    unsure: list[str] = []
    for path, cell in _cells(report):
        if cell.kind == "blank" and doc.ocr and not _vouched_blank(cell, doc, all_scan):
            _withhold(
                cell,
                "OCR read nothing here, but the cell was not seen empty (no ruled cell without "
                "ink): a number may have been missed",
            )
            unsure.append(path)
            continue
        if cell.kind not in _JUDGED:
            continue
        if cell.score is None and _from_text_page(cell, doc):
            continue  # read from a text page of a mixed PDF: its own evidence, nothing to judge
        if cell.score is None:
            _match(cell, words)
        if cell.score is None:
            if not all_scan:
                continue  # read from a page's text layer (a mixed PDF)
            _withhold(cell, "no OCR word matches this cell's text")
            unsure.append(path)
        elif cell.score < limit:
            _withhold(cell, f"OCR read 「{cell.raw}」 with score {cell.score:.2f} (below {limit})")
            unsure.append(path)
        elif cell.kind == "text":
            # every cell of the national tables holds a number; OCR that reads words or two
            # numbers there (「92 2496」: the decimal point lost) has misread it
            _withhold(cell, f"OCR read 「{cell.raw}」, which is not one number")
            unsure.append(path)
    if not unsure:
        return []
    return [
        ParseNote(
            "ocr_unsure",
            f"{len(unsure)} OCR'd cells read with low confidence; their values are withheld: "
            + ", ".join(unsure[:20])
            + (" …" if len(unsure) > 20 else ""),
            unsure,
        )
    ]


def _from_text_page(cell: Cell, doc: Document) -> bool:
    ev = cell.evidence
    return ev is not None and ev.page is not None and ev.page not in doc.scan_pages


def _vouched_blank(cell: Cell, doc: Document, all_scan: bool) -> bool:
    """A blank OCR can vouch for: a ruled cell of an OCR'd page seen to hold no ink (or a blank
    on a page read from its text layer)."""
    ev = cell.evidence
    if ev is None or ev.page is None:
        return not all_scan
    if _from_text_page(cell, doc):
        return True  # a text page of a mixed PDF
    if ev.box is None:
        return False
    return any(
        page == ev.page and all(abs(a - b) <= 2.0 for a, b in zip(box, ev.box, strict=True))
        for page, box in doc.ocr_empty_cells
    )


def _all_scanned(doc: Document) -> bool:
    pages = {p for p, *_ in doc.ocr_words}
    return bool(doc.scan_pages) and pages <= set(doc.scan_pages) and not _has_text_pages(doc)


def _has_text_pages(doc: Document) -> bool:
    pages = {b.page for b in doc.blocks if b.page is not None}
    return bool(pages - set(doc.scan_pages))


def _cells(report: ParsedReport):
    for table, rows in report.tables.items():
        for row, cols in (rows or {}).items():
            for col, cell in cols.items():
                yield cell_path(table, row, col), cell
    yield from report.extra_cells.items()


def _word_index(doc: Document) -> dict[str, list[tuple[int, tuple, float]]]:
    out: dict[str, list[tuple[int, tuple, float]]] = {}
    for page, text, box, score in doc.ocr_words:
        out.setdefault(clean(text), []).append((page, box, score))
    return out


def _match(cell: Cell, words: dict[str, list[tuple[int, tuple, float]]]) -> None:
    """The OCR word a cell read from a text line holds: the one inside the cell's own box when
    the reader recorded it (same page, centre within the box), else — ambiguously — the least
    sure of the words with its text."""
    found = words.get(clean(cell.raw))
    if not found:
        return
    ev = cell.evidence
    if ev is not None and ev.page is not None and ev.box is not None:
        x0, top, x1, bottom = ev.box
        inside = [
            f
            for f in found
            if f[0] == ev.page
            and x0 - 2 <= (f[1][0] + f[1][2]) / 2 <= x1 + 2
            and top - 2 <= (f[1][1] + f[1][3]) / 2 <= bottom + 2
        ]
        if inside:
            found = inside
    page, box, score = min(found, key=lambda f: f[2])
    one = len(found) == 1
    cell.score = score
    cell.evidence = Evidence(kind="ocr", page=page, box=box if one else None)


def _withhold(cell: Cell, why: str) -> None:
    cell.kind = "unreadable"
    cell.value = None
    cell.unit = None
    cell.note = why
