"""T20 — conditional GET through the fetcher process: the first crawl fetches the report; the
second is answered 304 (If-None-Match / If-Modified-Since from the fetcher's JetStream KV state);
the third gets a new ETag for the same bytes. The second and third write no object and emit no
doc.fetched, so the parser, validator and indexer never run again; not_modified is counted."""

from __future__ import annotations

import pytest

from tests.support.columns import COLUMN, LM, REPORT_2021, serve_column
from tests.support.fakeportal import Reply, article
from tests.support.feeding import ledger_for, publish_crawl, registry_for
from tests.support.harness import AckTap

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]

SEED = "001_de27d4d4802e9364.txt"


async def test_304_and_a_new_etag_with_the_same_bytes_reach_no_stage_downstream(
    pipelines, fake_portal, seeds
):
    p = registry_for(pipelines(), {"t20": fake_portal.url + COLUMN + "/index.html"})
    report = f"{COLUMN}/202201/t20220128_1.html"
    body = article(REPORT_2021, "<pre>" + seeds[SEED].decode() + "</pre>")
    serve_column(fake_portal, {report: Reply(body=body, etag='"v1"', last_modified=LM)})
    await p.start("fetcher", "parser", "validator", "indexer")
    taps = {s: await AckTap(p.nc, "DOCS", s).start() for s in ("parser", "validator", "indexer")}
    ledger = ledger_for(p)
    fetcher = p.worker("fetcher")

    await publish_crawl(ledger, "t20", slot="2026-01-01T00:00:00+00:00")
    first = await ledger.check(within=60)
    await publish_crawl(ledger, "t20", slot="2026-01-02T00:00:00+00:00")  # → 304
    await ledger.check(within=60)
    fake_portal.routes[report] = Reply(body=body, etag='"v2"')  # same bytes, new ETag
    await publish_crawl(ledger, "t20", slot="2026-01-03T00:00:00+00:00")
    third = await ledger.check(within=60)
    for tap in taps.values():
        await tap.stop()

    hits = fake_portal.hits(report)
    assert [h.status for h in hits] == [200, 304, 200]
    assert hits[1].headers["if-none-match"] == '"v1"' and hits[1].headers["if-modified-since"] == LM
    assert third.count("doc.fetched.") == first.count("doc.fetched.") == 1
    assert len(third.objects) == 1 and third.index == first.index
    # the indexer also acks each crawl's coverage fact (doc.fact: it writes them into the index)
    assert third.count("doc.fact.") == 3
    assert {s: len([a for a in t.seen if a["kind"] == "+ACK"]) for s, t in taps.items()} == {
        "parser": 1,
        "validator": 1,
        "indexer": 1 + 3,
    }
    assert {third.outcome(("crawl", s)) for s in ledger.crawls} == {"crawled"}
    assert await fetcher.metric("nianbao_not_modified_total") == 2
