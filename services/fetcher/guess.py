"""Guess a registry entry from a 年报 list page (`nianbao portals add URL`). Pure functions.

The operator confirms what is shown; guesses are conservative: a link pattern is proposed only
when every report link shares a path prefix below the site root, the agency name comes from the
page title with column words removed, level and kind from the name's suffix.

Reads no settings.
"""

from __future__ import annotations

import hashlib
import os.path
import re
from urllib.parse import urlsplit

import lxml.html

from services.fetcher.discovery import Link

_COLUMN_WORDS = re.compile(
    r"(政府信息公开|信息公开|工作)?(年度报告|年报)|政府信息公开|信息公开|专栏|首页|门户网站|网站|[-_|｜—–·>＞]+"
)
_AGENCY_END = re.compile(r"(政府|局|委|委员会|管委会|办|厅|部|署|院|中心|街道|镇|乡|区|县|市)$")
_SPONSOR = re.compile(
    r"主办(?:单位)?\s*[:：]\s*([^\s,，;；|｜]{2,40}?"
    r"(?:人民政府|政府|局|委员会|委|办公室|办|厅|院|中心|街道办事处|街道|镇|乡))"
)
_KIND_BY_SUFFIX = (
    ("人民政府", "government"),
    ("政府", "government"),
    ("办事处", "government"),
    # a development zone's 管委会 governs its area: it reports as a government (31 March)
    ("管理委员会", "government"),
    ("管委会", "government"),
)
_ZONE_BODY = re.compile(r"(管理委员会|管委会)$")
_CENTRAL_BODY = re.compile(r"(国务院|部|总局|署|委员会)$")
_LEVELS = (
    (re.compile(r"^(国家|国务院|中华人民共和国)"), "central"),
    (re.compile(r"(省|自治区)(人民政府)?$"), "province"),
    (re.compile(r"(镇|乡|街道|街道办事处)(人民政府)?$"), "township"),
    (re.compile(r"(县|区|旗|县级市)(人民政府)?$"), "county"),
    (re.compile(r"市(人民政府)?$"), "prefecture"),
)


def guess_name(tree: lxml.html.HtmlElement | None) -> str:
    """Agency name from <title> / meta SiteName, minus column words ('' if nothing useful)."""
    if tree is None:
        return ""
    candidates = [
        m.get("content", "")
        for m in tree.iter("meta")
        if (m.get("name") or "").lower() in ("sitename", "site_name", "contentsource")
    ]
    candidates += [t.text_content() for t in tree.iter("title")]
    for text in candidates:
        parts = [p.strip() for p in _COLUMN_WORDS.split(text or "") if p and p.strip()]
        named = [p for p in parts if _AGENCY_END.search(p)]
        if named:
            return named[-1]
    # The site footer names the publisher: 主办：某某县人民政府 / 主办单位:某某局
    footer = _SPONSOR.search(" ".join(tree.text_content().split()))
    return footer.group(1) if footer else ""


def guess_kind(name: str) -> str:
    for suffix, kind in _KIND_BY_SUFFIX:
        if name.endswith(suffix):
            return kind
    return "department" if name else "government"


def guess_level(name: str) -> str:
    # 某某市高新区管理委员会: the level of the zone, not a central 委员会
    name = _ZONE_BODY.sub("", name)
    core = re.sub(r"(人民政府|政府)$", "", name)
    for pattern, level in _LEVELS:
        if pattern.search(core) or pattern.search(name):
            return level
    # a department: the level of the government it belongs to (深圳市财政局 → 市)
    # (市 of 市场监督管理局 is a market, not a city: 某某省市场监督管理局 is provincial)
    place = name.replace("市场", "")
    for marker, level in (
        ("县", "county"),
        ("区", "county"),
        ("市", "prefecture"),
        ("省", "province"),
    ):
        if marker in place:
            return level
    # a ministry or commission that names no place is central (生态环境部, 国家卫生健康委员会);
    # 某某省发展和改革委员会 names its province above, and was guessed central before
    if _CENTRAL_BODY.search(name):
        return "central"
    return "county"


def guess_link_pattern(list_url: str, links: list[Link]) -> str:
    """A regex every report link matches when they all sit below one directory deeper than '/'."""
    pages = [urlsplit(link.url) for link in links if link.kind == "page"]
    if len(pages) < 2:
        return ""
    netlocs = {p.netloc for p in pages}
    common = os.path.commonpath([p.path for p in pages])
    if len(netlocs) != 1 or common in ("", "/"):
        return ""
    return "^" + re.escape(f"{pages[0].scheme}://{pages[0].netloc}{common.rstrip('/')}/")


def guess_id(name: str, list_url: str, site_url: str | None = None) -> str:
    """An ASCII id: the host's first label that is not www/gov (bjdch.gov.cn → bjdch), followed
    by the site's path when the site lives below the host's root (`site_url`, the home page that
    `portals discover` was given: www.example.gov.cn/bm1/ → example-bm1), so two departments
    hosted on one government's server get two ids. Stable: derived from the URLs alone."""
    parts = urlsplit(list_url)
    host = (parts.hostname or "portal").lower()
    if re.fullmatch(r"[\d.]+|[0-9a-f:]+", host):  # an address, not a name: keep it whole
        base = re.sub(r"[^a-z0-9]+", "-", f"p-{host}-{parts.port or ''}").strip("-")
    else:
        labels = [x for x in host.split(".") if x not in ("www", "gov", "cn", "com", "org", "net")]
        base = re.sub(r"[^a-z0-9_-]", "-", "-".join(labels[:2]) or "portal")[:48] or "portal"
    below = _slug(site_path(site_url)) if site_url else ""
    return f"{base}-{below}"[:64].strip("-") if below else base


_INDEX_PAGE = re.compile(r"^(index|default|main|home)\.(s?html?|jsp|php|aspx?)$", re.IGNORECASE)


def site_path(url: str) -> str:
    """The path a site lives under: /bm1/ of http://h/bm1/ or http://h/bm1/index.html ('' for a
    site at the host's root)."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if segments and _INDEX_PAGE.match(segments[-1]):
        segments.pop()
    return "/".join(segments)


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", path.lower()).strip("-")[:24].strip("-")


def unique_id(wanted: str, url: str, taken: set[str] | frozenset[str]) -> str:
    """`wanted` when no other portal has it; else `wanted` plus the first path segments of `url`
    (the list page: /bm2/zwgk/… → -bm2), else plus a digest of `url` — deterministic, so the same
    URL against the same registry always gets the same id."""
    if wanted not in taken:
        return wanted
    segments = [s for s in urlsplit(url).path.split("/") if s][:1]
    slug = _slug("/".join(segments))
    if slug and (candidate := f"{wanted}-{slug}") not in taken:
        return candidate
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
    for width in (6, 10, 16, 64):
        if (candidate := f"{wanted}-{digest[:width]}") not in taken:
            return candidate
    raise ValueError(f"no free id for {url}")  # 64 hex digits of one URL: cannot happen
