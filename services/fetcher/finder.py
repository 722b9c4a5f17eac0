"""From a government site's home page to its 政府信息公开年报 column and a registry entry
(`nianbao portals discover URL…`).

    home page ──(政府信息公开 / 政务公开 / zwgk, xxgk, gkmlpt … links)──> platform page(s)
              ──(政府信息公开年报 / 年度报告 links, zfxxgknb, xxgknb, gknb, ndbg slugs)──> column

Pure parts: `column_links` and `platform_links` rank a page's links by their text and their
path's slugs; `propose` makes the registry entry with the guessing `portals add` uses
(services/fetcher/guess.py: name from the title or the footer's 主办, 人民政府/管委会 →
government, 局/委/办 → department, level from the name). `find(crawler, url)` walks at most
MAX_PAGES pages of one site through the crawler's polite client (robots.txt, delays, SSRF guard)
— breadth first, the best-ranked links first, platform pages on other hosts included (集约化
platforms live on their own host) — and surveys the best column candidates (crawl.Crawler.survey:
pages, script pagers, coverage), keeping the one that lists the most reports. Sites are found in
parallel by the caller; the politeness slots are per host. Reads no settings.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html

from services.fetcher.coverage import Coverage
from services.fetcher.crawl import Crawler, Survey
from services.fetcher.discovery import Link, anchors, parse_html, report_year
from services.fetcher.guess import guess_id, guess_kind, guess_level, guess_link_pattern, guess_name
from services.fetcher.registry import Portal
from shared.charset import decode_html
from shared.errors import NianbaoError

MAX_PAGES = 8  # pages of one site read before the column is given up as not found
MAX_COLUMNS = 3  # column candidates surveyed (each one a list crawl)

# The column's own name, as sites link it (not a report: no year in it).
COLUMN_TEXT = re.compile(r"^\s*(政府)?信息公开(工作)?(年度报告|年报)(专栏)?\s*$|^\s*年度报告\s*$")
COLUMN_SLUGS = frozenset({"zfxxgknb", "xxgknb", "gknb", "ndbg", "zwgknb"})
# Link text weighs more than a slug: 「政府信息公开」 (6) goes before a 政务公开 section under
# /zwgk/ (4 + 1), which goes before any link that only mentions 信息公开 (2).
PLATFORM_TEXT = (
    (re.compile(r"^\s*政府信息公开(平台|目录|专栏)?\s*$"), 6),
    (re.compile(r"^\s*(政务公开|信息公开|政府信息公开目录)\s*$"), 4),
    (re.compile(r"政府信息公开|政务公开|信息公开"), 2),
)
PLATFORM_SLUGS = frozenset(
    {"zwgk", "xxgk", "zfxxgk", "gkml", "gkmlpt", "zfxxgkml", "xxgkml", "govinfo", "zfxxgkpt"}
)


@dataclass(slots=True)
class Finding:
    """What `find` learnt about one site."""

    url: str  # the home page asked for
    column: str | None = None  # the 年报 column's list URL
    platform: str | None = None  # the page that linked it (None: the home page itself)
    links: list[Link] = field(default_factory=list)  # report links the column lists
    coverage: Coverage | None = None
    entry: Portal | None = None  # the proposed registry entry
    pages: int = 0  # pages read to get there
    reason: str = ""  # why nothing was found ("" when found)

    @property
    def by_year(self) -> dict[str, int]:
        years = Counter(link.year for link in self.links if not link.companion)
        return {str(y or "unknown"): n for y, n in sorted(years.items(), key=lambda kv: kv[0] or 0)}


def _slugs(url: str) -> set[str]:
    return {s.lower() for s in urlsplit(url).path.split("/") if s}


def column_links(tree: lxml.html.HtmlElement | None, base_url: str) -> list[str]:
    """Links to a 政府信息公开年报 column on a page, best first: the column's name as the link text
    (2), a column slug in the path (1), both (3). A link naming a year is a report, not the
    column."""
    scored: dict[str, int] = {}
    for url, text in anchors(tree, base_url):
        if report_year(text) is not None:
            continue
        score = (2 if COLUMN_TEXT.match(text) else 0) + (1 if _slugs(url) & COLUMN_SLUGS else 0)
        if score:
            scored[url] = max(score, scored.get(url, 0))
    return [u for u, _ in sorted(scored.items(), key=lambda kv: -kv[1])]


def platform_links(tree: lxml.html.HtmlElement | None, base_url: str) -> list[str]:
    """Links to a 政府信息公开 platform (or the 政务公开 section above it), best first: by link
    text (PLATFORM_TEXT) plus 1 for a platform slug (zwgk, xxgk, gkmlpt …)."""
    scored: dict[str, int] = {}
    for url, text in anchors(tree, base_url):
        if COLUMN_TEXT.match(text) or report_year(text) is not None or _slugs(url) & COLUMN_SLUGS:
            continue  # a column or a report: column_links' business
        score = next((s for pattern, s in PLATFORM_TEXT if pattern.search(text)), 0)
        score += 1 if _slugs(url) & PLATFORM_SLUGS else 0
        if score and urlsplit(url).scheme in ("http", "https"):
            scored[url] = max(score, scored.get(url, 0))
    return [u for u, _ in sorted(scored.items(), key=lambda kv: -kv[1])]


def propose(name: str, column: str, links: list[Link], site: str | None = None) -> Portal:
    """The registry entry for a found column (`portals add` guesses the same way; pagination
    stays `auto`, which follows whatever pager the column has). `site`: the home page the search
    started from; a site below its host's root gets that path in its id (guess_id)."""
    return Portal(
        id=guess_id(name, column, site),
        name=name or "(unknown agency: pass --name)",
        list_urls=[column],
        level=guess_level(name),
        kind=guess_kind(name),
        link_pattern=guess_link_pattern(column, links),
    )


