"""Render a `ParsedReport` as the documents portals publish: HTML pages, DOCX, PDF, XLSX, text.

Runtime code: the sample portal of `nianbao run` serves these, and tests parse them back.
All renderers are deterministic — no timestamps anywhere, fixed zip entry dates — so the same
report gives the same bytes. Tables come from nianbao/samples/layout.py (one layout, many drawings).

- `render_html(report, chrome=True, encoding="utf-8", declared="match")`: a TRS-like portal page
  (nav, breadcrumbs, ArticleTitle/PubDate/ContentSource meta, footer) with rowspan/colspan
  tables; `declared` is "match" (meta charset = encoding), None (no declaration) or another
  charset name (a WRONG declaration, as real portals have).
- `render_docx`, `render_pdf(vertical_t4=False, running_head=None)` (reportlab, CJK TTF, ruled
  tables, page numbers, T3 header rows repeated when it splits across pages), `render_xlsx`.
  Implementations: page.py (HTML), office.py (DOCX/XLSX), pdfdoc.py (PDF), outline.py (reading
  order); the text linearisations are here.
- `render_text(report, style)`: "cell_per_line" (seed 000), "tabs" (001), "pipes" (004), "markdown".
- `render(report, kind)` → (bytes, content type) for kind in CONTENT_TYPES (sample portals).
Settings read: none.
"""

from __future__ import annotations

from nianbao.samples.layout import LayoutRow, expand
from nianbao.samples.office import render_docx, render_xlsx
from nianbao.samples.outline import narrative_lines, outline
from nianbao.samples.page import render_html
from nianbao.samples.pdfdoc import CJK_FONT_PATHS, cjk_font_path, render_pdf
from shared.report import ParsedReport

__all__ = [
    "CJK_FONT_PATHS",
    "CONTENT_TYPES",
    "TEXT_STYLES",
    "cjk_font_path",
    "narrative_lines",
    "render",
    "render_docx",
    "render_html",
    "render_pdf",
    "render_text",
    "render_xlsx",
]

TEXT_STYLES = ("cell_per_line", "tabs", "pipes", "markdown")


# --- by kind -----------------------------------------------------------------------------------

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "html-gbk": "text/html",  # old portals: GBK bytes, charset only in the page (or nowhere)
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text": "text/plain; charset=utf-8",
}


def render(report: ParsedReport, kind: str) -> tuple[bytes, str]:
    """(bytes, content type) of the report as `kind`: one of CONTENT_TYPES (for sample portals)."""
    if kind == "html":
        return render_html(report), CONTENT_TYPES[kind]
    if kind == "html-gbk":
        return render_html(report, encoding="gbk", declared="gb2312"), CONTENT_TYPES[kind]
    if kind == "docx":
        return render_docx(report), CONTENT_TYPES[kind]
    if kind == "pdf":
        return render_pdf(report), CONTENT_TYPES[kind]
    if kind == "xlsx":
        return render_xlsx(report), CONTENT_TYPES[kind]
    if kind == "text":
        return render_text(report, "cell_per_line").encode("utf-8"), CONTENT_TYPES[kind]
    raise ValueError(f"unknown kind {kind!r}; one of {sorted(CONTENT_TYPES)}")


# --- text ---------------------------------------------------------------------------------------


def _covered_origin(layout: list[LayoutRow]) -> list[list[tuple[int, int] | None]]:
    """For each position of the expanded table, the (row, col) of the cell that covers it."""
    grid = expand(layout)
    origin: list[list[tuple[int, int] | None]] = [[None] * len(grid[0]) for _ in grid]
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is not None:
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        origin[r + dr][c + dc] = (r, c)
    return origin


def _text_table(layout: list[LayoutRow], style: str) -> list[str]:
    grid = expand(layout)
    origin = _covered_origin(layout)
    lines: list[str] = []
    if style == "cell_per_line":
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                o = origin[r][c]
                if cell is not None:
                    lines.append("\t" + cell.text)
                elif o is not None and o[0] < r and o[1] == c:
                    lines.append("\t")  # a rowspan from above shows as an empty cell
            lines.append("")
        return lines
    if style == "pipes":
        for row in layout:
            pad = sum(c.colspan - 1 for c in row)
            lines.append(" | ".join(c.text.replace("\n", " ") for c in row) + " |" + "|" * pad)
        return lines
    texts = [
        [("" if cell is None else cell.text.replace("\n", "")) for cell in row] for row in grid
    ]
    if style == "tabs":
        return ["\t".join(row) for row in texts] + [""]
    # markdown
    out = ["| " + " | ".join(texts[0]) + " |", "|" + "---|" * len(texts[0])]
    out += ["| " + " | ".join(row) + " |" for row in texts[1:]]
    return out + [""]


def render_text(report: ParsedReport, style: str = "cell_per_line") -> str:
    """The report as text in one of TEXT_STYLES, the way portals' text copies linearise tables."""
    if style not in TEXT_STYLES:
        raise ValueError(f"unknown text style {style!r}; one of {TEXT_STYLES}")
    lines: list[str] = []
    for kind, value in outline(report):
        if kind == "table":
            lines.extend(_text_table(value, style))  # type: ignore[arg-type]
        elif kind == "heading" and style == "markdown":
            lines.append(f"## {value}")
        elif kind == "title" and style == "markdown":
            lines.append(f"# {value}")
        else:
            lines.append(str(value))
    return "\n".join(lines) + "\n"
