"""Script pagers: the requests that reach the rest of a column whose list a script fills in.
Pure functions (the crawler makes the requests, politely, under the portal's `max_pages`).

Each CMS that hosts most 年报 columns pages its lists in its own way; what this module knows:

- **TRS static** (`index_N.html`): `createPageHTML(n, …)` / `countPage = n` name the pages
  (discovery.pagination_urls); a TRS 动静结合 page that states only `recordCount` and `prepage`
  (listModel) gets the same `index_1 … index_{n-1}` tried — they exist on most sites; where they
  answer 404 the column stays visibly incomplete (coverage below 1).
- **TRS list endpoints named in the page**: a `listModel({ url: '…json', … })` / `dataUrl` /
  `jsonUrl` / `searchUrl` next to the record count is requested for pages 2…n, with the page
  number in its `{page}` placeholder or as `page=N` (page 1 is the static page itself).
- **Hanweb JCMS**: the page embeds the first records in a `<datastore>` and names its
  `/module/web/jpage/dataproxy.jsp` (the `<nextgroup>` link carries columnid, unitid, webid …);
  the rest is asked for in groups with `startrecord` / `endrecord` / `perpage`, as jpage does.
- **集约化 JSON list APIs** (Guangdong's 政府信息公开目录平台 `gkmlpt`, and any JSON list whose
  records carry title and url): a page naming `/gkmlpt/api/all/<column>` gets that API asked;
  a JSON answer with `total` and one page of records gets `page=2…n`.

What none of these reaches is left to a browser (browser.py), when `render_reason` says so: the
portal asks for it, or the column ends below the size it states with a script pager on its page.

Reads no settings.
"""

from __future__ import annotations

import html as htmllib
import math
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from services.fetcher.canonical import canonical_url
from services.fetcher.coverage import Coverage, Declared
from services.fetcher.listing import datastore_records

MAX_REQUESTS = 500  # per column and pattern; the portal's max_pages caps what is actually fetched

_DATAPROXY = "/module/web/jpage/dataproxy.jsp"
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_PROXY_URL = re.compile(r"""proxyUrl\s*[:=]\s*["']([^"']+)["']""", re.I)
_GROUP_SIZE = re.compile(r"groupSize\s*[:=]\s*[\"']?(\d+)", re.I)
_TRS_ENDPOINT = re.compile(
    r"""\b(?:url|dataUrl|jsonUrl|listUrl|searchUrl|dataSource)\s*[:=]\s*["']([^"']+)["']""",
    re.I,
)
_ENDPOINT_LIKE = re.compile(r"(\.json|\.jsp|\.do|\.action|/search|/api/|\{page\})", re.I)
_GKMLPT = re.compile(r"""(/gkmlpt/api/all/\d+[^"'\s<>]*)""")
_CREATE_OR_COUNT = re.compile(
    r"createPageHTML\(|\b(?:countPage|pageCount|totalPage|page_count)\b\s*[=:]", re.I
)


_SCRIPT = re.compile(r"<script\b", re.I)
_PAGER_SIGN = re.compile(
    r"下一页|下页|尾页|末页|共\s*\d+\s*页|recordCount|totalRecord|listModel|createPage|jpage|"
    r"laypage|pagination|pager|pageSize|nextPage|goPage|turnPage|gotoPage",
    re.I,
)


def render_reason(mode: str, coverage: Coverage, text: str) -> str | None:
    """Why a column's first page (`text`) should be rendered in a browser, or None.

    `mode` is the portal's `render` (auto | browser | static): "marked" for a portal that asks
    for it; in auto, "below_coverage" when the column states more than the static pass reached
    and the page carries a script pager (a script, and a pager's words or names)."""
    if mode == "browser":
        return "marked"
    if mode != "auto" or coverage.complete is not False:
        return None
    if _SCRIPT.search(text) and _PAGER_SIGN.search(text):
        return "below_coverage"
    return None


def pattern_of(text: str) -> str:
    """Which pager a list page uses: jcms, trs_endpoint, gkmlpt, trs_static or links."""
    if _DATAPROXY in text or "<datastore>" in text.lower():
        return "jcms"
    if _GKMLPT.search(text):
        return "gkmlpt"
    if _trs_endpoint(text):
        return "trs_endpoint"
    return "trs_static" if re.search(r"recordCount|listModel", text) else "links"


