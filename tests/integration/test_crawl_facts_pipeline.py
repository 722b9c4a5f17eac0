"""Crawl facts ride the broker: the fetcher (`nianbao serve fetcher`, no database access)
publishes a listed report answering 404 as a doc.fact event, the indexer (`nianbao serve
indexer`) writes it into its index — SQLite or PostgreSQL — and `nianbao missing --json`, run
against that index alone, reports it `unreachable` with its URL and since when. Real processes on
a real nats-server (and PostgreSQL); the portal is nianbao.samples.cms on loopback.

Also: the facts wait in JetStream while the indexer is down and the fetcher is killed (nothing
lost), a link that answers again is cleared, a replay of doc.fact rebuilds a lost row, and a
malformed fact is rejected into the dead-letter records instead of retried."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from nianbao.samples.cms import CmsPortal
from services.fetcher.canonical import doc_id
from services.fetcher.state import UrlState
from shared.events import CrawlDue, CrawlFact, decode, encode
from shared.runtime.publish import MSG_ID_HEADER
from shared.storage.factory import open_search_store
from tests.support.feeding import registry_for
from tests.support.harness import ROOT, Pipeline, env_of, until
from tests.support.replaying import run_cli, stored

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(240)]


async def consumer(p: Pipeline, stream: str, name: str) -> tuple[int, int]:
    info = await p.js.consumer_info(stream, name)
    return info.num_pending, info.num_ack_pending


async def settled(p: Pipeline, stream: str, name: str, within: float = 60) -> None:
    async def idle() -> bool:
        return await consumer(p, stream, name) == (0, 0)

    await until(idle, within, 0.1, f"{stream}/{name} idle")


async def crawl(p: Pipeline, slot: str) -> None:
    """One crawl of the portal, done: its list surveyed (a new coverage fact in the stream) and
    the fetcher idle.

    An idle consumer alone is no proof: a crawl that failed on a loaded machine waits, nak'ed
    with a delay, for its retry, and JetStream then counts it neither pending nor ack-pending."""

    async def coverage() -> int:
        facts = [decode(m.data) for m in await stored(p.js, "doc.fact.eco")]
        return sum(1 for f in facts if f.kind == "coverage")

    before = await coverage()
    job = CrawlDue(portal="eco", slot=slot, reason="manual")
    await p.js.publish("crawl.due.eco", encode(job), headers={MSG_ID_HEADER: f"eco:{slot}"})
    await until(lambda: _more(coverage, before), 120, 0.2, f"the crawl of {slot}")
    await settled(p, "CRAWL", "fetcher")


async def _more(count, before: int) -> bool:
    return await count() > before


async def dead_links(search: str) -> list[dict]:
    store = await open_search_store(search)
    try:
        return await store.dead_links()
    finally:
        await store.close()


def missing_json(p: Pipeline, search: str) -> list[dict]:
    """`nianbao missing --year 2023 --json` against the index alone (no broker)."""
    out = subprocess.run(
        [
            sys.executable, "-m", "nianbao.cli.main", "missing", "--year", "2023", "--json",
            "--source", "search", "--search-url", search, "--portals", p.settings["portals"],
            "--data-dir", str(p.tmp / "cli"),
        ],
        env=env_of(), cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_a_dead_listed_report_reaches_the_index_through_the_broker_and_missing_reports_it(
    tmp_path, request, store
):
    search = (
        request.getfixturevalue("postgres_url")
        if store == "postgres"
        else f"sqlite:///{tmp_path / 'index.db'}"
    )
    portal = await CmsPortal("trs_script", documents_count=3).start()
    p = Pipeline(tmp_path / "p", search=search, search_migrate="true")
    try:
        gone = next(d for d in portal.docs if d.year == 2023)
        page = portal.routes.pop(gone.path)  # listed, but answers 404
        registry_for(p, {"eco": portal.list_url})
        await p.start("fetcher")  # no indexer yet: the facts wait in JetStream
        await crawl(p, "2026-01-01T00:00:00+00:00")
        facts = [decode(m.data) for m in await stored(p.js, "doc.fact.eco")]
        assert sorted(f.kind for f in facts) == ["coverage", "link_dead"]
        [fact] = [f for f in facts if f.kind == "link_dead"]
        assert (fact.url.endswith(gone.path), fact.status, fact.report_year) == (True, 404, 2023)
        record = await UrlState(p.js).get(doc_id(fact.url))
        assert record is not None and fact.since == record.gone_since > 0
        assert await consumer(p, "DOCS", "indexer") == (2, 0)
        p.worker("fetcher").kill()  # the producer is gone: the facts are not

        await p.spawn("indexer").started()
        await settled(p, "DOCS", "indexer")
        [row] = await asyncio.to_thread(missing_json, p, search)
        assert (row["portal"], row["status"], row["http_status"]) == ("eco", "unreachable", 404)
        assert row["url"] == fact.url
        assert row["since"] == datetime.fromtimestamp(record.gone_since, UTC).isoformat(
            timespec="seconds"
        )
        assert (row["declared"], row["reached"]) == (3, 3)  # listed: all three (coverage fact)

        # the index lost its rows (rebuilt, restored): a replay of doc.fact writes them again
        if store == "sqlite":
            import sqlite3

            with sqlite3.connect(tmp_path / "index.db") as conn:
                conn.execute("DELETE FROM dead_links")
        else:
            import asyncpg

            conn = await asyncpg.connect(search)
            try:
                await conn.execute("DELETE FROM dead_links")
            finally:
                await conn.close()
        assert await dead_links(search) == []
        code = await asyncio.to_thread(
            run_cli, "replay", "doc.fact.>", "--no-progress", "--nats-url", p.settings["nats_url"]
        )
        assert code == 0
        await settled(p, "DOCS", "indexer")
        [again] = await dead_links(search)
        assert (again["url"], again["since"]) == (fact.url, record.gone_since)

        # the link answers again: the next crawl clears it
        portal.routes[gone.path] = page
        p.spawn("fetcher")
        await p.worker("fetcher").started()
        await crawl(p, "2026-01-02T00:00:00+00:00")
        await settled(p, "DOCS", "indexer")
        assert await dead_links(search) == []
        [row] = await asyncio.to_thread(missing_json, p, search)
        assert row["status"] == "not_found"  # fetched, not parsed here (no parser running)
    finally:
        await p.close()
        await portal.stop()


async def test_a_malformed_fact_is_rejected_into_the_dead_letters_not_retried(tmp_path):
    p = Pipeline(tmp_path / "p", search=f"sqlite:///{tmp_path / 'index.db'}")
    try:
        await p.start("indexer")
        bad_kind = CrawlFact(kind="link_vanished", portal="eco", checked_at=1.0, url="http://x/")
        await p.js.publish("doc.fact.eco", encode(bad_kind), headers={MSG_ID_HEADER: "bad-1"})
        await p.js.publish("doc.fact.eco", b"{not json", headers={MSG_ID_HEADER: "bad-2"})
        await settled(p, "DOCS", "indexer")
        rejected = [decode(m.data) for m in await stored(p.js, "doc.rejected.indexer")]
        assert sorted((r.reason, r.original_subject, r.portal) for r in rejected) == [
            ("bad_fact", "doc.fact.eco", "eco"),
            ("decode_error", "doc.fact.eco", None),
        ]
        advisories = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.DOCS.indexer"

        async def dead_lettered() -> bool:
            info = await p.js.stream_info("DLQ", subjects_filter=advisories)
            return (info.state.subjects or {}).get(advisories) == 2

        await until(dead_lettered, 30, 0.1, "two terminated advisories in DLQ")
        assert await dead_links(f"sqlite:///{tmp_path / 'index.db'}") == []
    finally:
        await p.close()
