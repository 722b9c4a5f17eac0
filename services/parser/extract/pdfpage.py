"""A PDF page as pdfplumber's table finder sees it — chars and ruling edges — read with PDFium.

pdfplumber finds ruled tables well, but its pdfminer backend interprets content streams in pure
Python (~100 ms of CPU per report page). PDFium (pypdfium2, C++) reads the same characters and
path segments ~10× faster; this module turns them into pdfplumber's object dicts (`top` measured
from the top of the page, like pdfplumber) so `pdfplumber.table.TableFinder`, `Table.extract`
and `pdfplumber.utils.extract_words` run on them unchanged.

- chars: PDFium's loose char boxes (font ascent/descent, so CJK glyphs of a line share a top);
  characters PDFium generates itself (inferred spaces, line breaks) are skipped.
- edges: every axis-aligned straight segment of every path object (rectangle sides included),
  with form XObjects' matrices applied — except filled, unstroked areas wider and taller than a
  rule (FILL_MIN): a background painted behind a text line or a cell (WPS / 「极速PDF」 exports)
  is no ruling, and read as one it cuts prose into one-column "tables" and rows into slices.
PDFium is not thread-safe: one document at a time per process (the parser service is).
Settings read: none.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

AXIS_TOLERANCE = 0.5  # points: a segment this close to horizontal/vertical counts as a rule
FILL_MIN = 3.0  # points: a filled, unstroked path wider and taller than this is a background


@dataclass
class PdfiumPage:
    page_number: int
    width: float
    height: float
    chars: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    images: int = 0

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (0.0, 0.0, self.width, self.height)


def read_page(page: pdfium.PdfPage, number: int) -> PdfiumPage:
    width, height = page.get_size()
    out = PdfiumPage(number, width, height)
    _chars(page, out)
    _objects(page, out)
    return out


def _chars(page: pdfium.PdfPage, out: PdfiumPage) -> None:
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        for i in range(textpage.count_chars()):
            if pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
                continue
            code = pdfium_c.FPDFText_GetUnicode(raw, i)
            if code in (0, 0xFFFE, 0xFFFF) or code in (10, 13):
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            angle = pdfium_c.FPDFText_GetCharAngle(raw, i)
            size = pdfium_c.FPDFText_GetFontSize(raw, i)
            out.chars.append(
                {
                    "text": chr(code),
                    "x0": left,
                    "x1": right,
                    "top": out.height - top,
                    "bottom": out.height - bottom,
                    "doctop": out.height - top,
                    "width": right - left,
                    "height": top - bottom,
                    "size": size,
                    "upright": angle < 0.01 or angle > 2 * math.pi - 0.01,
                    "object_type": "char",
                    "page_number": out.page_number,
                }
            )
    finally:
        textpage.close()


def _objects(page: pdfium.PdfPage, out: PdfiumPage) -> None:
    count = pdfium_c.FPDFPage_CountObjects(page.raw)
    _walk([pdfium_c.FPDFPage_GetObject(page.raw, i) for i in range(count)], None, out)


def _walk(objs, parent: tuple | None, out: PdfiumPage) -> None:
    for obj in objs:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        matrix = _matrix(obj, parent)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            _path_edges(obj, matrix, out)
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            out.images += 1
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            n = pdfium_c.FPDFFormObj_CountObjects(obj)
            _walk([pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(n)], matrix, out)


def _matrix(obj, parent: tuple | None) -> tuple:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        own = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    else:
        own = (m.a, m.b, m.c, m.d, m.e, m.f)
    if parent is None:
        return own
    a, b, c, d, e, f = own
    pa, pb, pc, pd, pe, pf = parent
    return (
        a * pa + b * pc,
        a * pb + b * pd,
        c * pa + d * pc,
        c * pb + d * pd,
        e * pa + f * pc + pe,
        e * pb + f * pd + pf,
    )


def _background(obj, matrix: tuple) -> bool:
    """A filled, unstroked path covering an area (not a thin rule drawn as a filled rectangle)."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke)):
        return False
    if stroke.value or not fill.value:
        return False
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(
        obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)
    ):
        return False
    return right.value - left.value > FILL_MIN and top.value - bottom.value > FILL_MIN


def _path_edges(obj, matrix: tuple, out: PdfiumPage) -> None:
    if _background(obj, matrix):
        return
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    start = prev = None
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        if not pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y)):
            continue
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = prev = point
            continue
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and prev is not None:
            _edge(prev, point, out)
        prev = point
        if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None:
            _edge(prev, start, out)
            prev = start


def _edge(p: tuple[float, float], q: tuple[float, float], out: PdfiumPage) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) <= AXIS_TOLERANCE and abs(x0 - x1) > AXIS_TOLERANCE:
        top = out.height - (y0 + y1) / 2
        lo, hi = min(x0, x1), max(x0, x1)
        out.edges.append(
            {
                "x0": lo,
                "x1": hi,
                "top": top,
                "bottom": top,
                "doctop": top,
                "width": hi - lo,
                "height": 0.0,
                "orientation": "h",
                "object_type": "line",
            }
        )
    elif abs(x0 - x1) <= AXIS_TOLERANCE and abs(y0 - y1) > AXIS_TOLERANCE:
        x = (x0 + x1) / 2
        top, bottom = out.height - max(y0, y1), out.height - min(y0, y1)
        out.edges.append(
            {
                "x0": x,
                "x1": x,
                "top": top,
                "bottom": bottom,
                "doctop": top,
                "width": 0.0,
                "height": bottom - top,
                "orientation": "v",
                "object_type": "line",
            }
        )
