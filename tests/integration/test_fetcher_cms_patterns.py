"""The crawler against a sample column of every CMS pagination pattern (nianbao/samples/cms.py):
a column whose script pager lists 20 documents yields 20; the one pattern it cannot follow
yields 10 with a visible coverage of 10/20 — on the metric and in the crawler's coverage."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from nianbao.samples.cms import CmsPortal
from services.fetcher.crawl import Crawler
from services.fetcher.discovery import report_year
from services.fetcher.registry import Portal, Registry
from services.fetcher.state import MemoryUrlState
from shared.config import load
from shared.events import CrawlDue
from shared.storage.files import FileObjectStore


async def _crawl(pattern: str, tmp_path, documents: int = 20, *, attachments: bool = False):
    portal = await CmsPortal(pattern, documents, attachments=attachments).start()
    settings = load(env={}, allow_private_hosts=["127.0.0.1"], min_delay_s=0.0)
    registry = Registry(
        [
            Portal(
                id=f"cms-{pattern}",
                name="示例市生态环境局",
                kind="department",
                list_urls=[portal.list_url],
            )
        ]
    )
    crawler = Crawler(settings, FileObjectStore(tmp_path / "objects"), MemoryUrlState(), registry)
    try:
        events = [e async for e in crawler.crawl(CrawlDue(portal=f"cms-{pattern}", slot="s"))]
    finally:
        await crawler.close()
        await portal.stop()
    return events, crawler.coverage[f"cms-{pattern}"], portal.requests, portal


def _gauge(name: str, **labels) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


@pytest.mark.parametrize(
    ("pattern", "stated"),
    [
        ("trs_static", (2, 2, "pages")),  # createPageHTML states pages, not documents
        ("trs_endpoint", (20, 20, "documents")),
        ("jcms", (20, 20, "documents")),
        ("gkmlpt", (20, 20, "documents")),
    ],
)
async def test_a_column_whose_pager_lists_20_documents_yields_all_20(pattern, stated, tmp_path):
    events, coverage, requests, _portal = await _crawl(pattern, tmp_path)
    years = sorted(report_year(e.title_hint or "") for e in events)
    assert years == list(range(2005, 2025))
    assert (coverage.declared, coverage.reached, coverage.unit) == stated
    assert _gauge("nianbao_portal_coverage_ratio", portal=f"cms-{pattern}") == 1.0
    declared, _reached, unit = stated
    assert _gauge("nianbao_portal_list_declared", portal=f"cms-{pattern}", unit=unit) == declared
    assert requests[0] == "GET /robots.txt 200"
    paths = [r.split(" ")[1] for r in requests]
    assert len(paths) == len(set(paths))  # no URL twice


async def test_a_script_pager_with_no_endpoint_shows_10_of_20_and_no_request_beyond_the_guess(
    tmp_path,
):
    events, coverage, requests, _portal = await _crawl("trs_script", tmp_path)
    assert len(events) == 10
    assert (coverage.declared, coverage.reached, coverage.ratio) == (20, 10, 0.5)
    assert _gauge("nianbao_portal_coverage_ratio", portal="cms-trs_script") == 0.5
    assert _gauge("nianbao_portal_list_reached", portal="cms-trs_script", unit="documents") == 10
    # the static page 2 a TRS site usually has is tried once; it is not there
    assert "GET /zwgk/zfxxgk/zfxxgknb/index_1.html 404" in requests


async def test_the_jcms_dataproxy_is_asked_once_for_the_records_after_the_embedded_group(tmp_path):
    _events, _coverage, requests, _portal = await _crawl("jcms", tmp_path)
    proxy = [r for r in requests if "dataproxy.jsp" in r]
    assert len(proxy) == 1 and "startrecord=16" in proxy[0] and "endrecord=20" in proxy[0]


@pytest.mark.parametrize("pattern", ["trs_static", "jcms", "gkmlpt"])
async def test_a_reports_pdf_and_picture_version_are_fetched_but_not_the_sites_chrome(
    pattern, tmp_path
):
    """Every article carries the site's logo, banner, share icon, QR code, 党政机关 mark, a
    file-type icon and a sidebar form — all served — and the newest report has a PDF and a
    1240×1754 图片版 picture: only those two are fetched as attachments."""
    events, _coverage, requests, portal = await _crawl(
        pattern, tmp_path, documents=12, attachments=True
    )
    attached = sorted(e.ref.url.split(portal.url, 1)[1] for e in events if e.parent_url)
    assert attached == sorted(portal.attachment_paths)
    assert len(events) == 12 + 2
    picture = next(e for e in events if e.ref.url.endswith(".png"))
    assert picture.companion == "图片版" and picture.parent_url.endswith(portal.docs[0].path)
    paths = [r.split(" ")[1] for r in requests]
    assert not set(paths) & set(portal.chrome_paths), "site chrome was fetched"
    assert len(paths) == len(set(paths))
