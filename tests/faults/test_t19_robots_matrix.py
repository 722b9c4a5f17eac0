"""T19 — robots.txt cases, one portal each, crawled by one fetcher process: 404 (crawl all),
503 and a robots.txt that never finishes (unreachable: request NOTHING else), `Disallow:
/private`, `Crawl-delay: 2`, a 600 KiB file (rules past 500 KiB ignored) and a chain of 6
redirects (more than 5: unavailable, crawl all). The portals' access logs are the evidence."""

from __future__ import annotations

import contextlib

import pytest

from tests.support.columns import COLUMN, serve_column
from tests.support.fakeportal import FakePortal, Reply, article
from tests.support.feeding import ledger_for, publish_crawl, registry_for

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(240)]

CASES = ("r404", "r503", "rtimeout", "rdisallow", "rdelay", "rbig", "rredirect6")
TITLE = "某某县人民政府{}年政府信息公开工作年度报告"


def robots_for(case: str, portal: FakePortal) -> None:
    if case == "r404":
        portal.add("/robots.txt", Reply(404, b"not found"))
    elif case == "r503":
        portal.add("/robots.txt", Reply(503, b"busy"))
    elif case == "rtimeout":
        portal.add(
            "/robots.txt",
            Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain", trickle=5.0),
        )
    elif case == "rdisallow":
        portal.add(
            "/robots.txt",
            Reply(body=b"User-agent: *\nDisallow: /private\n", content_type="text/plain"),
        )
    elif case == "rdelay":
        portal.add(
            "/robots.txt", Reply(body=b"User-agent: *\nCrawl-delay: 2\n", content_type="text/plain")
        )
    elif case == "rbig":
        body = (
            b"User-agent: *\nDisallow: /secret\n"
            + b"# padding\n" * (60 * 1024)
            + b"Disallow: "
            + COLUMN.encode()
            + b"\n"
        )
        portal.add("/robots.txt", Reply(body=body, content_type="text/plain"))
    elif case == "rredirect6":
        portal.add("/robots.txt", Reply(301, headers={"Location": "/r1"}))
        for i in range(1, 7):
            portal.add(f"/r{i}", Reply(301, headers={"Location": f"/r{i + 1}"}))
        portal.add("/r7", Reply(body=b"User-agent: *\nDisallow: /\n", content_type="text/plain"))


async def test_robots_answers_decide_what_is_requested(pipelines, seeds):
    texts = [seeds[n].decode() for n in sorted(seeds)]
    with contextlib.ExitStack() as stack:
        portals = {c: stack.enter_context(FakePortal()) for c in CASES}
        p = registry_for(
            pipelines(fetch_deadline_s=2, max_deliver=2, nak_delays_s=[0.5]),
            {c: portals[c].url + COLUMN + "/index.html" for c in CASES},
        )
        bodies = {}
        for i, (case, portal) in enumerate(portals.items()):
            reports = bodies[case] = {
                f"{COLUMN}/202201/t{case}_{k}.html": Reply(
                    body=article(
                        TITLE.format(2021 - k), "<pre>" + texts[(i + k) % len(texts)] + "</pre>"
                    )
                )
                for k in range(2)
            }
            serve_column(portal, reports, per_page=5)
            portal.add("/private/x.html", Reply(body=b"secret"))
            portal.add("/secret/y.html", Reply(body=b"secret"))
            robots_for(case, portal)
        # the list pages of two portals also link forbidden pages
        for case in ("rdisallow", "rbig"):
            extra = "/private/x.html" if case == "rdisallow" else "/secret/y.html"
            portals[case].routes[f"{COLUMN}/index.html"] = Reply(
                body=(
                    f'<html><body><ul><li><a href="./202201/t{case}_0.html">{TITLE.format(2021)}</a></li>'
                    f'<li><a href="./202201/t{case}_1.html">{TITLE.format(2020)}</a></li>'
                    f'<li><a href="{extra}">{TITLE.format(2019)}</a></li></ul></body></html>'
                ).encode()
            )
        await p.start("fetcher", "parser", "validator", "indexer")
        ledger = ledger_for(p)
        jobs = {c: (await publish_crawl(ledger, c)).seq for c in CASES}

        snap = await ledger.check(within=150)
        paths = {c: [h.path for h in portals[c].hits()] for c in CASES}
        delayed = [h.at for h in portals["rdelay"].hits() if h.path != "/robots.txt"]

    # unreachable robots: nothing but robots.txt was requested, and the job dead-lettered
    for case in ("r503", "rtimeout"):
        assert set(paths[case]) == {"/robots.txt"}, (case, paths[case])
        assert snap.outcome(("crawl", jobs[case])) == "dead:fetcher"
    # disallowed paths never requested; the rest crawled
    assert "/private/x.html" not in paths["rdisallow"] and "/secret/y.html" not in paths["rbig"]
    for case in ("r404", "rdisallow", "rdelay", "rbig", "rredirect6"):
        assert snap.outcome(("crawl", jobs[case])) == "crawled", case
        assert sum(p.startswith(f"{COLUMN}/202201/") for p in paths[case]) == 2, (case, paths[case])
    assert paths["rredirect6"][:6] == ["/robots.txt", "/r1", "/r2", "/r3", "/r4", "/r5"]
    assert "/r7" not in paths["rredirect6"]  # past 5 redirects: unavailable, so everything allowed
    # Crawl-delay: 2 spaces the fetcher's request starts; arrival times at the portal may differ by
    # a connection set-up (the first request opens the connection, the next reuses it)
    assert min(b - a for a, b in zip(delayed, delayed[1:], strict=False)) >= 1.95
    # one doc.fetched per distinct report (the same bytes on two portals are one document version)
    crawled = {
        r.body
        for c in ("r404", "rdisallow", "rdelay", "rbig", "rredirect6")
        for r in bodies[c].values()
    }
    assert snap.count("doc.fetched.") == len(crawled)
