"""T14 — oversized documents at the fetcher process: one announces a Content-Length above the cap
(and would then trickle its body), one streams a chunked body with no Content-Length past the cap.
Both are rejected with reason too_large, nothing of them reaches the object store, the fetcher's
memory stays within cap + a constant, and the report beside them still arrives."""

from __future__ import annotations

import pytest

from tests.support.columns import COLUMN, REPORT_2021, serve_column
from tests.support.fakeportal import Reply, article
from tests.support.feeding import crawl_all_stages, registry_for

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]

CAP = 1 << 20
SEED = "001_de27d4d4802e9364.txt"


async def test_bodies_over_the_cap_are_rejected_as_too_large_and_never_stored(
    pipelines, fake_portal, seeds
):
    p = registry_for(
        pipelines(max_doc_bytes=CAP, fetch_deadline_s=10),
        {"t14": fake_portal.url + COLUMN + "/index.html"},
    )
    declared, chunked, good = (
        f"{COLUMN}/202201/{n}.html" for n in ("t_declared", "t_chunked", "t_good")
    )
    serve_column(
        fake_portal,
        {
            # a body that would take hours to read: only aborting on the header finishes this crawl
            declared: Reply(body=b"x" * 64, headers={"Content-Length": str(1 << 30)}, trickle=60.0),
            chunked: Reply(body=b"<html>" + b"x" * (32 * CAP), chunked=True),
            good: Reply(body=article(REPORT_2021, "<pre>" + seeds[SEED].decode() + "</pre>")),
        },
    )
    snap, fetcher_rss_growth = await crawl_all_stages(p, "t14")

    too_large = {
        r.url.rsplit("/", 1)[1]: (r.stage, r.reason)
        for r in snap.rejections
        if r.stage == "fetcher"
    }
    assert too_large == {
        "t_declared.html": ("fetcher", "too_large"),
        "t_chunked.html": ("fetcher", "too_large"),
    }
    fetched = [e for e in snap.docs if e.subject.startswith("doc.fetched.")]
    assert len(fetched) == 1 and b"t_good.html" in fetched[0].data and len(snap.objects) == 1
    assert snap.outcome(("crawl", 1)) == "crawled"
    assert fetcher_rss_growth < CAP + (16 << 20)  # the 32 MiB body was never held
