"""Plain text → document blocks: find the table linearisations in a text rendition and rebuild grids.

Text renditions of the reports come in a few shapes (seeds and report-format.md §7):

- *cell per line*: every cell on its own line starting with a TAB, rows separated by blank lines;
  a cell's text may wrap onto following lines that carry no TAB (`商业\\n企业`);
- *row per line, TAB separated* (markdown exports): `规章\\t0\\t0\\t0`, trailing TABs;
- *pipe rows*: `a | b | c |`, including colspan artefacts `| |||` and markdown separators;
- everything else is running text and becomes one `Paragraph` per non-empty line. Lines of a PDF
  text layer such as `一、本年新收… 120 7 0 0 3 1 131` stay paragraphs; the table interpreter
  (services/parser/read/tables.py) reads label + numbers out of them.

Text cannot tell padding from truly empty cells, so every grid built here has `exact=False`.
Reads no settings.
"""

from __future__ import annotations

import re

from services.parser.document import Block, Grid, Paragraph

_SECTION_HEAD = re.compile(r"^\s*#*\s*[一二三四五六七八九十]+、")
# a number token glued to the start of the next row or heading: 「131二、上年结转…」「12.5三、收到和处理…」
_GLUED_MARKER = re.compile(
    r"(?:(?<=\s)|^)([+-]?\d[\d,]*(?:\.\d+)?|[-—－/])"
    r"(?=[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|第二十条|\d{1,2}[.．、][^\d])"
)
_MD_SEP = re.compile(r"^\s*\|?\s*:?-{2,}")
_DASH_CELL = re.compile(r"^:?[-—－]+:?$")
_MAX_CONTINUATION = 40  # a wrapped cell fragment is short; longer lines are new paragraphs


def _is_pipe_line(line: str) -> bool:
    bars = line.count("|")
    return bars >= 2 or (bars == 1 and line.rstrip().endswith("|"))


def _dash_row(cells: list[str]) -> bool:
    """`| - | - |` as a table's first or second line: a header rendered as dashes (a separator),
    not a row of NA values (those come after a label or among the data rows)."""
    return bool(cells) and all(_DASH_CELL.match(c) for c in cells)


def _pipe_cells(line: str) -> list[str]:
    stripped = line.strip()
    parts = stripped.split("|")
    if stripped.startswith("|"):  # then parts[0] is the empty text before it
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    return list(map(str.strip, parts))


def _tab_rows(lines: list[str]) -> list[list[str]]:
    """Rows of one TAB region (lines between the region's first and last TAB line)."""
    rows: list[list[str]] = []
    chunk: list[str] = []
    for ln in lines:
        if (
            "\t" not in ln and not ln.strip()
        ):  # blank (a lone TAB is an empty cell, not a row break)
            if chunk:
                _chunk_rows(chunk, rows)
                chunk = []
        else:
            chunk.append(ln)
    if chunk:
        _chunk_rows(chunk, rows)
    return rows


def _chunk_rows(chunk: list[str], rows: list[list[str]]) -> None:
    """Append the rows of one chunk (lines between blank lines) of a TAB region to `rows`."""
    joined = "\n".join(chunk)
    if joined.startswith("\t") and joined.count("\n\t") == len(chunk) - 1 == joined.count("\t") - 1:
        # every line is `\tcell`, unindented, one TAB each (most cell-per-line rows): counted in C
        rows.append([ln[1:] for ln in chunk])
        return
    cells: list[str] = []  # the cell-per-line reading, kept if every TAB line is a single cell
    single = False  # a TAB line seen, and all so far are `\tcell` (optionally indented with spaces)
    for ln in chunk:
        if "\t" in ln:
            stripped = ln.lstrip(" \u3000")
            if (
                stripped[:1] != "\t" or "\t" in stripped[1:]
            ):  # not one cell of a cell-per-line table
                single = False
                break
            single = True
            cells.append(stripped[1:])
        elif cells:
            cells[-1] = cells[-1] + "\n" + ln
        else:
            cells.append(ln)
    if single:
        # cell per line: the chunk is one row; TAB-less lines continue the previous cell
        rows.append(cells)
        return
    for ln in chunk:
        if "\t" in ln:
            rows.append(ln.rstrip("\r\n").split("\t"))
        elif rows:
            rows[-1][-1] = rows[-1][-1] + "\n" + ln
        else:
            rows.append([ln])


