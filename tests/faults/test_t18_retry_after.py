"""T18 — the portal answers 429 with Retry-After: 10: the fetcher process sends nothing more to
that host for 10 s, and then the report arrives (ledger complete) — the job delivered once."""

from __future__ import annotations

import pytest

from tests.support.columns import COLUMN, REPORT_2021, serve_column
from tests.support.fakeportal import Reply, article
from tests.support.feeding import ledger_for, publish_crawl, registry_for
from tests.support.harness import AckTap

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]

RETRY_AFTER = 10
SEED = "000_bac61c4872424ad3.txt"


async def test_429_with_retry_after_is_honoured_and_the_report_still_arrives(
    pipelines, fake_portal, seeds
):
    p = registry_for(
        pipelines(nak_delays_s=[1.0], ack_wait_s=6),
        {"t18": fake_portal.url + COLUMN + "/index.html"},
    )
    report = f"{COLUMN}/202201/t20220128_1.html"
    body = article(REPORT_2021, "<pre>" + seeds[SEED].decode() + "</pre>")
    serve_column(
        fake_portal,
        {report: [Reply(429, headers={"Retry-After": str(RETRY_AFTER)}), Reply(body=body)]},
    )
    await p.start("fetcher", "parser", "validator", "indexer")
    tap = await AckTap(p.nc, "CRAWL", "fetcher").start()
    ledger = ledger_for(p)
    job = await publish_crawl(ledger, "t18")

    snap = await ledger.check(within=90)
    await tap.stop()

    first, second = fake_portal.hits(report)
    throttled = first.at
    after = [h for h in fake_portal.hits() if h.at > throttled]
    assert first.status == 429 and second.status == 200
    assert (
        after and min(h.at for h in after) - throttled >= RETRY_AFTER
    )  # nothing to that host before
    # 10 s is waited inside the job (longer waits become a nak with that delay), with in_progress
    # heartbeats so the server does not redeliver the job meanwhile
    assert [s["kind"] for s in tap.of(job.seq) if s["kind"] != "+WPI"] == ["+ACK"]
    assert snap.outcome(("crawl", job.seq)) == "crawled" and snap.count("doc.fetched.") == 1
