"""A scanned page's doubted digits, checked against the digits it read surely: its own print as a
second witness.

The recogniser often doubts a lone digit in a table cell although it is printed exactly as the
page's other digits: at 150 dpi a lone 「0」 scores 0.58–0.97 where the page's other zeros score
0.99+, and a number only as sure as its least sure digit is withheld. But a page prints every
digit in one font at one size and goes through one scanner, so the ink of a doubted digit can be
compared with the ink of the same digit read surely elsewhere on the page — a second opinion
that does not come from the model that doubted (re-reading with the same model does not give
one: its errors repeat).

A digit the model doubted (probability below `SURE`) in a ruled cell is confirmed when:

- the model read it as that digit, with probability at least `FLOOR` (its first choice, and not
  a coin toss);
- its cell's ink shows one mark per character read, all digits (so each mark is one digit's ink:
  digits that touch, a sign or a point are left as they are);
- its ink matches at least `PROTOTYPES` glyphs of that digit the page read at `SURE` or more,
  each with correlation at least `MATCH`, and no glyph of another digit better than `MARGIN`
  below the weakest of those (shapes compared at one size, their heights and widths close;
  a speck of scanner noise beside a digit is no part of its shape).

Measured on the bench's scans (`bench.bench_ocr` profiles at 150, 200 and 300 dpi, 9,100
surely-read digits): two glyphs of the same digit correlate at 0.98–0.99 (median); a glyph and
the most alike glyph of another digit on its page never above 0.79, so a wrongly read digit
cannot reach `MATCH` with the glyphs of the digit it was taken for.
A confirmed digit becomes as sure as the least sure glyph it matched (and is no prototype
itself: confirmation does not feed on confirmation). Pure functions over numpy images; boxes are
page pixels (x0, top, x1, bottom). Settings read: none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from services.parser.extract.ocr_lines import Glyph

SURE = 0.97  # a digit read at least this surely is a prototype; below, it is doubted
FLOOR = 0.5  # a doubted digit is only confirmed when the model gave it at least this
MATCH = 0.95  # correlation of two glyphs of one digit (different digits: ≤ 0.79 on the bench)
MARGIN = 0.2  # … and every other digit's glyphs must match this much worse
PROTOTYPES = 3  # surely-read glyphs of the digit that must match
SIZE = (10, 16)  # width, height the glyphs are compared at
SAME_HEIGHT = 0.15  # glyphs whose heights differ by more (log ratio) are not compared
SAME_ASPECT = 0.3  # … nor those whose width/height ratios do
SPECK = 0.2  # a part of a glyph's ink this small beside its largest is a speck, not a stroke


@dataclass(frozen=True)
class Shape:
    """A digit's ink: its reading, the model's probability, its size, and its pixels at `SIZE`
    (zero mean, unit norm: the dot product of two shapes is their correlation)."""

    digit: str
    prob: float
    width: int
    height: int
    pixels: np.ndarray


def confirm_digits(
    grey: np.ndarray,
    lines: list[list[Glyph]],
    boxes: list[tuple[int, int, int, int]],
    spans: list[list[tuple[int, int]]],
) -> list[list[Glyph]]:
    """`lines` with their doubted digits confirmed where the page's sure digits vouch for them.

    `boxes[i]` is line i's ink box and `spans[i]` its marks (page x column spans,
    services/parser/extract/ocr_cells.py::marks); a line with no spans is left as read."""
    shapes = [
        _shapes(grey, glyphs, box, marks)
        for glyphs, box, marks in zip(lines, boxes, spans, strict=True)
    ]
    prototypes = [s for line in shapes for s in line if s is not None and s.prob >= SURE]
    out = []
    for glyphs, line in zip(lines, shapes, strict=True):
        if not any(s is not None and s.prob < SURE for s in line):
            out.append(glyphs)
            continue
        confirmed = []
        for glyph, shape in zip(glyphs, line, strict=True):
            vouched = _vouched(shape, prototypes) if shape is not None else None
            confirmed.append(replace(glyph, prob=vouched) if vouched is not None else glyph)
        out.append(confirmed)
    return out


def _shapes(
    grey: np.ndarray,
    glyphs: list[Glyph],
    box: tuple[int, int, int, int],
    marks: list[tuple[int, int]],
) -> list[Shape | None]:
    """Each glyph's shape, where the line is digits only with one mark per digit."""
    if not glyphs or len(glyphs) != len(marks) or not all(g.text.isdigit() for g in glyphs):
        return [None] * len(glyphs)
    return [_shape(grey, g, box, span) for g, span in zip(glyphs, marks, strict=True)]


def _shape(
    grey: np.ndarray,
    glyph: Glyph,
    box: tuple[int, int, int, int],
    span: tuple[int, int],
) -> Shape | None:
    import cv2

    (a, b), top, bottom = span, box[1], box[3]
    cut = grey[top:bottom, a:b]
    if cut.size == 0:
        return None
    # the glyph's extent is where it is darker than half-way to the paper: the binary image's
    # edge moves by a pixel with the page's threshold, and at 150 dpi a digit is 11 px tall
    dark = (cut < (int(cut.min()) + 255) / 2).astype(np.uint8)
    if not dark.any():
        return None  # paper only
    # specks beside the digit (scanner noise) are not its shape
    _, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    specks = [i + 1 for i, area in enumerate(areas) if area < SPECK * areas.max()]
    if specks:
        speck = np.isin(labels, specks)
        cut = np.where(speck, 255, cut)
        dark[speck] = 0
    rows, cols = np.flatnonzero(dark.any(axis=1)), np.flatnonzero(dark.any(axis=0))
    ink = cut[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    pixels = cv2.resize(255.0 - ink.astype(np.float32), SIZE, interpolation=cv2.INTER_AREA)
    pixels = pixels.ravel() - pixels.mean()
    norm = float(np.linalg.norm(pixels))
    if norm == 0.0:
        return None
    return Shape(glyph.text, glyph.prob, ink.shape[1], ink.shape[0], pixels / norm)


def _vouched(shape: Shape, prototypes: list[Shape]) -> float | None:
    """The probability a doubted digit earns from the page's sure glyphs (see module
    docstring), or None when they do not vouch for it."""
    if shape.prob >= SURE or shape.prob < FLOOR:
        return None
    same: list[tuple[float, float]] = []  # (correlation, prototype's probability)
    other = -1.0
    for p in prototypes:
        if not _comparable(shape, p):
            continue
        corr = float(shape.pixels @ p.pixels)
        if p.digit == shape.digit:
            same.append((corr, p.prob))
        else:
            other = max(other, corr)
    ranked = sorted(c for c, _ in same)
    if len(ranked) < PROTOTYPES:
        return None
    weakest = ranked[-PROTOTYPES]  # of the best PROTOTYPES witnesses
    if weakest < MATCH or weakest - other < MARGIN:
        return None
    return min(prob for c, prob in same if c >= MATCH)


def _comparable(a: Shape, b: Shape) -> bool:
    """Glyphs of one size and build (a 「1」 is not compared with a 「4」 squeezed to its width)."""
    heights = abs(math.log(a.height / b.height))
    aspects = abs(math.log((a.width / a.height) / (b.width / b.height)))
    return heights <= SAME_HEIGHT and aspects <= SAME_ASPECT
