"""T11 — the fetcher has stored the object, then its doc.fetched publish fails (the broker is
frozen with SIGSTOP right as the portal serves the report): the handler raises, the job is
nak'ed; after the broker thaws the job runs again, finds the object already there
(put-if-absent) and republishes under the same Msg-Id — exactly one doc.fetched downstream."""

from __future__ import annotations

import pytest

from tests.support.columns import COLUMN, REPORT_2021, serve_column
from tests.support.fakeportal import Reply, article
from tests.support.feeding import ledger_for, publish_crawl, registry_for
from tests.support.harness import until

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]

SEED = "004_12a69261f9476b84.txt"


async def test_a_publish_failing_after_the_object_put_ends_in_one_event_and_one_object(
    pipelines, fake_portal, seeds
):
    p = pipelines(nak_delays_s=[1.0], ack_wait_s=60)
    registry_for(p, {"t11": fake_portal.url + COLUMN + "/index.html"})
    body = article(REPORT_2021, "<pre>" + seeds[SEED].decode("utf-8") + "</pre>")
    frozen = []

    def report(hit):
        if not frozen:  # first download: freeze the broker before the bytes go out
            frozen.append(hit)
            p.broker.pause()
        return Reply(body=body)

    serve_column(fake_portal, {f"{COLUMN}/202201/t20220128_1.html": report})
    await p.start("fetcher", "parser", "validator", "indexer")
    ledger = ledger_for(p)
    await publish_crawl(ledger, "t11")
    fetcher = p.worker("fetcher")
    # the publish after the put times out (10 s) and the job is nak'ed while the broker is frozen
    await until(
        lambda: fetcher.metric("nianbao_retries_total", stage="fetcher"), 60, 0.2, "fetcher nak"
    )
    p.broker.resume()

    snap = await ledger.check(within=90)

    assert len(frozen) == 1 and len(fake_portal.hits(f"{COLUMN}/202201/t20220128_1.html")) == 2
    assert snap.count("doc.fetched.") == 1 and len(snap.objects) == 1
    assert snap.outcome(("crawl", 1)) == "crawled"
