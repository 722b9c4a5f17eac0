"""HTML page → Document: strip the portal chrome, find the article body, emit paragraphs and grids.

Portal pages (TRS WCM, Hanweb, 集约化 platforms) wrap the report in navigation, breadcrumbs,
share bars and footers; services/parser/extract/html_body.py finds the article body.

Tables become `Grid(exact=True)` (services/parser/extract/html_table.py). A table that contains tables is
a layout table: its cells are read as running content, so the data tables inside still come out
as grids. Settings read: none.
"""

from __future__ import annotations

import re

from lxml import etree

from services.parser.document import Block, Document, Paragraph
from services.parser.extract.html_body import article_body, remove
from services.parser.extract.html_table import BLOCK_TAGS, SPACES, cell_text, own_cells, table_grid
from services.parser.extract.pictures import pictures_only
from shared.errors import UnreadableDocument

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True)
# The text is already decoded: libxml2 reads it as UTF-8 bytes (a third faster than handing it a
# Python str) with the encoding fixed, so a <meta charset=gb2312> in the page cannot re-decode it.
_UTF8_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, recover=True, encoding="utf-8"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "nav",
    "header",
    "footer",
    "aside",
    "input",
    "textarea",
    "select",
    "button",
    "object",
    "embed",
    "svg",
    "canvas",
    "map",
)
_COUNT_IMG = etree.XPath("count(.//img)")
_METAS = etree.XPath("//meta[@name and @content]")
_TITLE = etree.XPath("string(//title)")
_HAS_TABLE = etree.XPath("boolean(.//table)")
_DATE_RE = re.compile(
    r"(?:发布日期|发布时间|成文日期|日期)\s*[:：]?\s*(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
)
_SOURCE_RE = re.compile(r"(?:信息来源|来源|发布机构|发文机关)\s*[:：]\s*([^\s|｜:：]{2,40})")
_META_DATE_RE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")


def extract_html(text: str) -> Document:
    try:
        data: bytes | None = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        data = None
    if data is None or len(data.translate(None, _CONTROL_BYTES)) != len(data):
        # rare, so looked for in the bytes first (C0 controls are single bytes in UTF-8)
        text, data = _CONTROL.sub("", text), None
    if not text.strip():
        raise UnreadableDocument("empty HTML document")
    try:
        # plain etree elements: lxml.html's element-class lookup costs a third of the extraction
        root = _parse(text, data)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        raise UnreadableDocument(f"HTML could not be parsed: {e}") from e
    if root is None:
        raise UnreadableDocument("HTML document has no elements")
    doc = Document(kind="html")
    metas = _metas(root)
    doc.title = metas.get("articletitle") or _title(root)
    if not _names_a_report(doc.title):  # <title> is often only the site's or the column's name
        doc.title = _report_heading(root) or doc.title
    doc.publish_date = _iso_date(metas.get("pubdate") or metas.get("firstpublishedtime") or "")
    # the publisher fields a CMS fills per article; the 「来源：」 shown on the page is often the
    # template's fallback (the portal's own name), so it only counts when these are absent
    doc.page_agency = metas.get("contentsource") or metas.get("author") or None
    for el in list(root.iter(*_DROP_TAGS)):  # one walk (an XPath union walks once per tag)
        remove(el)
    if (
        not doc.publish_date or not doc.page_agency
    ):  # no meta tags: look for 「发布日期：… 来源：…」
        page_text = " ".join(root.itertext())  # a space between elements ends 「来源：X」
        if not doc.publish_date:
            m = _DATE_RE.search(page_text)
            doc.publish_date = _iso(m.groups()) if m else None
        if not doc.page_agency:
            m = _SOURCE_RE.search(page_text)
            doc.page_agency = m.group(1) if m else None
    body = article_body(root)
    images = int(_COUNT_IMG(body))
    blocks = _blocks(body)
    _mark_picture_report(doc, blocks, images)
    head = "".join(b.text for b in blocks[:5] if isinstance(b, Paragraph)).replace(" ", "")
    if doc.title and doc.title.replace(" ", "") not in head:
        blocks.insert(0, Paragraph(doc.title))  # TRS pages print the title outside the body
    doc.blocks = blocks
    return doc


