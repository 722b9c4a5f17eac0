"""HTML tables → Grid: rowspan/colspan expanded, covered positions None, empty cells "".

Spans are capped one by one (colspan at the HTML spec's 1000, rowspan at the table's remaining
rows) and in total: every position a span covers is counted against the document's grid-cell
budget (services/parser/extract/budget.py) before it is filled, so neither `colspan="99999999"`
nor a thousand rows of `colspan=1000 rowspan=65534` can exhaust memory or time. Cell text keeps <br> and paragraph
boundaries as newlines; &nbsp; is a space. Settings read: none.
"""

from __future__ import annotations

import re

from lxml import etree

from services.parser.document import Grid
from services.parser.extract.budget import meter

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
    n = len(cell)
    if not n:
        text = cell.text or ""
    elif n == 1 and not len(cell[0]):  # most cells: <td><p>12</p></td>, <td><span>12</span></td>
        child = cell[0]
        tag = child.tag
        if tag in BLOCK_TAGS:
            text = f"{cell.text or ''}\n{child.text or ''}\n{child.tail or ''}"
        elif tag == "br":
            text = f"{cell.text or ''}{child.text or ''}\n{child.tail or ''}"
        elif type(tag) is str:
            text = f"{cell.text or ''}{child.text or ''}{child.tail or ''}"
        else:
            text = _marked_text(cell)
    else:
        parts = [cell.text or ""]
        text = "".join(parts) if _gather(cell, parts) else _marked_text(cell)
    text = text.strip()
    if "\n" not in text:
        return SPACES.sub(" ", text) if " " in text or "\xa0" in text or "\t" in text else text
    lines = (SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _gather(el, parts: list[str]) -> bool:
    """Append the text under `el` with a newline around block elements and after <br>.

    The same string as `_marked_text` gives, without serialising: one Python pass over the few
    elements of a cell is several times cheaper. False (and `parts` unusable) on a node that is
    not an element (an entity reference, a leftover comment): `_marked_text` handles those.
    """
    for child in el:
        tag = child.tag
        if type(tag) is not str:
            return False
        if tag in BLOCK_TAGS:
            parts.append("\n")
            if child.text:
                parts.append(child.text)
            if len(child) and not _gather(child, parts):
                return False
            parts.append("\n")
        else:
            if child.text:
                parts.append(child.text)
            if len(child) and not _gather(child, parts):
                return False
            if tag == "br":
                parts.append("\n")
        if child.tail:
            parts.append(child.tail)
    return True


def _marked_text(cell) -> str:
    """The cell's text through lxml's text serialiser, boundaries marked in the tree first."""
    for el in cell.iterdescendants():
        tag = el.tag
        if tag == "br" or tag in BLOCK_TAGS:
            # mark the boundary in the tree itself (the tree is thrown away after extraction)
            el.tail = "\n" + (el.tail or "")
            if tag != "br":
                el.text = "\n" + (el.text or "")
    return etree.tostring(cell, method="text", encoding=str, with_tail=False)


_CELL_TAGS = ("td", "th")


def table_grid(table) -> Grid:
    """An HTML table as a Grid with rowspan/colspan expanded.

    A position covered by a span from an earlier row holds None before the row is read (and no
    text is ever None), so "covered" is read off the grid itself.
    """
    rows = own_rows(table)
    n_rows = len(rows)
    budget = meter()
    budget.check_time("an HTML table")
    grid: list[list[str | None]] = [[] for _ in rows]
    for r, tr in enumerate(rows):
        row = grid[r]
        c = 0
        for cell in tr:
            if cell.tag not in _CELL_TAGS:
                continue
            n = len(row)
            while c < n and row[c] is None:
                c += 1
            rowspan_attr, colspan_attr = cell.get("rowspan"), cell.get("colspan")
            if rowspan_attr is None and colspan_attr is None:  # most cells: one position
                if c < n:
                    row[c] = cell_text(cell)
                else:
                    if c > n:
                        row.extend([""] * (c - n))
                    row.append(cell_text(cell))
                c += 1
                continue
            rowspan = _span(rowspan_attr, MAX_ROWSPAN, n_rows - r)
            colspan = _span(colspan_attr, MAX_COLSPAN, 1)
            rowspan = min(rowspan, n_rows - r)
            budget.add_cells(rowspan * colspan, f"an HTML cell spanning {rowspan}×{colspan}")
            for dr in range(rowspan):
                below = grid[r + dr]
                for dc in range(colspan):
                    _put(below, c + dc, None)
            row[c] = cell_text(cell)
            c += colspan
    # Rows without any text carry nothing (Word's HTML export ends tables with a row of empty
    # width-setting cells); rows are found by their labels, so dropping them shifts nothing.
    kept = [i for i, row in enumerate(grid) if any(row)]
    return Grid(rows=[grid[i] for i in kept], exact=True, source_rows=kept)


def _put(row: list[str | None], idx: int, value: str | None) -> None:
    if len(row) <= idx:
        row.extend([""] * (idx + 1 - len(row)))
    row[idx] = value
