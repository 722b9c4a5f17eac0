"""The official drawing of tables T2/T3/T4, as rows of merged cells, from a `ParsedReport`.

Every renderer (HTML, DOCX, PDF, XLSX, the text linearisations) draws the tables from this one
layout, so the header structure of report-format.md §2.4–§2.6 and §3.2 is written down once:

- T2: one table of blocks; each block is a full-width caption row (第二十条第（一）项), a header
  row (信息内容 | column labels) and its data rows. Blocks narrower than the widest one let their
  last column span the remaining width, as the Word template does.
- T3: the corner cell (勾稽 note) spans 3 rows × 3 columns; 申请人情况 spans the 7 data columns;
  自然人 and 总计 span two header rows; 法人或其他组织 spans the five middle columns. Row-group
  labels 三、本年度办理结果 and （三）不予公开 … are rowspans with no numbers of their own.
- T4: 行政复议 spans 5 columns × 2 header rows; 行政诉讼 spans 10 and splits into
  未经复议直接起诉 / 复议后起诉; then the 15 outcome labels; then one row of numbers.

A layout row lists only the cells that start in that row (like HTML `<tr>`); positions covered by
a span from above or the left are not repeated. `expand()` turns a layout into a full rectangle.
Settings read: none.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.report import Cell, ParsedReport
from shared.schema import SCHEMAS, T3_COLS, T4_COLS, T4_GROUPS, FormatSchema

T3_CORNER_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_CN_NUM = "一二三四五六七八九十"


@dataclass(frozen=True)
class LayoutCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False  # a label / header cell rather than a data cell
    path: str | None = None  # "table.row.col" for data cells
    missing: bool = False  # the report has no value there at all (not even a blank)


LayoutRow = list[LayoutCell]


def cell_text(cell: Cell | None) -> str:
    """The text a renderer writes for a cell: the raw text when known, else the value."""
    if cell is None:
        return ""
    if cell.raw:
        return cell.raw
    if cell.value is None:
        return ""
    if isinstance(cell.value, float) and cell.value.is_integer():
        return str(int(cell.value))
    return str(cell.value)


def _data(table: dict, name: str, row: str, col: str) -> LayoutCell:
    cell = (table.get(row) or {}).get(col)
    return LayoutCell(
        cell_text(cell),
        path=f"{name}.{row}.{col}",
        missing=cell is not None and cell.kind == "missing",
    )


def _h(text: str, rowspan: int = 1, colspan: int = 1) -> LayoutCell:
    return LayoutCell(text, rowspan, colspan, header=True)


# --- T2 -----------------------------------------------------------------------------------------


def t2_width(schema: FormatSchema) -> int:
    return 1 + max(len(b.cols) for b in schema.t2_blocks)


def t2_layout(table: dict, schema: FormatSchema) -> list[LayoutRow]:
    width = t2_width(schema)
    rows: list[LayoutRow] = []
    for block in schema.t2_blocks:
        rows.append([_h(block.caption, colspan=width)])
        pad = width - 1 - len(block.cols)
        header = [_h("信息内容")]
        for i, col in enumerate(block.cols):
            header.append(_h(col.label, colspan=1 + (pad if i == len(block.cols) - 1 else 0)))
        rows.append(header)
        for row in block.rows:
            line = [_h(row.label)]
            for i, col in enumerate(block.cols):
                cell = _data(table, "active_disclosure", row.key, col.key)
                if i == len(block.cols) - 1 and pad:
                    cell = LayoutCell(cell.text, 1, 1 + pad, path=cell.path)
                line.append(cell)
            rows.append(line)
    return rows


# --- T3 -----------------------------------------------------------------------------------------


def _t3_groups(schema: FormatSchema) -> list[tuple[str, list[tuple[str, str]]]]:
    """Result rows of T3 as (group label, [(row key, item label)]); a single-row group has no items."""
    labels = {r.key: r.label for r in schema.t3_rows}
    keys = [r.key for r in schema.t3_rows]
    prefixes = [
        ("（一）予以公开", ["granted"]),
        ("（二）" + labels["partially_granted"], ["partially_granted"]),
        ("（三）不予公开", [k for k in keys if k.startswith("denied_")]),
        ("（四）无法提供", [k for k in keys if k.startswith("unable_")]),
        ("（五）不予处理", [k for k in keys if k.startswith("not_processed_")]),
        ("（六）其他处理", [k for k in keys if k.startswith("other_")]),
        ("（七）总计", ["results_total"]),
    ]
    out = []
    for group, members in prefixes:
        if members in (["granted"], ["partially_granted"], ["results_total"], ["other_handling"]):
            out.append((group, [(members[0], "")]))  # one row, label spans both label columns
        else:
            out.append((group, [(k, f"{i}.{labels[k]}") for i, k in enumerate(members, 1)]))
    return out


def t3_layout(table: dict, schema: FormatSchema) -> list[LayoutRow]:
    cols = [c.key for c in T3_COLS]

    def numbers(row_key: str) -> list[LayoutCell]:
        return [_data(table, "applications", row_key, c) for c in cols]

    rows: list[LayoutRow] = [
        [_h(T3_CORNER_NOTE, 3, 3), _h("申请人情况", 1, 7)],
        [_h("自然人", 2, 1), _h("法人或其他组织", 1, 5), _h("总计", 2, 1)],
        [_h(c.label) for c in T3_COLS[1:6]],
        [_h("一、" + _label(schema, "new_received"), 1, 3), *numbers("new_received")],
        [_h("二、" + _label(schema, "carried_over_in"), 1, 3), *numbers("carried_over_in")],
    ]
    groups = _t3_groups(schema)
    n_result_rows = sum(len(items) for _, items in groups)
    first = True
    for group, items in groups:
        for i, (key, item) in enumerate(items):
            line: LayoutRow = []
            if first:
                line.append(_h("三、本年度办理结果", n_result_rows, 1))
                first = False
            if item:
                if i == 0:
                    line.append(_h(group, len(items), 1))
                line.append(_h(item))
            else:
                line.append(_h(group, 1, 2))
            rows.append(line + numbers(key))
    rows.append(
        [_h("四、" + _label(schema, "carried_over_out"), 1, 3), *numbers("carried_over_out")]
    )
    return rows


def _label(schema: FormatSchema, key: str) -> str:
    return next(r.label for r in schema.t3_rows if r.key == key)


# --- T4 -----------------------------------------------------------------------------------------


def t4_layout(table: dict) -> list[LayoutRow]:
    outcomes = [_h(c.label) for _ in T4_GROUPS for c in T4_COLS]
    data = [_data(table, "review_litigation", g.key, c.key) for g in T4_GROUPS for c in T4_COLS]
    return [
        [_h(T4_GROUPS[0].label, 2, 5), _h("行政诉讼", 1, 10)],
        [_h(T4_GROUPS[1].label, 1, 5), _h(T4_GROUPS[2].label, 1, 5)],
        outcomes,
        data,
    ]


# --- whole report -------------------------------------------------------------------------------


def table_layouts(report: ParsedReport) -> dict[str, list[LayoutRow]]:
    """Layouts of the tables present in the report, keyed by table name (T2, T3, T4 order).

    Raises ValueError for a format without tables (pre2019/unknown).
    """
    schema = SCHEMAS.get(report.format_version)
    if schema is None:
        raise ValueError(f"format {report.format_version!r} has no national tables")
    out: dict[str, list[LayoutRow]] = {}
    tables = report.tables
    if tables.get("active_disclosure") is not None:
        out["active_disclosure"] = t2_layout(tables["active_disclosure"], schema)
    if tables.get("applications") is not None:
        out["applications"] = t3_layout(tables["applications"], schema)
    if tables.get("review_litigation") is not None:
        out["review_litigation"] = t4_layout(tables["review_litigation"])
    return out


def width(layout: list[LayoutRow]) -> int:
    return sum(c.colspan for c in layout[0])


def expand(layout: list[LayoutRow]) -> list[list[LayoutCell | None]]:
    """The layout as a full rectangle: each cell at its top-left position, covered positions None."""
    w = width(layout)
    grid: list[list[LayoutCell | None]] = []
    taken: set[tuple[int, int]] = set()
    for r, row in enumerate(layout):
        while len(grid) <= r:
            grid.append([None] * w)
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            if c >= w:
                raise ValueError(f"row {r} overflows the table width {w}")
            grid[r][c] = cell
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return grid


def cn_number(n: int) -> str:
    """1 → 一 … 10 → 十 (section and item markers)."""
    return _CN_NUM[n - 1]
