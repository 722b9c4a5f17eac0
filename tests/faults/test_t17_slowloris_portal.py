"""T17 — a portal that sends its headers and then one byte every 5 s: the fetcher process cuts the
fetch at its total deadline (±1 s), closes the connection, releases the host's slot and naks the
job; the retry gets the report. A second portal crawled at the same time is not held up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.columns import COLUMN, REPORT_2021, serve_column
from tests.support.fakeportal import FakePortal, Reply, article
from tests.support.feeding import ledger_for, publish_crawl, registry_for
from tests.support.harness import AckTap, until

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]

DEADLINE = 2.0
SEED = "003_fd629941e7a907e0.txt"
OTHER = "004_12a69261f9476b84.txt"


def established_to(pid: int, port: int) -> int:
    """TCP connections of process `pid` to 127.0.0.1:`port` in ESTABLISHED state (/proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        remote, state, inode = cols[2], cols[3], cols[9]
        if state == "01" and inode in inodes and int(remote.split(":")[1], 16) == port:
            count += 1
    return count


async def test_a_trickling_portal_is_cut_at_the_deadline_retried_later_and_delays_no_one_else(
    pipelines, fake_portal, seeds
):
    body = article(REPORT_2021, "<pre>" + seeds[SEED].decode() + "</pre>")
    report = f"{COLUMN}/202201/t20220128_1.html"
    with FakePortal() as other:
        p = registry_for(
            pipelines(
                fetch_deadline_s=DEADLINE, nak_delays_s=[1.0], max_workers=2, per_host_concurrency=1
            ),
            {
                "slow": fake_portal.url + COLUMN + "/index.html",
                "fast": other.url + COLUMN + "/index.html",
            },
        )
        serve_column(fake_portal, {report: [Reply(body=body, trickle=5.0), Reply(body=body)]})
        other_body = article(REPORT_2021, "<pre>" + seeds[OTHER].decode() + "</pre>")
        serve_column(other, {report: Reply(body=other_body)})
        await p.start("parser", "validator", "indexer")
        tap = await AckTap(p.nc, "CRAWL", "fetcher").start()
        ledger = ledger_for(p)
        slow_job = await publish_crawl(ledger, "slow")
        await publish_crawl(ledger, "fast")
        # both jobs wait in the stream, so the fetcher's first pull (batch = max_workers = 2) takes
        # them together and runs them side by side (a later pull waits for the whole batch)
        fetcher = await p.spawn("fetcher").started()
        await until(lambda: tap.of(slow_job.seq, "-NAK"), 30, 0.05, "slow job nak'ed")
        open_after_cut = established_to(fetcher.pid, fake_portal.port)

        snap = await ledger.check(within=90)
        await tap.stop()
        cut = fake_portal.hits(report)[0].at
        nak = tap.of(slow_job.seq, "-NAK")[0]["at"]
        fast_done = other.hits(report)[0].at

    assert DEADLINE - 1 <= nak - cut <= DEADLINE + 1, nak - cut
    assert open_after_cut == 0  # the trickling connection was closed, not left hanging
    assert [h.status for h in fake_portal.hits(report)] == [200, 200]  # retried: the slot was free
    assert fast_done < cut + DEADLINE  # the other host did not wait for the slow one
    assert {snap.outcome(("crawl", s)) for s in ledger.crawls} == {"crawled"}
    assert snap.count("doc.fetched.") == 2
