"""Ruled tables of a PDF page → Grid, joined across pages.

A table found on a page (pdfplumber's table finder) is kept as rows of (text, x0, x1, top, bottom)
cells — the ruled cell's box, which the grid keeps as each cell's evidence box. Parts
of one table on consecutive pages are re-gridded on the union of their column boundaries — a
part whose label cells all span three columns shows fewer vertical rules — and a repeated header
at the top of a continuation is dropped. Settings read: none.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from services.parser.document import Grid, OcrText

X_TOL = 2.5  # points: column boundaries closer than this are the same line


@dataclass
class PageTable:
    """A table found on a page: rows of (text, x0, x1, top, bottom) or None per pdfplumber row
    cell (coordinates in points from the page's top-left)."""

    top: float
    bottom: float
    x0: float
    x1: float
    rows: list[list[tuple[str, float, float, float, float] | None]]
    page: int

    def bounds(self) -> list[float]:
        return [x for row in self.rows for cell in row if cell for x in (cell[1], cell[2])]


def cell_texts(cells: list[tuple], chars: list[dict]) -> dict[tuple, str]:
    """Text of each cell from the characters whose centre lies in it.

    (pdfplumber's Table.extract tests every character against every row and cell; bucketing the
    cells by column makes this ~10× cheaper for a 28×10 table.)
    """
    xs = sorted({c[0] for c in cells} | {c[2] for c in cells})
    buckets: list[list[tuple]] = [[] for _ in xs]
    for cell in cells:
        for i in range(bisect_left(xs, cell[0]), bisect_left(xs, cell[2])):
            buckets[i].append(cell)
    found: dict[tuple, list[dict]] = {}
    for ch in chars:
        mx, my = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        i = bisect_right(xs, mx) - 1
        if not 0 <= i < len(xs):
            continue
        inside = [c for c in buckets[i] if c[1] <= my < c[3] and c[0] <= mx < c[2]]
        if inside:
            # a cell over others (a rule the finder missed joined two rows) yields to them: the
            # character belongs to the smallest cell it lies in, not to the merged one
            cell = min(inside, key=lambda c: (c[2] - c[0]) * (c[3] - c[1]))
            found.setdefault(cell, []).append(ch)
    return {cell: _sourced(cell, chs) for cell, chs in found.items()}


def _sourced(cell: tuple, chars: list[dict]) -> str:
    """The cell's text; from OCR'd characters (they carry a score) an `OcrText` with its box."""
    text = _chars_text(chars)
    if "score" not in chars[0]:
        return text
    score = min(ch["score"] for ch in chars)
    return OcrText.make(text, chars[0]["page_number"], tuple(cell[:4]), score)


def _chars_text(chars: list[dict]) -> str:
    """Characters → lines (by top) → text; a gap wider than a quarter em is a space."""
    lines: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines and ch["top"] - lines[-1][0]["top"] < 0.5 * max(1.0, ch["bottom"] - ch["top"]):
            lines[-1].append(ch)
        else:
            lines.append([ch])
    out = []
    for line in lines:
        line.sort(key=lambda c: c["x0"])
        text = line[0]["text"]
        for prev, ch in zip(line, line[1:], strict=False):
            gap = ch["x0"] - prev["x1"]
            text += (" " if gap > 0.25 * max(1.0, ch["bottom"] - ch["top"]) else "") + ch["text"]
        out.append(text.strip())
    return "\n".join(t for t in out if t)


def _boundaries(parts: list[PageTable]) -> list[float]:
    xs = sorted(x for p in parts for x in p.bounds())
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > X_TOL:
            out.append(x)
    return out


Box = tuple[float, float, float, float]


def _regrid(
    part: PageTable, bounds: list[float]
) -> tuple[list[list[str | None]], list[list[Box | None]]]:
    """The part's rows on the columns `bounds` delimits, and each placed cell's ruled box."""

    def index(x: float) -> int:
        return min(range(len(bounds)), key=lambda i: abs(bounds[i] - x))

    n = len(bounds) - 1
    rows, boxes = [], []
    for row in part.rows:
        out: list[str | None] = [None] * n
        where: list[Box | None] = [None] * n
        for cell in row:
            if cell is None:
                continue
            a, b = index(cell[1]), index(cell[2])
            if a < n:
                out[a] = cell[0]
                where[a] = (cell[1], cell[3], cell[2], cell[4])
            for i in range(a + 1, min(b, n)):
                out[i] = None
                where[i] = None
        rows.append(out)
        boxes.append(where)
    return rows, boxes


def merge_parts(parts: list[PageTable]) -> Grid:
    bounds = _boundaries(parts)
    rows, boxes = _regrid(parts[0], bounds)
    pages = [parts[0].page] * len(rows)
    for part in parts[1:]:
        more, more_boxes = _regrid(part, bounds)
        header = 0
        while header < len(more) and header < len(rows) and more[header] == rows[header]:
            header += 1  # the continuation repeats the header rows: drop them
        rows.extend(more[header:])
        boxes.extend(more_boxes[header:])
        pages.extend([part.page] * (len(more) - header))
    return Grid(rows=rows, exact=True, page=parts[0].page, pages=pages, boxes=boxes)