async def find(crawler: Crawler, url: str, max_pages: int = MAX_PAGES) -> Finding:
    """Walk from `url` to its 年报 column with the crawler's polite client (module docstring):
    page by page, breadth first, until a page links a column. Raises the fetcher's NianbaoError
    for the home page itself (refused, unreachable …); a later page that fails is skipped."""
    finding = Finding(url)
    names: dict[str, str] = {}  # page → the agency name it shows
    queue: list[str] = [url]
    seen: set[str] = set()
    columns: dict[str, str] = {}  # column candidate → the page that linked it
    while queue and finding.pages < max_pages and not columns:
        page = queue.pop(0)
        if page in seen:
            continue
        seen.add(page)
        try:
            resp = await crawler.get(page)
        except NianbaoError:
            if page == url:
                raise
            continue
        finding.pages += 1
        if resp.status != 200:
            if page == url:
                finding.reason = f"{url} answers HTTP {resp.status}"
                return finding
            continue
        text, _encoding = decode_html(resp.body, resp.content_type)
        tree = parse_html(text)
        names[page] = guess_name(tree)
        for column in column_links(tree, resp.url)[:MAX_COLUMNS]:
            columns.setdefault(column, page)
        queue.extend(p for p in platform_links(tree, resp.url) if p not in seen)
    if not columns:
        finding.reason = (
            f"no 政府信息公开年报 column linked from {url} or the {max(0, finding.pages - 1)} "
            "政府信息公开 page(s) it leads to"
        )
        return finding
    best: tuple[str, Survey] | None = None
    for column in columns:
        probe = Portal(id="discover", name="discover", list_urls=[column])
        try:
            survey = await crawler.survey(probe, [column])
        except NianbaoError:
            continue
        if best is None or len(survey.links) > len(best[1].links):
            best = (column, survey)
    if best is None or not best[1].links:
        finding.reason = f"the column candidate(s) {list(columns)} list no reports"
        return finding
    column, survey = best
    via = columns[column]
    finding.column, finding.platform = column, (None if via == url else via)
    finding.links, finding.coverage = survey.links, survey.coverage
    name = names.get(url) or names.get(via) or ""
    finding.entry = propose(name, column, finding.links, site=url)
    return finding
