"""T9 — the S3 object store unreachable for 20 s while a crawl and a parse are under way (the
proxy in front of moto_server cut, so no object is lost): the fetcher and the parser processes nak
with delay, /readyz answers 503 during the outage, nothing is dead-lettered, and after recovery
the ledger is complete."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.feeding import crawling, ledger_for, publish_crawl, seed, use_s3
from tests.support.harness import until

pytestmark = [pytest.mark.nats, pytest.mark.s3, pytest.mark.slow, pytest.mark.timeout(240)]

OUTAGE_S = 20
SEED = "003_fd629941e7a907e0.txt"


async def retried(worker, stage: str) -> float:
    return await worker.metric("nianbao_retries_total", stage=stage)


async def test_an_s3_outage_is_ridden_out_with_naks_and_loses_nothing(
    pipelines, s3_proxy, sample_portal, seeds
):
    p = use_s3(
        pipelines(
            **crawling(
                sample_portal.url, max_deliver=40, nak_delays_s=[0.5, 1.0, 2.0], store_timeout_s=1
            )
        ),
        s3_proxy,
    )
    await p.start("fetcher", "parser", "validator", "indexer")
    ledger = ledger_for(p)
    # stored before the outage, published during it: the store is cut first, or a fast parser
    # would index the seed before the outage and the test would prove nothing about it
    seeded, _ = await seed(p, ledger, seeds[SEED], "t9", before_publish=s3_proxy.down)
    fetcher, parser = p.worker("fetcher"), p.worker("parser")

    await publish_crawl(ledger)
    await until(lambda: retried(fetcher, "fetcher"), 60, 0.2, "fetcher nak")
    await until(lambda: retried(parser, "parser"), 60, 0.2, "parser nak")
    during = [await fetcher.readyz(), await parser.readyz()]
    await asyncio.sleep(OUTAGE_S)
    await s3_proxy.up()

    snap = await ledger.check(within=120)
    after = [await fetcher.readyz(), await parser.readyz()]

    assert during == [503, 503] and after == [200, 200]
    assert not [k for k, v in snap.outcomes.items() if any(o.startswith("dead:") for o in v)]
    assert snap.outcome((seeded.ref.doc_id, seeded.ref.version)) == "indexed"
    assert snap.outcome(("crawl", 1)) == "crawled"
    assert (
        len(snap.index) >= 5
    )  # the five sample reports, crawled through the outage, plus the seed
    assert all(f"raw/{v}" in snap.objects for v in snap.index.values())
