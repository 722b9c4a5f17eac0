"""A report as an A4 PDF with a text layer (reportlab, CJK TrueType font, ruled tables).

Settings read: none.
"""

from __future__ import annotations

import html as _html
import io

from nianbao.samples.layout import LayoutRow, expand
from nianbao.samples.outline import outline
from shared.report import ParsedReport

CJK_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


# --- PDF ----------------------------------------------------------------------------------------


def cjk_font_path() -> str | None:
    import os

    return next((p for p in CJK_FONT_PATHS if os.path.exists(p)), None)


def render_pdf(
    report: ParsedReport,
    *,
    vertical_t4: bool = False,
    running_head: str | None = None,
    line_backgrounds: bool = False,
) -> bytes:
    """The report as an A4 PDF with a text layer; ruled tables, T3 header repeated across pages.

    Every page carries a centred page number 「- N -」 at the bottom; `running_head` adds a line of
    text at the top of every page (as Word exports of reports often have). `line_backgrounds`
    paints a filled rectangle behind every paragraph, as WPS / 「极速PDF」 exports do.
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
    body = ParagraphStyle(
        "body",
        fontName="NianbaoCJK",
        fontSize=10.5,
        leading=15,
        wordWrap="CJK",
        backColor=colors.HexColor("#FFFFFE") if line_backgrounds else None,
    )
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=18, spaceBefore=6)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=22, alignment=1, spaceAfter=8)
    cell_style = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9, alignment=1)
    usable = A4[0] - 3.6 * cm
    story: list = []
    for kind, value in outline(report):
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
