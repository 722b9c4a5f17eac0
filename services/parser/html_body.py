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
    return bool(names.strip()) and bool(_CHROME_RE.search(names)) and not el.xpath(".//table")


def _text_len(el) -> int:
    """Length of the text under `el` that is not link text (menus are mostly links)."""
    total = int(_STRLEN(el))
    links = sum(int(_STRLEN(a)) for a in el.iter("a"))
    return total - links


def _selector_xpath(sel: str) -> str:
    """`.cls`, `#id` or `tag` as XPath (class match is case-sensitive, like CSS)."""
    if sel.startswith("."):
        return f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {sel[1:]} ')]"
    if sel.startswith("#"):
        return f"//*[@id='{sel[1:]}']"
    return f"//{sel}"


# compiled once: XPath compilation cost more than the queries themselves
_SELECTORS = [etree.XPath(_selector_xpath(sel)) for sel in _BODY_SELECTORS]
_STRLEN = etree.XPath("string-length(normalize-space(.))")
_HAS_TABLE_OR_IMG = etree.XPath("boolean(.//table|.//img)")


def article_body(root):
    for select in _SELECTORS:
        found = [f for f in select(root) if _text_len(f) >= 50 or _HAS_TABLE_OR_IMG(f)]
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
        if len(node.xpath(".//table")) > len(best.xpath(".//table")) + (best.tag == "table"):
            return node  # a sibling holds a table: the report's tables are part of the body
        node = best
