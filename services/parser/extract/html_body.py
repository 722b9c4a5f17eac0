"""Find the article body of a portal page: known CMS containers first, else the text-dense one.

TRS WCM, Hanweb and the 集约化 platforms put the report in containers with known class/id names
(`.trs_editor_view`, `#zoom`, `.article` …). Otherwise chrome (menus, breadcrumbs, share bars,
footers, by class/id) is removed and the walk goes down from <body> while one child holds most of
the non-link text — but never away from a sibling holding a table. Settings read: none.
"""

from __future__ import annotations

import re

from lxml import etree

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


def remove(el) -> None:
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


def _is_chrome(el) -> bool:
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    return bool(names.strip()) and bool(_CHROME_RE.search(names)) and not _TABLES(el)


def _text_len(el) -> int:
    """Length of the text under `el` that is not link text (menus are mostly links)."""
    total = int(_STRLEN(el))
    links = sum(int(_STRLEN(a)) for a in el.iter("a"))
    return total - links


_XML_SPACE = re.compile(r"[ \t\r\n]+")  # what XPath's normalize-space splits on
_CLASSED = etree.XPath("//*[@class]")
_IDED = etree.XPath("//*[@id]")
_STRLEN = etree.XPath("string-length(normalize-space(.))")
_HAS_TABLE_OR_IMG = etree.XPath("boolean(.//table|.//img)")
_TABLES = etree.XPath(".//table")


class _Selectors:
    """Elements matching `.cls`, `#id` or `tag`, in document order, like CSS (class names whole
    and case-sensitive). All elements with a class (with an id) are fetched once and filtered in
    Python: one XPath per selector walked the whole tree for each of 17 selectors."""

    def __init__(self, root) -> None:
        self.root = root
        self._classed: list | None = None
        self._ided: list | None = None

    def select(self, sel: str) -> list:
        if sel.startswith("."):
            if self._classed is None:
                self._classed = [
                    (el, set(_XML_SPACE.split(el.get("class")))) for el in _CLASSED(self.root)
                ]
            return [el for el, names in self._classed if sel[1:] in names]
        if sel.startswith("#"):
            if self._ided is None:
                self._ided = [(el, el.get("id")) for el in _IDED(self.root)]
            return [el for el, ident in self._ided if ident == sel[1:]]
        return list(self.root.iter(sel))


def article_body(root):
    selectors = _Selectors(root)
    for sel in _BODY_SELECTORS:
        found = [f for f in selectors.select(sel) if _text_len(f) >= 50 or _HAS_TABLE_OR_IMG(f)]
        if found:
            return max(found, key=_text_len)
    body = root.find("body")
    node = body if body is not None else root
    for el in list(node.iter()):
        if isinstance(el.tag, str) and el is not node and _is_chrome(el):
            remove(el)
    while True:
        kids = [k for k in node if isinstance(k.tag, str)]
        total = _text_len(node)
        if not kids or total == 0:
            return node
        best = max(kids, key=_text_len)
        if best.tag == "table" or _text_len(best) < 0.8 * total:
            return node
        if len(_TABLES(node)) > len(_TABLES(best)) + (best.tag == "table"):
            return node  # a sibling holds a table: the report's tables are part of the body
        node = best
