"""Discovery: from a 年报 list page or a report page to the URLs worth fetching. Pure functions.

- `report_links`: links whose text names an annual report (年度报告 / 年报) for a year, with the
  report year read from the title and companion pages (图片版, 解读) recognised as such;
- `pagination_urls`: the other pages of a list (TRS `index_N.html` links and the JS-declared
  `countPage = N` / `createPageHTML(N, …)`, 下一页 links, `?page=N` styles);
- `attachment_kind`: what a file attached to a report page is (PDF, DOC/DOCX/WPS, XLS/XLSX/ET,
  OFD, RTF, images), by extension of the path or of the link text (CMS download links often hide
  the extension in the query string); which attachments are the report's and which are site
  chrome is attachments.py.

Hints from the registry (`link_pattern`, `title_pattern`) narrow or widen what counts as a
report link. Reads no settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html

from services.fetcher.canonical import canonical_url

REPORT_TITLE = re.compile(r"(年度报告|年报|信息公开.{0,4}工作.{0,2}报告)")
# Link texts of the column itself / navigation, which mention 年报 but are not a report.
NAV_TITLE = re.compile(r"^\s*(政府)?信息公开(工作)?年(度报告|报)\s*$")
COMPANIONS = (
    ("图片版", re.compile(r"图片版|图文版|图解|一图读懂|长图")),
    ("解读", re.compile(r"解读")),
)
ATTACHMENT_EXT = {
    ".pdf": "pdf",
    ".txt": "txt",
    ".doc": "doc",
    ".docx": "docx",
    ".wps": "wps",
    ".rtf": "rtf",
    ".ofd": "ofd",
    ".xls": "xls",
    ".xlsx": "xlsx",
    ".et": "et",
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".gif": "image",
    ".bmp": "image",
    ".tif": "image",
    ".tiff": "image",
}
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})\s*年")
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
_PAGE_COUNT = re.compile(r"(?:countPage|pageCount|totalPage|page_count)\s*[=:]\s*[\"']?(\d+)", re.I)
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*[\"']?(\d+)[\"']?\s*,\s*[\"']?(\d+)[\"']?\s*,\s*[\"']([^\"']+)[\"']\s*,\s*[\"']([^\"']+)[\"']"
)
_INDEX_N = re.compile(r"(?:^|/)(index|list|default)_(\d+)\.(s?html?)$")
_NEXT_TEXT = re.compile(r"^\s*(下一页|下页|后一页|>|›|»)\s*$")


@dataclass(frozen=True, slots=True)
class Link:
    url: str  # canonical absolute URL
    title: str  # link text (or title attribute), whitespace collapsed
    year: int | None = None  # report year from the title
    companion: str | None = None  # 图片版 / 解读 when the link is a companion page
    kind: str = "page"  # page | pdf | doc | docx | wps | xls | xlsx | image | …


def parse_html(html: str | bytes) -> lxml.html.HtmlElement | None:
    """lxml tree, or None for an empty/garbage page (discovery then finds nothing, loudly elsewhere)."""
    try:
        return lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def report_year(title: str) -> int | None:
    """The report year a title names: 2021年… / 二〇二一年… ; None if it names none."""
    match = _YEAR.search(title)
    if match:
        return int(match.group(1))
    match = _CN_YEAR.search(title)
    if match:
        return int("".join(_CN_DIGITS[c] for c in match.group(1)))
    return None


_URL_DATE = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),  # TRS t20220128_100001.html
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # Hanweb /art/2024/1/16/
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),  # 上海 /nw12344/20230331/
)


def url_date(url: str) -> str | None:
    """Publication date a CMS encodes in an article URL (YYYY-MM-DD), or None."""
    for pattern in _URL_DATE:
        match = pattern.search(url)
        if match:
            y, m, d = (int(g) for g in match.groups())
            if 1 <= m <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def companion_kind(title: str) -> str | None:
    for kind, pattern in COMPANIONS:
        if pattern.search(title):
            return kind
    return None


def attachment_kind(url: str, text: str = "") -> str | None:
    path = urlsplit(url).path.lower()
    for candidate in (path, text.strip().lower()):
        dot = candidate.rfind(".")
        if dot >= 0 and candidate[dot:] in ATTACHMENT_EXT:
            return ATTACHMENT_EXT[candidate[dot:]]
    return None


def report_links(
    tree: lxml.html.HtmlElement | None,
    base_url: str,
    *,
    title_pattern: str = "",
    link_pattern: str = "",
) -> list[Link]:
    """Report links on a list page, in page order, de-duplicated by canonical URL."""
    return links_from_pairs(
        anchors(tree, base_url), title_pattern=title_pattern, link_pattern=link_pattern
    )


def links_from_pairs(
    pairs: Iterable[tuple[str, str]], *, title_pattern: str = "", link_pattern: str = ""
) -> list[Link]:
    """Report links among (canonical url, text) list entries, whatever listed them (HTML anchors,
    a JCMS data store, a JSON list API: services/fetcher/listing.py)."""
    title_re = re.compile(title_pattern) if title_pattern else REPORT_TITLE
    link_re = re.compile(link_pattern) if link_pattern else None
    found: dict[str, Link] = {}
    for url, text in pairs:
        if link_re is not None and not link_re.search(url):
            continue
        if not title_re.search(text) or NAV_TITLE.match(text):
            continue
        year = report_year(text)
        if year is None and link_re is None:
            continue  # "年报" without a year is navigation or an index, not a report
        kind = attachment_kind(url, text) or "page"
        found.setdefault(url, Link(url, text, year, companion_kind(text), kind))
    return list(found.values())


def pagination_urls(
    tree: lxml.html.HtmlElement | None, page_url: str, raw_html: str = ""
) -> list[str]:
    """Other pages of the same list, from links, JS page counts and 下一页."""
    urls: dict[str, None] = {}
    for url, text in anchors(tree, page_url):
        if _INDEX_N.search(urlsplit(url).path) or _NEXT_TEXT.match(text):
            urls[url] = None
    html = raw_html or ""
    create = _CREATE_PAGE.search(html)
    if create:  # TRS: createPageHTML(total, current, "index", "html")
        total, _current, stem, ext = (
            int(create.group(1)),
            create.group(2),
            create.group(3),
            create.group(4),
        )
        for n in range(1, min(total, 500)):
            urls[absolute(page_url, f"{stem}_{n}.{ext}")] = None
    else:
        count = _PAGE_COUNT.search(html)
        if count:
            stem, ext = _page_stem(page_url)
            for n in range(1, min(int(count.group(1)), 500)):
                urls[absolute(page_url, f"{stem}_{n}.{ext}")] = None
    own = canonical_url(page_url)
    return [u for u in urls if u and u != own]


def _page_stem(page_url: str) -> tuple[str, str]:
    name = urlsplit(page_url).path.rsplit("/", 1)[-1]
    match = re.match(r"^(index|list|default)(?:_\d+)?\.(s?html?)$", name)
    return (match.group(1), match.group(2)) if match else ("index", "html")


def anchors(tree: lxml.html.HtmlElement | None, base_url: str) -> Iterator[tuple[str, str]]:
    """(canonical absolute URL, text or longer title attribute) of each followable <a>."""
    for url, text, _a in anchors_with_elements(tree, base_url):
        yield url, text


def anchors_with_elements(
    tree: lxml.html.HtmlElement | None, base_url: str
) -> Iterator[tuple[str, str, lxml.html.HtmlElement]]:
    """`anchors`, with each <a> element (where it sits on the page: attachments.py)."""
    if tree is None:
        return
    base = base_url
    for el in tree.iter("base"):
        if el.get("href"):
            base = urljoin(base_url, el.get("href"))
            break
    for a in tree.iter("a"):
        url = absolute(base, a.get("href"))
        if url is None:
            continue
        text = " ".join((a.text_content() or "").split()) or (a.get("title") or "").strip()
        if a.get("title") and len(a.get("title")) > len(text):
            text = a.get("title").strip()  # list pages truncate long titles with …
        yield url, text, a


def absolute(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if href.startswith(("javascript:", "mailto:", "tel:", "#")):
        return None
    try:
        return canonical_url(urljoin(base, href))
    except ValueError:
        return None


def strip_extension(text: str) -> str:
    dot = text.rfind(".")
    return text[:dot].rstrip() if dot > 0 and text[dot:].lower() in ATTACHMENT_EXT else text
