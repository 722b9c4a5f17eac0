"""XLSX/XLS → Document: each sheet's tables as Grids with merged ranges expanded.

Each Grid records where it is for its cells' evidence: its number among the workbook's tables
(`index`), the sheet's name (`path`) and its rows' 0-based rows in that sheet (`source_rows`;
columns are the sheet's, 0 = A).

A sheet often holds more than one table plus lines of text (title, section headings). Rows are
split into runs at fully empty rows; a run of one row with a single, unmerged non-empty cell is a
Paragraph, anything else a Grid. Covered positions of a merged range are None; empty cells "".
Numbers are written the way a person reads them (3.0 → "3").

openpyxl is used in normal mode, not read_only: read-only worksheets do not expose merged ranges,
and it materialises every position of a merged range. So before openpyxl sees a workbook, the zip
is size-checked and each sheet's XML is read for what it declares (`declared_work`): cells plus
the area of its merged ranges against the grid-cell budget (one range `A1:XFD1048576` is 17
billion cells: refused in milliseconds, not 6.8 GB later), and rows beyond Excel's 1,048,576 as
an unreadable workbook. Settings read: none.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from services.parser.document import Block, Document, Grid, Paragraph
from services.parser.extract.budget import meter
from services.parser.extract.zipguard import check_zip
from shared.errors import DecompressionBomb, TooLarge, UnreadableDocument

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384  # XFD
_MERGE = re.compile(
    rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="\$?([A-Za-z]{1,4})\$?(\d{1,10})(?::\$?([A-Za-z]{1,4})\$?(\d{1,10}))?"'
)
_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")


def extract_sheets(data: bytes, kind: str, limits) -> Document:
    sheets = _xlsx(data, limits) if kind == "xlsx" else _xls(data, limits)
    blocks: list[Block] = []
    for name, rows, merged in sheets:
        blocks.extend(_split(rows, merged, name))
    # where each table is, for its cells' evidence: its number in the workbook (sheets in order)
    for index, grid in enumerate(b for b in blocks if isinstance(b, Grid)):
        grid.index = index
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


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def declared_work(name: str, xml: bytes, limits) -> int:
    """Cells a sheet's XML makes openpyxl build: its cells plus every position its merged ranges
    cover. Raises DecompressionBomb over the grid-cell budget, UnreadableDocument for a row or
    range outside Excel's grid."""
    last_row = max((int(m) for m in _ROW.findall(xml)), default=0)
    if last_row > EXCEL_ROWS:
        raise UnreadableDocument(
            f"XLSX sheet {name!r} has row {last_row:,}, beyond Excel's last row {EXCEL_ROWS:,}"
        )
    work = len(_CELL.findall(xml))
    for c0, r0, c1, r1 in _MERGE.findall(xml):
        rows = abs(int(r1 or r0) - int(r0)) + 1
        cols = abs(_column(c1 or c0) - _column(c0)) + 1
        if (
            max(int(r0), int(r1 or r0)) > EXCEL_ROWS
            or max(_column(c0), _column(c1 or c0)) > EXCEL_COLUMNS
        ):
            raise UnreadableDocument(
                f"XLSX sheet {name!r} merges a range outside Excel's grid"
                f" ({c0.decode()}{int(r0)}:{(c1 or c0).decode()}{int(r1 or r0)})"
            )
        work += rows * cols
        if work > limits.max_grid_cells:
            raise DecompressionBomb(
                f"XLSX sheet {name!r} declares merged ranges covering more than"
                f" {limits.max_grid_cells:,} cells (last: {c0.decode()}{int(r0)}:"
                f"{(c1 or c0).decode()}{int(r1 or r0)}, {rows * cols:,} cells)"
            )
    if work > limits.max_grid_cells:
        raise DecompressionBomb(
            f"XLSX sheet {name!r} declares {work:,} cells (limit {limits.max_grid_cells:,})"
        )
    return work


def _check_declared(data: bytes, limits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = 0
            for info in z.infolist():
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    total += declared_work(info.filename, z.read(info), limits)
                    if total > limits.max_grid_cells:
                        raise DecompressionBomb(
                            f"XLSX sheets declare {total:,} cells in all"
                            f" (limit {limits.max_grid_cells:,})"
                        )
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise UnreadableDocument(f"XLSX workbook could not be read: {type(e).__name__}: {e}") from e


def _xlsx(data: bytes, limits) -> list[tuple[str, list[list[str]], Merged]]:
    check_zip(data, max_total=limits.max_unzipped, max_ratio=limits.max_ratio)
    _check_declared(data, limits)
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


def _split(rows: list[list[str]], merged: Merged, sheet: str | None = None) -> list[Block]:
    """The sheet's runs of rows as Paragraphs and Grids; a Grid knows its sheet (`path`) and each
    of its rows' 0-based row in the sheet (`source_rows`; its columns are the sheet's from A), so
    a cell's evidence names the sheet, row and column it was read at."""
    budget = meter()
    budget.check_time("a sheet")
    grid: list[list[str | None]] = [list(r) for r in rows]
    in_merge: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in merged:
        budget.add_cells((r1 - r0 + 1) * (c1 - c0 + 1), f"a merged range of {r1 - r0 + 1} rows")
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
            blocks.append(
                Grid(
                    rows=[(r + [""] * width)[:width] for r in rows_],
                    exact=True,
                    path=sheet,
                    source_rows=list(run),
                )
            )
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
