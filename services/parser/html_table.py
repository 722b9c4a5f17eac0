"""HTML tables → Grid: rowspan/colspan expanded, covered positions None, empty cells "".

Spans are capped (colspan at the HTML spec's 1000, rowspan at the table's remaining rows), so a
hostile `colspan="99999999"` cannot exhaust memory. Cell text keeps <br> and paragraph
boundaries as newlines; &nbsp; is a space. Settings read: none.
"""

from __future__ import annotations

import re

from lxml import etree

from services.parser.document import Grid

MAX_COLSPAN = 1000  # the HTML spec's own limit
MAX_ROWSPAN = 65534
SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "center",
    "tr",
    "td",
    "th",
    "tbody",
    "thead",
    "tfoot",
    "caption",
    "hr",
    "address",
    "figure",
    "figcaption",
}


def own_rows(table) -> list:
    rows = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(r for r in child if r.tag == "tr")
    return rows


def own_cells(table) -> list:
    return [c for r in own_rows(table) for c in r if c.tag in ("td", "th")]


def _span(value: str | None, cap: int, zero: int) -> int:
    try:
        n = int(str(value).strip()) if value is not None else 1
    except ValueError:
        return 1
    if n == 0:
        return zero
    return max(1, min(n, cap))


def cell_text(cell) -> str:
    """Text of a table cell: <br> and paragraph boundaries become newlines, &nbsp; a space."""
    if len(cell):
        for el in cell.iterdescendants():
            tag = el.tag
            if tag == "br" or tag in BLOCK_TAGS:
                # mark the boundary in the tree itself (the tree is thrown away after extraction)
                el.tail = "\n" + (el.tail or "")
                if tag != "br":
                    el.text = "\n" + (el.text or "")
        text = etree.tostring(cell, method="text", encoding=str, with_tail=False)
    else:
        text = cell.text or ""
    text = text.strip()
    if "\n" not in text:
        return SPACES.sub(" ", text) if " " in text or "\xa0" in text or "\t" in text else text
    lines = (SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def table_grid(table) -> Grid:
    """An HTML table as a Grid with rowspan/colspan expanded."""
    rows = own_rows(table)
    n_rows = len(rows)
    grid: list[list[str | None]] = [[] for _ in rows]
    covered: dict[tuple[int, int], bool] = {}
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            while covered.get((r, c)):
                c += 1
            rowspan = _span(cell.get("rowspan"), MAX_ROWSPAN, n_rows - r)
            colspan = _span(cell.get("colspan"), MAX_COLSPAN, 1)
            rowspan = min(rowspan, n_rows - r)
            for dr in range(rowspan):
                for dc in range(colspan):
                    covered[(r + dr, c + dc)] = True
                    _put(grid[r + dr], c + dc, None)
            grid[r][c] = cell_text(cell)
            c += colspan
    # Rows without any text carry nothing (Word's HTML export ends tables with a row of empty
    # width-setting cells); rows are found by their labels, so dropping them shifts nothing.
    return Grid(rows=[row for row in grid if any(row)], exact=True)


def _put(row: list[str | None], idx: int, value: str | None) -> None:
    while len(row) <= idx:
        row.append("")
    row[idx] = value