def _parse(text: str, data: bytes | None = None):
    """`text` parsed; `data` is its UTF-8 encoding when the caller has it already."""
    if data is None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: let lxml take the str as it is
            return etree.fromstring(text, _PARSER)
    return etree.fromstring(data, _UTF8_PARSER)


def _mark_picture_report(doc: Document, blocks: list[Block], images: int) -> None:
    """Flag pages whose report (or its tables) is published as pictures (「图片版」)."""
    reason = pictures_only(blocks, images)
    if reason:
        doc.image_only = True
        doc.notes.append(f"article body has {reason}")


def _metas(root) -> dict[str, str]:
    out = {}
    for m in _METAS(root):
        out.setdefault(m.get("name").strip().lower(), m.get("content").strip())
    return out


_REPORT_WORDS = re.compile(r"年度报告|年报|工作报告")
_YEAR = re.compile(r"(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4}")
_TITLE_CLASSES = etree.XPath("//*[contains(@class, 'title') or contains(@id, 'title')]")


def _names_a_report(title: str | None) -> bool:
    return (
        bool(title) and len(title) <= 80 and "公开" in title and bool(_REPORT_WORDS.search(title))
    )


def _report_heading(root) -> str | None:
    """The report's title printed as a page heading (<h1>, `.title`), outside the article body."""
    headings = (*root.iter("h1", "h2", "h3"), *_TITLE_CLASSES(root))
    found = [
        t
        for t in (SPACES.sub(" ", "".join(el.itertext())).strip() for el in headings)
        if _names_a_report(t)
    ]
    # one naming a year wins over a column name such as 「政府信息公开年报」
    return next((t for t in found if _YEAR.search(t)), found[0] if found else None)


def _title(root) -> str | None:
    t = _TITLE(root).strip()
    if not t:
        return None
    # "报告标题_栏目_网站名" → the first part
    return re.split(r"\s*[_|｜]\s*|\s+-\s+", t)[0] or None


def _iso(groups) -> str | None:
    y, m, d = (int(g) for g in groups)
    if 1990 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def _iso_date(value: str) -> str | None:
    m = _META_DATE_RE.search(value)
    return _iso(m.groups()) if m else None


# --- blocks --------------------------------------------------------------------------------------


class _Flow:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buf: list[str] = []

    def text(self, s: str | None) -> None:
        if s:
            self.buf.append(s)

    def flush(self) -> None:
        line = SPACES.sub(" ", "".join(self.buf)).strip()
        self.buf = []
        for part in line.split("\n"):
            part = part.strip()
            if part:
                self.blocks.append(Paragraph(part))


def _blocks(body) -> list[Block]:
    flow = _Flow()
    _walk(body, flow)
    flow.flush()
    return flow.blocks


def _walk(el, flow: _Flow) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "table":
        if _HAS_TABLE(el):
            for cell in own_cells(el):
                flow.flush()
                _walk_children(cell, flow)
                flow.flush()
        else:
            flow.flush()
            caption = el.find("caption")
            if caption is not None and cell_text(caption):
                flow.blocks.append(Paragraph(cell_text(caption)))
            grid = table_grid(el)
            if grid.rows:
                tree = el.getroottree()
                grid.path = tree.getpath(el)
                grid.index = next(i for i, t in enumerate(tree.iter("table")) if t is el)
                flow.blocks.append(grid)
        flow.text(el.tail)
        return
    if tag == "br":
        flow.text("\n")
        flow.text(el.tail)
        return
    block = tag in BLOCK_TAGS
    if block:
        flow.flush()
    _walk_children(el, flow)
    if block:
        flow.flush()
    flow.text(el.tail)


def _walk_children(el, flow: _Flow) -> None:
    flow.text(el.text)
    for child in el:
        if isinstance(child.tag, str):
            _walk(child, flow)
        else:
            flow.text(child.tail)