def _continues_cell(line: str) -> bool:
    s = line.strip()
    return bool(s) and len(s) <= _MAX_CONTINUATION and not _SECTION_HEAD.match(line)


def _may_glue(text: str) -> bool:
    """False when `_GLUED_MARKER` surely finds nothing: its number token stands at the start or
    after whitespace, and most paragraphs (Chinese prose) have no whitespace inside — a scan in C
    instead of the regex trying its lookbehind at every character."""
    first = text[:1]
    return (
        first in "+-—－/"
        or first.isdecimal()
        or first.isspace()  # \d is a Unicode decimal digit
        or len(text.split(None, 1)) > 1  # whitespace inside (\s is what str.split splits on)
    )


def unglue(blocks: list[Block]) -> list[Block]:
    """Split paragraphs where a table row's last number runs into the next row or heading.

    PDF text extraction may join lines that reach the right margin — and a table's number
    columns do — into one paragraph (`… 3 1 131二、上年结转… 4`, `… 0五、存在的主要问题…`). A
    number token standing on its own (after a space) and directly followed by an item marker
    (`二、` `（一）` `1.` `第二十条`) ends a line there. Prose numbers (`共受理2件`) follow no space
    and are never split.
    """
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Paragraph) and _may_glue(b.text) and _GLUED_MARKER.search(b.text):
            cuts = [m.end() for m in _GLUED_MARKER.finditer(b.text)]
            start = 0
            for c in cuts:
                if b.text[start:c].strip():
                    out.append(Paragraph(b.text[start:c].strip(), page=b.page))
                start = c
            if b.text[start:].strip():
                out.append(Paragraph(b.text[start:].strip(), page=b.page))
        else:
            out.append(b)
    return out


def _grids(blocks: list[Block]) -> int:
    """The number of the next grid (0-based): text tables counted in reading order."""
    return sum(isinstance(b, Grid) for b in blocks)


def text_blocks(text: str) -> list[Block]:
    """Split a plain-text rendition into paragraphs and (inexact) grids, in reading order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        tab = "\t" in line
        if not tab and not line.strip():  # blank: no text and no TAB (a lone TAB is an empty cell)
            i += 1
            continue
        if tab:
            # a TAB region runs over TAB lines, blank lines and short TAB-less continuation lines
            # that directly follow a cell; it ends at text after a blank line or a long line.
            j = i
            last_tab = i
            prev_blank = False
            while j < n:
                ln = lines[j]
                if "\t" in ln:  # TAB line; else blank (inlined: the loop runs per line)
                    last_tab = j
                    prev_blank = False
                elif not ln.strip():
                    prev_blank = True
                elif prev_blank or not _continues_cell(ln):
                    break
                j += 1
            rows = _tab_rows(lines[i : last_tab + 1])
            filled = [c for c in rows[0] if c.strip()] if len(rows) == 1 else []
            if len(filled) == 1:
                blocks.append(Paragraph(text=filled[0].strip(), line=i + 1))  # indented line
            elif rows:
                tab_lines = [k + 1 for k in range(i, last_tab + 1) if "\t" in lines[k]]
                # each row's line when rows are the TAB lines one to one (no continuation merged)
                blocks.append(
                    Grid(
                        rows=rows,
                        exact=False,
                        index=_grids(blocks),
                        lines=tab_lines if len(tab_lines) == len(rows) else None,
                    )
                )
            i = last_tab + 1
            continue
        if _is_pipe_line(line):
            rows = []
            row_lines: list[int] = []
            while i < n:  # pipe lines and blank lines (a pipe line is never blank)
                ln = lines[i]
                if "\t" in ln or ln.strip():
                    if not _is_pipe_line(ln):
                        break
                    cells = _pipe_cells(ln)
                    if not _MD_SEP.match(ln) and not (len(rows) <= 1 and _dash_row(cells)):
                        rows.append(cells)
                        row_lines.append(i + 1)
                i += 1
            blocks.append(Grid(rows=rows, exact=False, index=_grids(blocks), lines=row_lines))
            continue
        blocks.append(Paragraph(text=line.strip(), line=i + 1))
        i += 1
    return blocks
