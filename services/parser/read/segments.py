"""Rows → segments: a run of label cells followed by a run of value cells.

A grid row or a text line is cut wherever a label follows values, so a row that runs into the
next one (`行政规范性文件 1 2 第二十条第（五）项`) becomes two segments and a short row never
swallows the next. Text lines are tokenised on whitespace, with numbers glued to stacked label
characters split off. Exact grids keep blank cells among the values; text drops them (padding).
Reads no settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.parser.read.cells import Placed, cell_class, clean, is_value_like

_LEAD_NUMBER = re.compile(r"^([+-]?\d[\d,]*(?:\.\d+)?(?:万元|元|件|个)?)(?=[^\d.,%])(.+)$")
_TRAIL_NUMBER = re.compile(r"^(.*[\u4e00-\u9fff）)])(\d[\d,]*(?:\.\d+)?)$")


def tokens(line: str) -> list[str]:
    """Whitespace tokens of a text line, with numbers glued to stacked label characters split off.

    In PDF text a table's stacked row-group label (本/年/度…) or a wrapped label often sticks to a
    number: `1年`, `0办`, `16形，不计其他情形）`, `只计这一情15`. Within a table line the only units a
    count or amount carries are 件/个/元/万元, so anything else glued to a number is label text.
    """
    out: list[str] = []
    for tok in line.split():
        while not is_value_like(tok):  # 「251000元」「12件」 are whole values
            m = _LEAD_NUMBER.match(tok)
            if not m:
                break
            out.append(m.group(1))
            tok = m.group(2)
        m = _TRAIL_NUMBER.match(tok)
        if m and not m.group(1).endswith(("第", "保留")):
            out.extend((m.group(1), m.group(2)))
        else:
            out.append(tok)
    return out


@dataclass
class Segment:
    labels: list[str]
    values: list[str]  # exact: every cell after the labels; text: only the non-empty ones
    exact: bool
    from_text_line: bool = False
    slots: list[str] | None = None  # text rows: every cell after the labels, empty ones included


def split_cells(cells: list[str], exact: bool, *, from_line: bool = False) -> list[Segment]:
    """Cut a row into label→value segments.

    Exact rows keep empty cells among the values. Text rows drop them from `values` (they may be
    padding) but keep them in `slots`, so a row whose slots match the columns one to one (a clean
    pipe or TAB export with blank cells) can still be read in place.
    """
    segs: list[Segment] = []
    labels: list[str] = []
    slots: list[str] = []
    blanks: list[
        str
    ] = []  # empty cells after a label: slots if a value follows, padding if a label does
    for c in cells:
        kind = cell_class(c)  # one cached look-up for clean() and is_value_like()
        if not kind:  # an empty cell is "" (a placed one keeps its identity: where it was)
            (slots if slots else blanks).append(c if type(c) is Placed else "")
            continue
        if kind == 1:
            if blanks:
                slots.extend(blanks)
                blanks = []
            slots.append(c)
        else:
            blanks = []
            if slots:
                segs.append(_segment(labels, slots, exact, from_line))
                labels, slots = [], []
            labels.append(c)
    if labels and not slots and blanks:
        slots = blanks  # a label followed only by empty cells: a row left blank (exact) or padding
    if labels or slots:
        segs.append(_segment(labels, slots, exact, from_line))
    return segs


def _segment(labels: list[str], slots: list[str], exact: bool, from_line: bool) -> Segment:
    if exact:
        return Segment(labels, slots, True, from_line)
    return Segment(labels, list(filter(clean, slots)), False, from_line, slots)
