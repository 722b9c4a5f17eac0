"""Render a `ParsedReport` as the documents portals publish: HTML pages, DOCX, PDF, XLSX, text.

Runtime code: the sample portal of `nianbao run` serves these, and tests parse them back.
All renderers are deterministic — no timestamps anywhere, fixed zip entry dates — so the same
report gives the same bytes. Tables come from shared/samples/layout.py (one layout, many drawings).

- `render_html(report, chrome=True, encoding="utf-8", declared="match")`: a TRS-like portal page
  (nav, breadcrumbs, ArticleTitle/PubDate/ContentSource meta, footer) with rowspan/colspan
  tables; `declared` is "match" (meta charset = encoding), None (no declaration) or another
  charset name (a WRONG declaration, as real portals have).
- `render_docx`, `render_pdf(vertical_t4=False)` (reportlab, CJK TTF, ruled tables, T3 header
  rows repeated when it splits across pages), `render_xlsx`.
- `render_text(report, style)`: "cell_per_line" (seed 000), "tabs" (001), "pipes" (004), "markdown".
- `render(report, kind)` → (bytes, content type) for kind in CONTENT_TYPES (sample portals).
Settings read: none.
"""

from __future__ import annotations

import html as _html
import io
import zipfile
from datetime import datetime

from shared.report import ParsedReport
from shared.samples.layout import LayoutCell, LayoutRow, expand, table_layouts, width
from shared.samples.synth import intro_text
from shared.schema import SECTION_KEYS

TEXT_STYLES = ("cell_per_line", "tabs", "pipes", "markdown")
CJK_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
_FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_TABLE_OF_SECTION = {
    "active_disclosure": "active_disclosure",
    "applications": "applications",
    "review_litigation": "review_litigation",
}


def _outline(report: ParsedReport) -> list[tuple[str, object]]:
    """The report in reading order: ("title"|"para"|"heading", text) and ("table", layout)."""
    layouts = table_layouts(report) if report.format_version in ("2021", "2019") else {}
    out: list[tuple[str, object]] = [("title", report.title or "")]
    if report.report_year:
        out.append(("para", intro_text(report)))
    for key in SECTION_KEYS:
        section = report.sections.get(key)
        if section is not None:
            out.append(("heading", section.title_raw))
            out.extend(("para", line) for line in narrative_lines(key, section.text))
        table = _TABLE_OF_SECTION.get(key)
        if table in layouts:
            out.append(("table", layouts[table]))
    return out


_TABLE_START = ("第二十条", "信息内容", "（本列数据", "(本列数据", "申请人情况", "行政复议", "|")


def narrative_lines(section_key: str, text: str) -> list[str]:
    """The running text of a section, without a linearised copy of its table.

    Parsed reports keep each section's raw text, which for 二/三/四 includes the table as the
    source linearised it; the renderers draw the table from the cells instead.
    """
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if section_key in _TABLE_OF_SECTION and ("\t" in line or stripped.startswith(_TABLE_START)):
            break
        if stripped:
            lines.append(stripped)
    return lines


# --- HTML ---------------------------------------------------------------------------------------

_CSS = (
    "body{font-family:SimSun,serif;margin:0}.header{background:#c00;color:#fff;padding:8px}"
    ".nav li{display:inline;margin:0 8px}.position{padding:6px;font-size:12px}"
    ".article{width:960px;margin:0 auto}table{border-collapse:collapse}td{border:1px solid #000;padding:2px}"
    ".footer{border-top:1px solid #ccc;font-size:12px;text-align:center}"
)


