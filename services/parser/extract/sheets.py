"""XLSX/XLS → Document: each sheet's tables as Grids with merged ranges expanded.

A sheet often holds more than one table plus lines of text (title, section headings). Rows are
split into runs at fully empty rows; a run of one row with a single, unmerged non-empty cell is a
Paragraph, anything else a Grid. Covered positions of a merged range are None; empty cells "".
Numbers are written the way a person reads them (3.0 → "3").

openpyxl is used in normal mode, not read_only: read-only worksheets do not expose merged ranges,
and the zip is size-checked before openpyxl inflates it. Settings read: none.
"""

from __future__ import annotations

import datetime as dt
import io

from services.parser.document import Block, Document, Grid, Paragraph
from services.parser.extract.zipguard import check_zip
from shared.errors import TooLarge, UnreadableDocument


def extract_sheets(data: bytes, kind: str, limits) -> Document:
    sheets = _xlsx(data, limits) if kind == "xlsx" else _xls(data, limits)
    blocks: list[Block] = []
    for _name, rows, merged in sheets:
        blocks.extend(_split(rows, merged))
    return Document(kind=kind, blocks=blocks)


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


Merged = list[
    tuple[int, int, int, int]
]  # (first_row, first_col, last_row, last_col), 0-based inclusive


def _xlsx(data: bytes, limits) -> list[tuple[str, list[list[str]], Merged]]:
    check_zip(data, max_total=limits.max_unzipped, max_ratio=limits.max_ratio)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except (
        Exception
    ) as e:  # openpyxl raises KeyError/InvalidFileException/XML errors on corrupt files
        raise UnreadableDocument(f"XLSX workbook could not be read: {type(e).__name__}: {e}") from e
    out = []
    for ws in wb.worksheets:
        n_rows, n_cols = ws.max_row or 0, ws.max_column or 0
        if n_rows * n_cols > limits.max_sheet_cells:
            raise TooLarge(
                f"sheet {ws.title!r} has {n_rows}×{n_cols} cells (limit {limits.max_sheet_cells})"
            )
        rows = [[_fmt(v) for v in row] for row in ws.iter_rows(values_only=True)]
        merged = [
            (m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
            for m in ws.merged_cells.ranges
        ]
        out.append((ws.title, rows, merged))
    return out


def _xls(data: bytes, limits) -> list[tuple[str, list[list[str]], Merged]]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception as e:  # xlrd.XLRDError, CompDocError, struct errors on truncated files
        raise UnreadableDocument(f"XLS workbook could not be read: {type(e).__name__}: {e}") from e
    out = []
    for i in range(book.nsheets):
        sh = book.sheet_by_index(i)
        if sh.nrows * sh.ncols > limits.max_sheet_cells:
            raise TooLarge(
                f"sheet {sh.name!r} has {sh.nrows}×{sh.ncols} cells (limit {limits.max_sheet_cells})"
            )
        rows = []
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(_fmt(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)))
                else:
                    row.append(_fmt(cell.value) if cell.ctype != xlrd.XL_CELL_EMPTY else "")
            rows.append(row)
        merged = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
        out.append((sh.name, rows, merged))
    book.release_resources()
    return out


def _split(rows: list[list[str]], merged: Merged) -> list[Block]:
    grid: list[list[str | None]] = [list(r) for r in rows]
    in_merge: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in merged:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                in_merge.add((r, c))
                if (r, c) != (r0, c0) and r < len(grid):
                    while len(grid[r]) <= c:
                        grid[r].append("")
                    grid[r][c] = None
    blocks: list[Block] = []
    run: list[int] = []

    def flush() -> None:
        if not run:
            return
        rows_ = [grid[i] for i in run]
        while len(rows_) > 0 and _single_text(rows_[0], run[0], in_merge):
            blocks.append(Paragraph(next(c for c in rows_[0] if c)))
            rows_, run[:] = rows_[1:], run[1:]
        if rows_:
            width = max(_last_used(r) for r in rows_) + 1
            blocks.append(Grid(rows=[(r + [""] * width)[:width] for r in rows_], exact=True))
        run.clear()

    for i, row in enumerate(grid):
        if all(c == "" for c in row) and not any((i, c) in in_merge for c in range(len(row))):
            flush()
        else:
            run.append(i)
    flush()
    return blocks


def _single_text(row: list[str | None], r: int, in_merge: set[tuple[int, int]]) -> bool:
    filled = [c for c, v in enumerate(row) if v]
    return (
        len(filled) == 1
        and (r, filled[0]) not in in_merge
        and all(v == "" for v in row if v != row[filled[0]])
    )


def _last_used(row: list[str | None]) -> int:
    for c in range(len(row) - 1, -1, -1):
        if row[c] != "":
            return c
    return 0
