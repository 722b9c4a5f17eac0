"""T21 — redirect abuse at the fetcher process: a redirect loop, a chain of more than 10 hops, a
redirect to another loopback host that is not allowed (127.0.0.2, a portal listening there) and
one into 10.0.0.0/8. Each is rejected with reason redirect, and no connection is made to the
private targets (the 127.0.0.2 portal's access log stays empty)."""

from __future__ import annotations

import pytest

from tests.support.columns import COLUMN, serve_column
from tests.support.fakeportal import FakePortal, Reply
from tests.support.feeding import ledger_for, publish_crawl, registry_for

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]


async def test_redirect_loops_long_chains_and_private_targets_are_rejected_as_redirect(
    pipelines, fake_portal
):
    with FakePortal(host="127.0.0.2") as private:
        private.add(f"{COLUMN}/202201/inside.html", Reply(body=b"internal"))
        p = registry_for(pipelines(), {"t21": fake_portal.url + COLUMN + "/index.html"})
        base = f"{COLUMN}/202201"
        serve_column(
            fake_portal,
            {
                f"{base}/loop.html": Reply(302, headers={"Location": f"{base}/loop2.html"}),
                f"{base}/long.html": Reply(302, headers={"Location": f"{base}/hop1.html"}),
                f"{base}/to_loopback.html": Reply(
                    302, headers={"Location": private.url + f"{base}/inside.html"}
                ),
                f"{base}/to_ten.html": Reply(
                    302, headers={"Location": "http://10.1.2.3/zwgk/a.html"}
                ),
            },
            per_page=10,
        )
        fake_portal.add(f"{base}/loop2.html", Reply(302, headers={"Location": f"{base}/loop.html"}))
        for i in range(1, 15):
            fake_portal.add(
                f"{base}/hop{i}.html", Reply(302, headers={"Location": f"{base}/hop{i + 1}.html"})
            )
        await p.start("fetcher", "parser", "validator", "indexer")
        ledger = ledger_for(p)
        await publish_crawl(ledger, "t21")

        snap = await ledger.check(within=60)
        private_hits = private.hits()

    reasons = {r.url.rsplit("/", 1)[1]: r.reason for r in snap.rejections if r.stage == "fetcher"}
    assert reasons == {
        "loop.html": "redirect",
        "long.html": "redirect",
        "to_loopback.html": "redirect",
        "to_ten.html": "redirect",
    }
    assert private_hits == []
    hops = [h.path for h in fake_portal.hits() if "/hop" in h.path]
    assert 0 < len(hops) <= 10  # followed at most 10 hops, then gave up
    assert snap.count("doc.fetched.") == 0 and snap.outcome(("crawl", 1)) == "crawled"