def _html_table(layout: list[LayoutRow]) -> str:
    rows = []
    for row in layout:
        cells = []
        for c in row:
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (
                f' colspan="{c.colspan}"' if c.colspan > 1 else ""
            )
            text = _html.escape(c.text).replace("\n", "<br/>") or "&nbsp;"
            cells.append(f'<td{attrs} style="text-align:center"><p>{text}</p></td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table border="1" cellspacing="0" cellpadding="0" width="100%"><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )


def render_html(
    report: ParsedReport,
    *,
    chrome: bool = True,
    encoding: str = "utf-8",
    declared: str | None = "match",
) -> bytes:
    """The report as a portal article page, encoded in `encoding` (see the module docstring)."""
    title = _html.escape(report.title or "")
    agency = _html.escape(report.page_agency or report.agency_name or "")
    date = report.publish_date or ""
    body: list[str] = []
    for kind, value in _outline(report)[1:]:
        if kind == "heading":
            body.append(
                f'<p style="text-indent:2em"><strong>{_html.escape(str(value))}</strong></p>'
            )
        elif kind == "para":
            body.append(f'<p style="text-indent:2em">{_html.escape(str(value))}</p>')
        else:
            body.append(_html_table(value))  # type: ignore[arg-type]
    charset = encoding if declared == "match" else declared
    meta_charset = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if charset
        else ""
    )
    article = "\n".join(body)
    if not chrome:
        page = (
            f"<!DOCTYPE html><html><head>{meta_charset}<title>{title}</title></head><body>"
            f"<h1>{title}</h1>\n{article}\n</body></html>"
        )
    else:
        page = f"""<!DOCTYPE html>
<html><head>{meta_charset}
<title>{title}_政府信息公开年报_{agency}</title>
<meta name="SiteName" content="{agency}门户网站">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{date} 09:30">
<meta name="ContentSource" content="{agency}">
<style>{_CSS}</style>
<script type="text/javascript">var countPage = 1; function setFontSize(s){{document.getElementById('zoom').style.fontSize=s+'px';}}</script>
</head><body>
<div class="header"><div class="logo">{agency}</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zjxx/">走进本地</a></li></ul>
<form class="search" action="/search"><input name="q" value="请输入关键字"><button>搜索</button></form></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zfxxgk/zfxxgknb/">政府信息公开年报</a></div>
<div class="article">
<h1 class="title">{title}</h1>
<div class="info"><span>发布日期：{date}</span> <span>来源：{agency}</span> <span>字号：<a href="javascript:setFontSize(16)">大</a> <a href="javascript:setFontSize(14)">中</a></span></div>
<div class="trs_editor_view TRS_UEDITOR trs_paper_default" id="zoom">
{article}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="related"><h3>相关链接</h3><ul><li><a href="/zwgk/">政府信息公开指南</a></li><li><a href="/zwgk/zd/">政府信息公开制度</a></li></ul></div>
</div>
<div class="footer"><p>主办单位：{agency}办公室　版权所有</p><p>网站标识码：0000000000　ICP备00000000号</p>
<p><a href="/sitemap.html">网站地图</a> | <a href="/contact.html">联系我们</a></p></div>
<script>document.write('<img src="/stat.gif">');</script>
</body></html>
"""
    return page.encode(encoding, errors="xmlcharrefreplace")


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
    for kind, value in _outline(report):
        if kind == "table":
            lines.extend(_text_table(value, style))  # type: ignore[arg-type]
        elif kind == "heading" and style == "markdown":
            lines.append(f"## {value}")
        elif kind == "title" and style == "markdown":
            lines.append(f"# {value}")
        else:
            lines.append(str(value))
    return "\n".join(lines) + "\n"


# --- DOCX ---------------------------------------------------------------------------------------


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry dates so identical content gives identical bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_docx(report: ParsedReport) -> bytes:
    """The report as a Word document; tables with merged cells (gridSpan / vMerge)."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    props = document.core_properties
    props.created = props.modified = props.last_printed = _FIXED_TIME
    props.author = props.last_modified_by = "nianbao"
    props.title = report.title or ""
    props.revision = 1
    for kind, value in _outline(report):
        if kind == "title":
            document.add_heading(str(value), level=1)
        elif kind == "heading":
            document.add_heading(str(value), level=2)
        elif kind == "para":
            document.add_paragraph(str(value))
        else:
            layout: list[LayoutRow] = value  # type: ignore[assignment]
            grid = expand(layout)
            w = width(layout)
            table = document.add_table(rows=len(grid), cols=w)
            table.style = "Table Grid"
            # table.cell() rescans the whole table on each call; take the cells once (merges
            # of non-overlapping ranges leave the other cells' elements in place).
            cells = table._cells
            for r, row in enumerate(grid):
                for c, cell in enumerate(row):
                    if cell is None:
                        continue
                    target = cells[r * w + c]
                    if cell.rowspan > 1 or cell.colspan > 1:
                        target.merge(cells[(r + cell.rowspan - 1) * w + c + cell.colspan - 1])
                    target.text = cell.text
                    for p in target.paragraphs:
                        for run in p.runs:
                            run.font.size = Pt(9)
            document.add_paragraph("")
    buf = io.BytesIO()
    document.save(buf)
    return _fixed_zip(buf.getvalue())


# --- XLSX ---------------------------------------------------------------------------------------


def render_xlsx(report: ParsedReport) -> bytes:
    """The report as a workbook: one sheet, paragraphs in column A, tables with merged ranges."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    wb.properties.creator = wb.properties.lastModifiedBy = "nianbao"
    ws = wb.active
    ws.title = "年度报告"
    r = 1
    for kind, value in _outline(report):
        if kind != "table":
            ws.cell(row=r, column=1, value=str(value))
            r += 1
            continue
        r += 1  # a blank row before and after each table separates it from the text
        layout: list[LayoutRow] = value  # type: ignore[assignment]
        for dr, row in enumerate(expand(layout)):
            for dc, cell in enumerate(row):
                if cell is None:
                    continue
                ws.cell(row=r + dr, column=1 + dc, value=_xlsx_value(cell))
                if cell.rowspan > 1 or cell.colspan > 1:
                    ws.merge_cells(
                        start_row=r + dr,
                        start_column=1 + dc,
                        end_row=r + dr + cell.rowspan - 1,
                        end_column=dc + cell.colspan,
                    )
        r += len(layout) + 1
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def _xlsx_value(cell: LayoutCell) -> object:
    """Numbers as numbers (as Excel users type them); everything else as text."""
    if cell.header or not cell.text:
        return cell.text or None
    text = cell.text
    try:
        return (
            int(text)
            if text.lstrip("-").isdigit() and not text.startswith("+")
            else float(text)
            if "." in text
            else text
        )
    except ValueError:
        return text


