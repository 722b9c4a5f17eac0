"""The ruled cells of a scanned page, and the lines of ink inside each: where to read, cell by cell.

Text detection (PP-OCR's det model) is made for lines of prose; in a table it misses the lone
「0」 of a narrow cell (a blank read where a number is printed is a wrong value, not an unsure
one) and runs neighbouring cells together. A ruled table says where its cells are, so its cells
are read one by one instead:

- the page's ruling segments (services/parser/extract/ocr.py) go through pdfplumber's table
  finder, exactly as a text-layer PDF's rules do, giving each table's cell boxes;
- inside each cell (inset from the rules) the ink is found as connected components of the page's
  binary image, specks below `SPECK_INCH²` dropped (scanner noise, JPEG artefacts). No ink: the
  cell is blank, and known to be. Ink: its bounding box is one text line, or — when taller than
  `MULTI_LINE`× the page's typical line — the cell's lines are found by text detection on the
  cell alone (a wrapped row label);
- the table areas are left out of page-wide text detection, which reads what lies between them.

Pure functions over numpy images (the detector is passed in); boxes are page pixels
(x0, top, x1, bottom). Settings read: none.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from services.parser.extract.pdfpage import PdfiumPage

Box = tuple[int, int, int, int]
INSET_INCH = (
    0.015  # a cell's ink is looked for this far inside its rules (erased rules leave fringes)
)
SPECK_INCH = 0.012  # ink components smaller than this square are noise (a 7.5 pt 「.」 is larger)
MULTI_LINE = 1.6  # ink this many typical line heights tall is more than one line


@dataclass(frozen=True)
class CellLine:
    """A line of ink inside a ruled cell: the box to recognise."""

    box: Box
    cell: Box


def rule_edges(rules: list[tuple[float, float, float, float]], k: float) -> list[dict]:
    """Ruling segments in pixels → pdfplumber line edges in points (`k` = points per pixel)."""
    edges = []
    for x0, y0, x1, y1 in rules:
        x0, y0, x1, y1 = x0 * k, y0 * k, x1 * k, y1 * k
        horizontal = y0 == y1
        edges.append(
            {
                "x0": min(x0, x1),
                "x1": max(x0, x1),
                "top": min(y0, y1),
                "bottom": max(y0, y1),
                "doctop": min(y0, y1),
                "width": abs(x1 - x0),
                "height": abs(y1 - y0),
                "orientation": "h" if horizontal else "v",
                "object_type": "line",
            }
        )
    return edges


def ruled_tables(
    rules: list[tuple[float, float, float, float]], width: int, height: int, dpi: float
) -> list[tuple[Box, list[Box]]]:
    """Each ruled table of the page: its box and its cells' boxes (pixels)."""
    from pdfplumber.table import TableFinder

    k = 72.0 / dpi
    page = PdfiumPage(0, width * k, height * k, edges=rule_edges(rules, k))
    out = []
    for t in TableFinder(page).tables:  # type: ignore[arg-type]  # duck-typed page: chars, edges, bbox
        cells = [_px(c, k) for c in t.cells]
        if len({c[0] for c in cells}) < 2:
            continue  # one column: a frame around prose, not a table (as pdf.py decides)
        out.append((_px(t.bbox, k), cells))
    return out


def ink_boxes(binary: np.ndarray, cells: list[Box], dpi: float) -> dict[Box, Box]:
    """The bounding box of each cell's own ink (cells without ink are absent). Where a missed
    rule made the table finder return a cell over others, the others' ink is theirs alone: read
    twice it would be joined to itself (「12」 → 「1212」) or taken from its own cell."""
    import cv2

    inset = max(2, round(INSET_INCH * dpi))
    speck = max(4, round((SPECK_INCH * dpi) ** 2))
    inner = _inner(cells)
    out: dict[Box, Box] = {}
    for cell in cells:
        x0, y0, x1, y1 = cell[0] + inset, cell[1] + inset, cell[2] - inset, cell[3] - inset
        if x1 - x0 < 3 or y1 - y0 < 3:
            continue
        sub = binary[y0:y1, x0:x1]
        if inner[cell]:
            sub = sub.copy()
            for a, b, c, d in inner[cell]:
                sub[max(0, b - y0) : max(0, d - y0), max(0, a - x0) : max(0, c - x0)] = 0
        n, _, stats, _ = cv2.connectedComponentsWithStats(sub, connectivity=8)
        parts = [stats[i] for i in range(1, n)]
        kept = [p for p in parts if p[cv2.CC_STAT_AREA] >= speck]
        if not kept:
            continue
        a, b = min(int(p[0]) for p in kept), min(int(p[1]) for p in kept)
        c, d = max(int(p[0] + p[2]) for p in kept), max(int(p[1] + p[3]) for p in kept)
        # a minus sign can be as small as a speck: a dash (twice as wide as high) at the middle
        # of the line, within a character's width of the text, belongs to it (「-2」 read as
        # 「2」 is a wrong number); round specks stay noise (a dot there would read 「.2」)
        near = d - b
        for p in parts:
            px0, py0, w, h = int(p[0]), int(p[1]), int(p[2]), int(p[3])
            dash = w >= 2 * h and _dash_shaped((px0, py0, w, h), b, d)
            if dash and a - near <= px0 + w and px0 <= c + near:
                a, c = min(a, px0), max(c, px0 + w)
        out[cell] = (x0 + a, y0 + b, x0 + c, y0 + d)
    return out


