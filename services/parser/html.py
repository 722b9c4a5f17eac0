"""HTML page → Document: strip the portal chrome, find the article body, emit paragraphs and grids.

Portal pages (TRS WCM, Hanweb, 集约化 platforms) wrap the report in navigation, breadcrumbs,
share bars and footers. The body is found by the class/id names those CMSs use
(`.trs_editor_view`, `#zoom`, `.article` …) and otherwise as the text-dense container: walk down
from <body> while one child holds most of the non-link text.

Tables become `Grid(exact=True)` with rowspan/colspan expanded (covered positions None, empty cells
""). A table that contains tables is a layout table: its cells are read as running content, so
the data tables inside still come out as grids. Settings read: none.
"""

from __future__ import annotations

import re

from lxml import etree

from services.parser.document import Block, Document, Grid, Paragraph
from services.parser.pictures import pictures_only
from shared.errors import UnreadableDocument

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True)
MAX_COLSPAN = 1000  # the HTML spec's own limit
MAX_ROWSPAN = 65534
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")
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
_BODY_SELECTORS = (
    ".trs_editor_view",
    ".TRS_Editor",
    "#zoom",
    ".zoom",
    "#UCAP-CONTENT",
    ".article-content",
    ".article_con",
    ".art_con",
    "#article",
    ".article",
    ".content-detail",
    ".news_content",
    "#content",
    ".main-txt",
    ".bt_content",
    ".pages_content",
    "article",
)
_CHROME_RE = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|breadcrumb|crumbs?|position|location|sidebar|share|copyright|"
    r"footer|foot|header|head-nav|topbar|toolbar|banner|search|login|friend-?links?|links)($|[\s_-])",
    re.IGNORECASE,
)
_BLOCK_TAGS = {
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
_DATE_RE = re.compile(
    r"(?:发布日期|发布时间|成文日期|日期)\s*[:：]?\s*(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
)
_SOURCE_RE = re.compile(r"(?:信息来源|来源|发布机构|发文机关)\s*[:：]\s*([^\s|｜:：]{2,40})")
_META_DATE_RE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")


def extract_html(text: str) -> Document:
    text = _CONTROL.sub("", text)
    if not text.strip():
        raise UnreadableDocument("empty HTML document")
    try:
        # plain etree elements: lxml.html's element-class lookup costs a third of the extraction
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        raise UnreadableDocument(f"HTML could not be parsed: {e}") from e
    if root is None:
        raise UnreadableDocument("HTML document has no elements")
    doc = Document(kind="html")
    metas = _metas(root)
    doc.title = metas.get("articletitle") or _title(root)
    doc.publish_date = _iso_date(metas.get("pubdate") or metas.get("firstpublishedtime") or "")
    doc.page_agency = metas.get("contentsource") or None
    for el in root.xpath("|".join(f"//{t}" for t in _DROP_TAGS)):
        _remove(el)
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
    body = _article_body(root)
    images = len(body.xpath(".//img"))
    blocks = _blocks(body)
    _mark_picture_report(doc, blocks, images)
    head = "".join(b.text for b in blocks[:5] if isinstance(b, Paragraph)).replace(" ", "")
    if doc.title and doc.title.replace(" ", "") not in head:
        blocks.insert(0, Paragraph(doc.title))  # TRS pages print the title outside the body
    doc.blocks = blocks
    return doc


def _mark_picture_report(doc: Document, blocks: list[Block], images: int) -> None:
    """Flag pages whose report (or its tables) is published as pictures (「图片版」)."""
    reason = pictures_only(blocks, images)
    if reason:
        doc.image_only = True
        doc.notes.append(f"article body has {reason}")


def _remove(el) -> None:
    """Remove an element but keep the text that followed it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    tail, prev = el.tail, el.getprevious()
    parent.remove(el)
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _metas(root) -> dict[str, str]:
    out = {}
    for m in root.xpath("//meta[@name and @content]"):
        out.setdefault(m.get("name").strip().lower(), m.get("content").strip())
    return out


def _title(root) -> str | None:
    t = root.xpath("string(//title)").strip()
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


def _is_chrome(el) -> bool:
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    return bool(names.strip()) and bool(_CHROME_RE.search(names)) and not el.xpath(".//table")


def _text_len(el) -> int:
    """Length of the text under `el` that is not link text (menus are mostly links)."""
    total = int(el.xpath("string-length(normalize-space(.))"))
    links = sum(int(a.xpath("string-length(normalize-space(.))")) for a in el.iter("a"))
    return total - links


def _selector_xpath(sel: str) -> str:
    """`.cls`, `#id` or `tag` as XPath (class match is case-sensitive, like CSS)."""
    if sel.startswith("."):
        return f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {sel[1:]} ')]"
    if sel.startswith("#"):
        return f"//*[@id='{sel[1:]}']"
    return f"//{sel}"


def _article_body(root):
    for sel in _BODY_SELECTORS:
        found = [
            f
            for f in root.xpath(_selector_xpath(sel))
            if _text_len(f) >= 50 or f.xpath(".//table|.//img")
        ]
        if found:
            return max(found, key=_text_len)
    body = root.find("body")
    node = body if body is not None else root
    for el in list(node.iter()):
        if isinstance(el.tag, str) and el is not node and _is_chrome(el):
            _remove(el)
    while True:
        kids = [k for k in node if isinstance(k.tag, str)]
        total = _text_len(node)
        if not kids or total == 0:
            return node
        best = max(kids, key=_text_len)
        if best.tag == "table" or _text_len(best) < 0.8 * total:
            return node
        if len(node.xpath(".//table")) > len(best.xpath(".//table")) + (best.tag == "table"):
            return node  # a sibling holds a table: the report's tables are part of the body
        node = best


# --- blocks --------------------------------------------------------------------------------------


class _Flow:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buf: list[str] = []

    def text(self, s: str | None) -> None:
        if s:
            self.buf.append(s)

    def flush(self) -> None:
        line = _SPACES.sub(" ", "".join(self.buf)).strip()
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
        if el.xpath(".//table"):
            for cell in _own_cells(el):
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
                flow.blocks.append(grid)
        flow.text(el.tail)
        return
    if tag == "br":
        flow.text("\n")
        flow.text(el.tail)
        return
    block = tag in _BLOCK_TAGS
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


def _own_rows(table) -> list:
    rows = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(r for r in child if r.tag == "tr")
    return rows


def _own_cells(table) -> list:
    return [c for r in _own_rows(table) for c in r if c.tag in ("td", "th")]


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
    if len(cell):
        for el in cell.iterdescendants():
            tag = el.tag
            if tag == "br" or tag in _BLOCK_TAGS:
                # mark the boundary in the tree itself (the tree is thrown away after extraction)
                el.tail = "\n" + (el.tail or "")
                if tag != "br":
                    el.text = "\n" + (el.text or "")
        text = etree.tostring(cell, method="text", encoding=str, with_tail=False)
    else:
        text = cell.text or ""
    text = text.strip()
    if "\n" not in text:
        return _SPACES.sub(" ", text) if " " in text or "\xa0" in text or "\t" in text else text
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def table_grid(table) -> Grid:
    """An HTML table as a Grid with rowspan/colspan expanded."""
    rows = _own_rows(table)
    n_rows = len(rows)
    grid: list[list[str | None]] = [[] for _ in rows]
    covered: dict[tuple[int, int], bool] = {}
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            while covered.get((r, c)):
                c += 1
            rowspan = _span(cell.get("rowspan"), MAX_ROWSPAN, n_rows - r)
            colspan = _span(cell.get("colspan"), MAX_COLSPAN, 1)
            rowspan = min(rowspan, n_rows - r)
            for dr in range(rowspan):
                for dc in range(colspan):
                    covered[(r + dr, c + dc)] = True
                    _put(grid[r + dr], c + dc, None)
            grid[r][c] = cell_text(cell)
            c += colspan
    # Rows without any text carry nothing (Word's HTML export ends tables with a row of empty
    # width-setting cells); rows are found by their labels, so dropping them shifts nothing.
    return Grid(rows=[row for row in grid if any(row)], exact=True)


def _put(row: list[str | None], idx: int, value: str | None) -> None:
    while len(row) <= idx:
        row.append("")
    row[idx] = value
