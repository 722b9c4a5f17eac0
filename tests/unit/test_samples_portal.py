"""The bundled sample portal (nianbao/samples/portal.py) over real loopback HTTP."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from nianbao.samples.portal import COLUMN, SEEDS_DIR, SamplePortal, build_items


@pytest.fixture
async def portal():
    p = await SamplePortal().start()
    try:
        yield p
    finally:
        await p.stop()


async def test_the_column_lists_all_five_seeds_across_two_pages(portal):
    async with httpx.AsyncClient(base_url=portal.url) as c:
        first = (await c.get(f"{COLUMN}/index.html")).text
        second = (await c.get(f"{COLUMN}/index_1.html")).text
        robots = (await c.get("/robots.txt")).text
    links = re.findall(r'href="\./(\d{6}/t\d{8}_\d+\.html)"', first + second)
    assert len(links) == len(set(links)) == 5
    assert "var countPage = 2" in first and 'href="index_1.html"' in first
    assert "Allow: /" in robots


async def test_every_listed_article_is_served_and_attachments_are_linked_from_their_article(portal):
    async with httpx.AsyncClient(base_url=portal.url) as c:
        for item in portal.items:
            page = await c.get(item.article_path)
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]
            if item.attachment_path:
                name = item.attachment_path.rsplit("/", 1)[1]
                assert f'href="./{name}"' in page.text
                att = await c.get(item.attachment_path)
                assert att.status_code == 200 and att.content == item.attachment


async def test_conditional_get_answers_304_for_a_matching_etag_or_date(portal):
    path = f"{COLUMN}/index.html"
    async with httpx.AsyncClient(base_url=portal.url) as c:
        full = await c.get(path)
        by_etag = await c.get(path, headers={"If-None-Match": full.headers["etag"]})
        by_date = await c.get(path, headers={"If-Modified-Since": full.headers["last-modified"]})
        stale = await c.get(path, headers={"If-None-Match": '"other"'})
        missing = await c.get(f"{COLUMN}/nope.html")
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert by_date.status_code == 304
    assert stale.status_code == 200 and stale.content == full.content
    assert missing.status_code == 404


async def test_a_seed_that_cannot_be_rendered_answers_500_with_its_reason_and_is_logged(
    tmp_path, caplog
):
    good = sorted(SEEDS_DIR.glob("*.txt"))[0]
    (tmp_path / good.name).write_bytes(good.read_bytes())
    (tmp_path / "001_empty.txt").write_bytes(b"")  # the parser rejects it: nothing to render
    with caplog.at_level(logging.ERROR, logger="nianbao.portal"):
        items = build_items(tmp_path)
    portal = await SamplePortal(items=items).start()
    try:
        async with httpx.AsyncClient(base_url=portal.url) as c:
            listing = (await c.get(f"{COLUMN}/index.html")).text
            served = await c.get(items[0].article_path)
            broken = await c.get(items[1].article_path)
    finally:
        await portal.stop()

    assert [it.error is None for it in items] == [True, False]
    assert items[1].article_path.rsplit("/", 1)[1] in listing  # still listed: the crawl sees it
    assert served.status_code == 200
    assert broken.status_code == 500
    assert broken.text == (
        "seed 001_empty.txt cannot be rendered as html:"
        " UnreadableDocument: empty document (0 bytes, no content)\n"
    )
    [record] = caplog.records
    assert record.getMessage() == "sample portal: seed 001_empty.txt cannot be rendered as html"
    assert record.exc_info is not None  # with its traceback