def script_pages(text: str, page_url: str, declared: Declared, on_page: int) -> list[str]:
    """The requests beyond `page_url` that a script pager would make to list the whole column.

    `declared` is what the page states (coverage.declared); `on_page` the entries it listed."""
    kind = pattern_of(text)
    if kind == "jcms":
        return jcms_requests(text, page_url, declared, on_page)
    if kind == "gkmlpt":
        match = _GKMLPT.search(text)
        return [canonical_url(urljoin(page_url, htmllib.unescape(match.group(1))))] if match else []
    if kind == "trs_endpoint":
        return endpoint_pages(_trs_endpoint(text) or "", page_url, declared, on_page)
    if kind == "trs_static" and not _CREATE_OR_COUNT.search(text):
        return static_pages(page_url, declared, on_page)
    return []


def _trs_endpoint(text: str) -> str | None:
    """A list endpoint named next to a record count (in the same script)."""
    for script in re.findall(r"<script[^>]*>(.*?)</script>", text, re.S | re.I) or [text]:
        if not re.search(r"recordCount|totalRecord|prepage|pageSize", script, re.I):
            continue
        for match in _TRS_ENDPOINT.finditer(script):
            if _ENDPOINT_LIKE.search(match.group(1)):
                return htmllib.unescape(match.group(1))
    return None


def _page_total(declared: Declared, on_page: int) -> int | None:
    if declared.pages is not None:
        return declared.pages
    per_page = declared.per_page or on_page
    if declared.records is None or not per_page:
        return None
    return math.ceil(declared.records / per_page)


def static_pages(page_url: str, declared: Declared, on_page: int) -> list[str]:
    """TRS `index_1.html … index_{n-1}.html` beside `index.html` for a stated size."""
    total = _page_total(declared, on_page)
    if not total or total < 2:
        return []
    name = urlsplit(page_url).path.rsplit("/", 1)[-1]
    match = re.match(r"^(index|list|default)(?:_\d+)?\.(s?html?)$", name)
    stem, ext = (match.group(1), match.group(2)) if match else ("index", "html")
    return [
        canonical_url(urljoin(page_url, f"{stem}_{n}.{ext}"))
        for n in range(1, min(total, MAX_REQUESTS))
    ]


def endpoint_pages(endpoint: str, page_url: str, declared: Declared, on_page: int) -> list[str]:
    """Pages 2…n of a JSON/search endpoint: `{page}` replaced, else `page=N` set."""
    total = _page_total(declared, on_page)
    if not endpoint or not total or total < 2:
        return []
    out = []
    for n in range(2, min(total, MAX_REQUESTS) + 1):
        if "{page}" in endpoint:
            url = endpoint.replace("{page}", str(n))
        else:
            url = with_query(endpoint, page=str(n))
        out.append(canonical_url(urljoin(page_url, url)))
    return out


def json_pages(api_url: str, total: int | None, on_page: int) -> list[str]:
    """Pages 2…n of a JSON list API answer that states `total` and listed `on_page` records."""
    if total is None or on_page <= 0 or total <= on_page:
        return []
    pages = math.ceil(total / on_page)
    current = dict(parse_qsl(urlsplit(api_url).query)).get("page", "1")
    if current not in ("", "1", "0"):
        return []  # only the first answer plans the rest
    return [
        canonical_url(with_query(api_url, page=str(n)))
        for n in range(2, min(pages, MAX_REQUESTS) + 1)
    ]


def jcms_requests(text: str, page_url: str, declared: Declared, on_page: int) -> list[str]:
    """Hanweb jpage: dataproxy.jsp?…&startrecord=a&endrecord=b&perpage=p for the records after
    the ones the page embeds (`on_page`), in groups as large as the embedded one."""
    total = declared.records
    embedded = len(datastore_records(text)) or on_page
    if total is None or total <= embedded:
        return []
    per_page = declared.per_page or 15
    group_size = int(m.group(1)) if (m := _GROUP_SIZE.search(text)) else 3
    group = max(per_page, embedded or per_page * group_size)
    proxy = _proxy_base(text, page_url)
    out = []
    start = embedded + 1
    while start <= total and len(out) < MAX_REQUESTS:
        end = min(total, start + group - 1)
        out.append(
            canonical_url(
                with_query(proxy, startrecord=str(start), endrecord=str(end), perpage=str(per_page))
            )
        )
        start = end + 1
    return out


def _proxy_base(text: str, page_url: str) -> str:
    """dataproxy.jsp with the column's parameters from `<nextgroup>` (or the proxyUrl alone)."""
    nextgroup = _NEXTGROUP.search(text)
    href = _HREF.search(nextgroup.group(1)) if nextgroup else None
    if href:
        url = urljoin(page_url, htmllib.unescape(href.group(1)))
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
        return urlunsplit(parts._replace(query=urlencode(query)))
    proxy = _PROXY_URL.search(text)
    return urljoin(page_url, htmllib.unescape(proxy.group(1)) if proxy else _DATAPROXY)


def with_query(url: str, **params: str) -> str:
    """`url` with `params` set (replacing any of the same name), other arguments kept in order."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