def _dash_shaped(part: tuple[int, int, int, int], top: int, bottom: int) -> bool:
    """A component (x, y, width, height) shaped as a minus sign of the line `top`–`bottom`: wider
    than high and at least 3 px (a round speck is noise), low (no digit), at the line's middle
    (「.」 sits on the baseline)."""
    _, y, w, h = part
    line = bottom - top
    middle = top + 0.2 * line <= y + h / 2 <= bottom - 0.2 * line
    return w >= max(3, 0.2 * line) and w >= 1.5 * h and h <= 0.35 * line and middle


def starts_with_dash(binary: np.ndarray, line: CellLine, dpi: float) -> bool:
    """The first mark of a line in a ruled cell — looked for from a line's height left of its
    ink, within the cell — is shaped as a minus sign. A faint minus at 150 dpi is a 3×2 px grey
    smudge the recogniser may pass over (「-2」 read 「2」 with score 0.997): where the text read
    does not begin with it, the number is unsure."""
    import cv2

    x0, top, x1, bottom = line.box
    left = max(line.cell[0] + max(2, round(INSET_INCH * dpi)), x0 - (bottom - top))
    sub = binary[top:bottom, left:x1]
    if sub.size == 0:
        return False
    n, _, stats, _ = cv2.connectedComponentsWithStats(sub, connectivity=8)
    parts = [stats[i] for i in range(1, n) if stats[i][cv2.CC_STAT_AREA] >= 2]
    if not parts:
        return False
    first = min(parts, key=lambda p: int(p[0]))
    return _dash_shaped(tuple(int(v) for v in first[:4]), 0, bottom - top)  # type: ignore[arg-type]


def marks(binary: np.ndarray, box: Box, dpi: float) -> list[tuple[int, int]]:
    """The marks standing side by side in `box`'s ink, left to right, as their column spans
    (page x): its components grouped where their columns overlap (the dot of a 「%」, the
    pieces of a broken stroke). A number's characters are one mark each, so a reading with
    fewer characters than marks left one out. Specks are not marks, nor are small bits off the
    line's middle (scanner noise): a minus sign, as small at 150 dpi, sits at the middle."""
    import cv2

    x0, y0, x1, y1 = box
    speck = max(4, round((SPECK_INCH * dpi) ** 2))
    _, _, stats, _ = cv2.connectedComponentsWithStats(binary[y0:y1, x0:x1], connectivity=8)
    height = y1 - y0
    spans = sorted(
        (int(p[0]), int(p[0] + p[2]))
        for p in stats[1:]
        if p[cv2.CC_STAT_AREA] >= speck
        and (p[cv2.CC_STAT_AREA] >= 3 * speck or 0.25 * height <= p[1] + p[3] / 2 <= 0.75 * height)
    )
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and x0 + a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], x0 + b))
        else:
            out.append((x0 + a, x0 + b))
    return out


def _inner(cells: list[Box]) -> dict[Box, list[Box]]:
    """For each cell, the smaller cells that overlap it (none, in a table whose rules were all
    found)."""
    out: dict[Box, list[Box]] = {c: [] for c in cells}
    area = {c: (c[2] - c[0]) * (c[3] - c[1]) for c in cells}
    by_x = sorted(cells)
    for i, a in enumerate(by_x):
        for b in by_x[i + 1 :]:
            if b[0] >= a[2]:
                break
            if b[1] < a[3] and a[1] < b[3]:
                big, small = (a, b) if area[a] >= area[b] else (b, a)
                out[big].append(small)
    return out


def cell_lines(
    grey: np.ndarray, inks: dict[Box, Box], detect: Callable[[np.ndarray], list[Box]]
) -> list[CellLine]:
    """The text lines to recognise in the cells (see module docstring)."""
    if not inks:
        return []
    typical = statistics.median(b[3] - b[1] for b in inks.values())
    inner = _inner(list(inks))
    out = []
    for cell, ink in inks.items():
        if ink[3] - ink[1] <= MULTI_LINE * typical:
            out.append(CellLine(ink, cell))
            continue
        x0, y0, x1, y1 = cell
        own = grey[y0:y1, x0:x1].copy()
        for a, b, c, d in inner.get(cell, ()):
            own[max(0, b - y0) : max(0, d - y0), max(0, a - x0) : max(0, c - x0)] = 255
        found = [
            (max(x0, a + x0), max(y0, b + y0), min(x1, c + x0), min(y1, d + y0))
            for a, b, c, d in detect(own)
        ]
        out.extend(CellLine(b, cell) for b in sorted(found, key=lambda b: (b[1], b[0])))
        if not found:  # the detector saw no line in visible ink: read it whole, unsure if need be
            out.append(CellLine(ink, cell))
    return out


def blank_tables(grey: np.ndarray, tables: list[tuple[Box, list[Box]]]) -> np.ndarray:
    """The page with its tables painted white: what page-wide detection should still read."""
    out = grey.copy()
    for (x0, y0, x1, y1), _ in tables:
        out[y0 : y1 + 1, x0 : x1 + 1] = 255
    return out


def _px(box, k: float) -> Box:
    x0, top, x1, bottom = box
    return (round(x0 / k), round(top / k), round(x1 / k), round(bottom / k))
