"""The source beside a finding: a PDF page rendered with a cell's box drawn on it, and an HTML
table with a cell marked. Pure functions of the original bytes (the plugin fetches them from the
object store, file or S3 alike)."""

from __future__ import annotations

import io
from html import escape

RENDER_SCALE = 2.0  # 144 dpi: labels stay readable, a page stays under ~1 MB


def pdf_page_png(data: bytes, page: int, box: tuple[float, float, float, float] | None) -> bytes:
    """Page `page` (1-based) as PNG, with `box` (PDF points from the page's top-left) outlined."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    pdf = pdfium.PdfDocument(data)
    try:
        if not 1 <= page <= len(pdf):
            raise ValueError(f"page {page} not in 1…{len(pdf)}")
        image = pdf[page - 1].render(scale=RENDER_SCALE).to_pil().convert("RGB")
    finally:
        pdf.close()
    if box is not None:
        x0, y0, x1, y1 = (v * RENDER_SCALE for v in box)
        ImageDraw.Draw(image).rectangle(
            (x0 - 3, y0 - 3, x1 + 3, y1 + 3), outline=(229, 57, 53), width=4
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def marked_html_table(html: bytes, table: int, row: int, col: int) -> str:
    """Table `table` (0-based, document order) of the page, alone, with the cell at (row, col) of
    its grid (spans expanded, as the parser counts them) marked."""
    import lxml.html

    from shared.charset import decode_html

    text, _ = decode_html(html)  # the parser's own detector: GBK pages read as it read them
    root = lxml.html.fromstring(text)
    tables = root.xpath("//table")
    if not 0 <= table < len(tables):
        raise ValueError(f"table {table} not in 0…{len(tables) - 1}")
    t = tables[table]
    covered: dict[tuple[int, int], bool] = {}
    rows = [tr for tr in t.xpath(".//tr") if tr.xpath("ancestor::table[1]")[0] is t]
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.xpath("./td|./th"):
            while covered.get((r, c)):
                c += 1
            rs, cs = int(td.get("rowspan") or 1), int(td.get("colspan") or 1)
            for dr in range(rs):
                for dc in range(cs):
                    covered[(r + dr, c + dc)] = True
            if r <= row < r + rs and c <= col < c + cs:
                td.set("id", "marked")
                td.set("style", "background:#ffd54f;outline:3px solid #e53935")
            c += cs
    body = lxml.html.tostring(t, encoding="unicode")
    return (
        "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>原文表格</title>"
        "<style>td,th{border:1px solid #999;padding:2px 6px}table{border-collapse:collapse}</style>"
        f"</head><body><p>原文表格 {table + 1}，第 {row + 1} 行第 {col + 1} 列</p>{body}"
        f"<p><a href='#marked'>{escape('到所标单元格')}</a></p></body></html>"
    )