# --- PDF ----------------------------------------------------------------------------------------


def cjk_font_path() -> str | None:
    import os

    return next((p for p in CJK_FONT_PATHS if os.path.exists(p)), None)


def render_pdf(
    report: ParsedReport, *, vertical_t4: bool = False, running_head: str | None = None
) -> bytes:
    """The report as an A4 PDF with a text layer; ruled tables, T3 header repeated across pages.

    Every page carries a centred page number 「- N -」 at the bottom; `running_head` adds a line of
    text at the top of every page (as Word exports of reports often have).
    Needs a CJK TrueType font (Debian fonts-wqy-zenhei); raises RuntimeError naming it otherwise.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    font_path = cjk_font_path()
    if font_path is None:
        raise RuntimeError("render_pdf needs a CJK font: install fonts-wqy-zenhei")
    if "NianbaoCJK" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("NianbaoCJK", font_path, subfontIndex=0))
    body = ParagraphStyle("body", fontName="NianbaoCJK", fontSize=10.5, leading=15, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=18, spaceBefore=6)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=22, alignment=1, spaceAfter=8)
    cell_style = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9, alignment=1)
    usable = A4[0] - 3.6 * cm
    story: list = []
    for kind, value in _outline(report):
        if kind == "title":
            story.append(P(_html.escape(str(value)), title))
        elif kind == "heading":
            story.append(P(_html.escape(str(value)), head))
        elif kind == "para":
            story.append(P(_html.escape(str(value)), body))
        else:
            layout: list[LayoutRow] = value  # type: ignore[assignment]
            story.append(Spacer(1, 4))
            story.append(
                _pdf_table(layout, cell_style, usable, vertical_t4, Table, TableStyle, P, colors)
            )
            story.append(Spacer(1, 6))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=1.8 * cm,
        rightMargin=1.8 * cm,
        topMargin=1.8 * cm,
        bottomMargin=1.8 * cm,
        invariant=1,
        title=report.title or "",
        author="nianbao",
        creator="nianbao",
        producer="nianbao",
    )

    def decorate(canvas, _doc) -> None:
        canvas.saveState()
        canvas.setFont("NianbaoCJK", 9)
        canvas.drawCentredString(A4[0] / 2, 1.0 * cm, f"- {canvas.getPageNumber()} -")
        if running_head:
            canvas.drawCentredString(A4[0] / 2, A4[1] - 1.1 * cm, running_head)
        canvas.restoreState()

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()


def _pdf_table(layout, cell_style, usable, vertical_t4, Table, TableStyle, P, colors):  # noqa: N803
    grid = expand(layout)
    n = len(grid[0])
    is_t4 = n == 15
    is_t3 = layout[0][0].rowspan == 3 and n == 10
    if is_t3:
        label = [usable * 0.09, usable * 0.12, usable * 0.31]
        widths = label + [(usable - sum(label)) / 7] * 7
    elif is_t4:
        widths = [usable / 15] * 15
    else:
        widths = [usable * 0.34] + [usable * 0.66 / (n - 1)] * (n - 1)
    data = []
    for r, row in enumerate(grid):
        line = []
        for cell in row:
            if cell is None:
                line.append("")
                continue
            text = _html.escape(cell.text).replace("\n", "<br/>")
            if vertical_t4 and is_t4 and r == 2:
                text = "<br/>".join(cell.text)
            line.append(P(text, cell_style))
        data.append(line)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is not None and (cell.rowspan > 1 or cell.colspan > 1):
                style.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
    return Table(data, colWidths=widths, repeatRows=3 if is_t3 else 0, style=TableStyle(style))
