"""An in-process pipeline for replay and dead-letter tests, synthetic reports published into it,
and the nianbao CLI run against it."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import nats

from nianbao.cli.main import main as cli
from nianbao.embedded.feed import feed
from shared import topology
from shared.config import load
from shared.events import DocFetched, DocRef, encode
from shared.runtime.publish import MSG_ID_HEADER, Publisher
from shared.runtime.service import Service
from shared.storage.factory import open_object_store, open_search_store

URL = "http://127.0.0.1:1/zwgk/zfxxgk/zfxxgknb/{}.txt"
STAGES = ("parser", "validator", "indexer")


async def until(pred, limit_s=60.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if await pred():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


class Pipeline:
    """A nats-server with the topology, the object store and the three real stages in-process."""

    def __init__(self, server, tmp_path: Path, stages=STAGES, **settings) -> None:
        self.settings = load(
            env={},
            nats_url=server.url,
            data_dir=str(tmp_path / "data"),
            nak_delays_s=[0.2],
            **settings,
        )
        self.stage_names = stages
        self.services: list[Service] = []

    async def __aenter__(self) -> Pipeline:
        from services.indexer.app import create as indexer
        from services.parser.app import create as parser
        from services.validator.app import create as validator

        self.nc = await nats.connect(self.settings.nats_url)
        self.js = self.nc.jetstream()
        await topology.apply(self.js, self.settings)
        self.objects = await open_object_store(settings=self.settings)
        made = {"parser": parser, "validator": validator, "indexer": indexer}
        self.services = [made[n](self.settings, http_port=0) for n in self.stage_names]
        for s in self.services:
            await s.start()
        return self

    async def __aexit__(self, *exc) -> None:
        for s in self.services:
            await s.stop()
        await self.objects.close()
        await self.nc.close()

    async def feed_seeds(self, seeds: dict[str, bytes]) -> list[DocFetched]:
        return [
            await feed(
                self.objects, Publisher(js=self.js), data, URL.format(i), content_type="text/plain"
            )
            for i, data in enumerate(seeds.values())
        ]

    async def idle(self, stages=STAGES) -> None:
        """Every stage consumer has nothing pending or in flight, twice, with DOCS unchanged."""

        async def quiet():
            for name in stages:
                info = await self.js.consumer_info("DOCS", name)
                if info.num_pending or info.num_ack_pending:
                    return False
            return all(not s.acker.awaiting_retry for s in self.services)

        while True:
            await until(quiet)
            last = (await self.js.stream_info("DOCS")).state.last_seq
            await asyncio.sleep(0.3)
            if await quiet() and (await self.js.stream_info("DOCS")).state.last_seq == last:
                return

    async def reports(self) -> dict[str, dict]:
        search = await open_search_store(settings=self.settings)
        try:
            ids = [r["doc_id"] for r in await search.search("", limit=100)]
            return {i: await search.get_report(i) for i in ids}
        finally:
            await search.close()

    def dump(self) -> str:
        """The whole SQLite index as SQL text: every row of every table, in order."""
        conn = sqlite3.connect(Path(self.settings.data_dir) / "index.db")
        try:
            return "\n".join(conn.iterdump())
        finally:
            conn.close()


async def stored(js, subject_prefix: str):
    info = await js.stream_info("DOCS")
    out = []
    if not info.state.messages:
        return out  # an empty stream's first and last sequence are 0, which get_msg refuses
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        m = await js.get_msg("DOCS", seq)
        if m.subject.startswith(subject_prefix):
            out.append(m)
    return out


def run_cli(*argv: str) -> int:
    return cli(list(argv))


async def publish_synthetic(js, numbers, portal="p") -> list[int]:
    """Publish synthetic doc.fetched events; their stream sequences (a running stage may publish
    in between, so they need not be consecutive)."""
    seqs = []
    for i in numbers:
        e = synthetic(i, portal)
        ack = await js.publish(
            f"doc.fetched.{portal}", encode(e), headers={MSG_ID_HEADER: f"fetched:{e.ref.doc_id}"}
        )
        seqs.append(ack.seq)
    return seqs


def synthetic(i: int, portal: str = "p") -> DocFetched:
    ref = DocRef(
        doc_id=f"doc-{i:05d}",
        version=f"v-{i}",
        portal=portal,
        url=f"http://x/{i}",
        object_key=f"raw/v-{i}",
    )
    return DocFetched(ref=ref, size=1)
