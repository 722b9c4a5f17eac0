"""Replay throughput: N reports through parse → validate → index live, then the same N replayed
from doc.fetched, on a real nats-server with the stages as separate processes (as on Kubernetes:
`--parsers` parser replicas, one validator, one indexer on SQLite), and the cost of a dry run.

Prints:
- live rate: reports/s from the first doc.fetched to the last doc.indexed;
- replay rate: reports/s from `replay()` starting to the last replayed doc.indexed (unchanged data:
  every report is re-parsed and re-validated, and the indexer's upsert is a no-op), and how long
  the republishing itself took;
- dry run: seconds and msg/s to count the selection over the whole DOCS stream, with a
  subject-only selection (no decoding) and with a doc-id filter (every message decoded), and that
  time as a share of the replay.

Usage: python -m bench.bench_replay [--reports 10000] [--parsers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nats

from bench.bench_pipeline import (
    _count,
    _wait_ready,
    generate,
    publish_fetched,
    start_stages,
    stop_processes,
    stored_events,
)
from nianbao.embedded.natsd import NatsServer, free_port
from nianbao.ops.replay import replay
from nianbao.ops.selection import Selection
from shared import topology
from shared.config import load


async def _until_count(js, target: int, limit_s: float = 1800) -> float:
    deadline = time.monotonic() + limit_s
    while await _count(js, "doc.indexed.>") + await _count(js, "doc.rejected.>") < target:
        if time.monotonic() > deadline:
            raise RuntimeError(f"fewer than {target} indexed/rejected after {limit_s} s")
        await asyncio.sleep(0.25)
    return time.time()


async def run(n: int, parsers: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-replay-"))
    server = NatsServer(store_dir=work / "nats", port=free_port()).start()
    procs = []
    try:
        settings = load(env={}, nats_url=server.url, data_dir=str(work / "data"))
        nc = await nats.connect(server.url)
        js = nc.jetstream(publish_async_max_pending=4000)
        await topology.apply(js, settings)
        events = await stored_events(settings, generate(n))
        procs = start_stages(work, server.url, parsers, workers=4, index_batch=settings.index_batch)
        await _wait_ready([port for _, port, _ in procs])

        live_start = time.time()
        await publish_fetched(js, events)
        live_end = await _until_count(js, n)
        rejected = await _count(js, "doc.rejected.>")

        replay_start = time.time()
        result = await replay(js, Selection(subject="doc.fetched.>"))
        republished = time.time()
        replay_end = await _until_count(js, 2 * n)
        stream = (await js.stream_info("DOCS")).state.messages

        t0 = time.perf_counter()
        plain = await replay(js, Selection(subject="doc.fetched.>"), dry_run=True)
        t1 = time.perf_counter()
        ids = frozenset(e.ref.doc_id for e in events[::10])
        filtered = await replay(
            js, Selection(subject="doc.>", doc_ids=ids, include_replays=True), dry_run=True
        )
        t2 = time.perf_counter()
        await nc.close()
    finally:
        stop_processes(p for _, _, p in procs)
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "n": n,
        "parsers": parsers,
        "rejected": rejected,
        "live_s": live_end - live_start,
        "replay_s": replay_end - replay_start,
        "republish_s": republished - replay_start,
        "published": result.published,
        "stream": stream,
        "dry_plain_s": t1 - t0,
        "dry_plain_scanned": plain.scanned,
        "dry_plain_matched": plain.matched,
        "dry_filtered_s": t2 - t1,
        "dry_filtered_scanned": filtered.scanned,
        "dry_filtered_matched": filtered.matched,
    }


def report(r: dict) -> None:
    n = r["n"]
    print(
        f"{n} reports, {r['parsers']} parser process(es) x 4 workers, 1 validator, 1 indexer (SQLite);"
        f" {r['rejected']} rejected"
    )
    print(
        f"live     : {r['live_s']:7.1f} s  = {n / r['live_s']:6.0f} reports/s (doc.fetched → doc.indexed)"
    )
    print(
        f"replay   : {r['replay_s']:7.1f} s  = {n / r['replay_s']:6.0f} reports/s "
        f"({r['published']} republished in {r['republish_s']:.1f} s = {r['published'] / r['republish_s']:,.0f} msg/s)"
    )
    print(f"replay / live rate: {r['live_s'] / r['replay_s']:.2f}")
    print(
        f"dry run, doc.fetched.> (no decoding): {r['dry_plain_s']:.2f} s for {r['dry_plain_scanned']} messages"
        f" = {r['dry_plain_scanned'] / r['dry_plain_s']:,.0f} msg/s ({r['dry_plain_matched']} selected;"
        f" {100 * r['dry_plain_s'] / r['replay_s']:.1f} % of the replay)"
    )
    print(
        f"dry run, doc.> by doc id (all decoded): {r['dry_filtered_s']:.2f} s for {r['dry_filtered_scanned']}"
        f" messages = {r['dry_filtered_scanned'] / r['dry_filtered_s']:,.0f} msg/s"
        f" ({r['dry_filtered_matched']} selected; stream holds {r['stream']})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--parsers", type=int, default=2)
    args = parser.parse_args(argv if argv is not None else [])
    report(asyncio.run(run(args.reports, args.parsers)))


if __name__ == "__main__":
    main(sys.argv[1:])
