"""`nianbao replay` / `reprocess` on a real nats-server with the real parser, validator and indexer
(and, where only delivery matters, the real acking runtime with a counting handler): a parser
change replayed from doc.fetched reaches exactly the reports it affects; unchanged data replayed
leaves the index byte-identical; an interrupted replay resumes and republishes each message once;
a replay during live traffic loses nothing."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import msgspec
import nats
import pytest

from nianbao.ops.checkpoint import Checkpoints
from nianbao.ops.replay import replay
from nianbao.ops.selection import Selection
from shared import topology
from shared.config import load
from shared.events import REPLAY_HEADER, REPLAY_OF_HEADER, decode
from shared.runtime.publish import MSG_ID_HEADER
from shared.runtime.service import Service, StageDeps
from shared.storage.factory import open_search_store
from shared.versions import INDEX_SCHEMA_VERSION, PARSER_VERSION, VALIDATOR_VERSION
from tests.support.replaying import (
    Pipeline,
    publish_synthetic,
    run_cli,
    stored,
    until,
)

pytestmark = pytest.mark.nats

NEXT_PARSER = str(int(PARSER_VERSION) + 1)  # "a newer parser" for the replay tests


def _content(report: dict) -> dict:
    """What a report says (not when or by which code it was indexed)."""
    skip = {"indexed_at", "parser_version", "validator_version", "versions"}
    return {k: v for k, v in report.items() if k not in skip}


async def test_a_parser_change_replayed_from_doc_fetched_updates_exactly_the_affected_reports(
    nats_server, tmp_path, seeds, monkeypatch
):
    async with Pipeline(nats_server, tmp_path) as p:
        events = await p.feed_seeds(seeds)
        await p.idle()
        before = await p.reports()
        changed = events[2].ref

        # parser version 2 reads the title of one report differently; every other output is as before
        import services.parser.handlers as handlers
        import services.parser.outputs as outputs  # where doc.parsed gets its parser_version

        original = handlers.parse_bytes

        def parse_v2(data, event):
            report = original(data, event)
            if event.ref.doc_id == changed.doc_id:
                report = msgspec.structs.replace(report, title=f"{report.title}（修订）")
            return report

        monkeypatch.setattr(handlers, "parse_bytes", parse_v2)
        monkeypatch.setattr(outputs, "PARSER_VERSION", NEXT_PARSER)
        # inside the dedup window on purpose: the replayed flow must not be swallowed
        dry = await asyncio.to_thread(
            run_cli,
            "replay",
            "doc.fetched",
            "--dry-run",
            "--no-progress",
            "--nats-url",
            p.settings.nats_url,
        )
        assert dry == 0
        assert len(await stored(p.js, "doc.fetched")) == 5  # a dry run publishes nothing
        code = await asyncio.to_thread(
            run_cli, "replay", "doc.fetched.>", "--no-progress", "--nats-url", p.settings.nats_url
        )
        await p.idle()
        after = await p.reports()
        indexed = [decode(m.data) for m in await stored(p.js, "doc.indexed")]

    assert code == 0
    assert sorted(after) == sorted(before) and len(after) == 5
    assert after[changed.doc_id]["title"] == before[changed.doc_id]["title"] + "（修订）"
    assert [d for d in after if _content(after[d]) != _content(before[d])] == [changed.doc_id]
    assert {r["parser_version"] for r in after.values()} == {NEXT_PARSER}
    assert {r["parser_version"] for r in before.values()} == {PARSER_VERSION}
    # five live flows and five replayed ones reached the indexer; every replayed write was a change
    assert len(indexed) == 10 and sum(1 for e in indexed if e.changed) == 10
    # doc.indexed says which code produced what it indexed
    assert sorted(e.parser_version for e in indexed) == [PARSER_VERSION] * 5 + [NEXT_PARSER] * 5
    assert {(e.validator_version, e.index_schema_version) for e in indexed} == {
        (VALIDATOR_VERSION, INDEX_SCHEMA_VERSION)
    }


async def test_replaying_unchanged_data_leaves_the_index_byte_identical(
    nats_server, tmp_path, seeds
):
    async with Pipeline(nats_server, tmp_path) as p:
        await p.feed_seeds(seeds)
        await p.idle()
        before = p.dump()
        result = await replay(p.js, Selection(subject="doc.fetched.>"))
        await p.idle()
        after = p.dump()
        fetched = await stored(p.js, "doc.fetched")
        indexed = [(m.headers or {}, decode(m.data)) for m in await stored(p.js, "doc.indexed")]

    assert result.published == 5 and result.duplicates == 0
    assert after == before and 'INSERT INTO "cells"' in before
    copies = [m for m in fetched if REPLAY_HEADER in (m.headers or {})]
    assert {m.headers[REPLAY_OF_HEADER] for m in copies} == {f"DOCS:{m.seq}" for m in fetched[:5]}
    # the replay went through every stage (not dropped as a duplicate) and changed nothing
    replayed = [e for h, e in indexed if h.get(REPLAY_HEADER) == f"replay:{result.run}"]
    assert len(replayed) == 5 and not any(e.changed for e in replayed)
    assert all(
        h[MSG_ID_HEADER].endswith(f"|replay:{result.run}") for h, _ in indexed if REPLAY_HEADER in h
    )


async def test_reprocess_stale_replays_only_the_reports_of_an_older_parser(
    nats_server, tmp_path, seeds, monkeypatch
):
    async with Pipeline(nats_server, tmp_path) as p:
        events = await p.feed_seeds(seeds)
        await p.idle()
        import nianbao.ops.reprocess as reprocess
        import services.parser.outputs as outputs  # where doc.parsed gets its parser_version

        monkeypatch.setattr(outputs, "PARSER_VERSION", NEXT_PARSER)
        monkeypatch.setattr(reprocess, "PARSER_VERSION", NEXT_PARSER)
        # two reports are re-parsed by hand first (by doc id prefix)
        first = await replay(
            p.js,
            Selection(
                subject="doc.fetched.>", doc_ids=frozenset(e.ref.doc_id[:12] for e in events[:2])
            ),
        )
        await p.idle()
        search = await open_search_store(settings=p.settings)
        try:
            stale_before = await search.stale(NEXT_PARSER, VALIDATOR_VERSION)
            plan, results = await reprocess.reprocess_stale(p.js, search)
            await p.idle()
            stale_after = await search.stale(NEXT_PARSER, VALIDATOR_VERSION)
            again, _ = await reprocess.reprocess_stale(p.js, search, dry_run=True)
            count = await search.count()
        finally:
            await search.close()

    assert first.published == 2
    assert sorted(stale_before) == sorted(e.ref.doc_id for e in events[2:])
    assert sorted(plan.reparse) == sorted(stale_before) and plan.revalidate == []
    assert [r.published for r in results] == [3]
    assert stale_after == [] and again.total == 0 and count == 5


# --- delivery: a counting handler behind the real acking runtime -----------------------------------


class Counting:
    """The parser stage's handler replaced by one that counts deliveries per doc id."""

    def __init__(self) -> None:
        self.seen: Counter = Counter()

    async def __call__(self, event):
        self.seen[event.ref.doc_id] += 1
        return []


async def _counting_parser(settings, handler):
    async def build(_settings, _service):
        return StageDeps(handler=handler)

    service = Service("parser", settings, build, http_port=0)
    await service.start()
    return service


async def _drained(js):
    info = await js.consumer_info("DOCS", "parser")
    return info.num_pending == 0 and info.num_ack_pending == 0


@pytest.mark.slow
async def test_a_replay_killed_mid_run_resumes_and_republishes_each_message_once(
    nats_server, tmp_path
):
    settings = load(env={}, nats_url=nats_server.url)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    counting = Counting()
    service = await _counting_parser(settings, counting)
    argv = [
        sys.executable,
        "-m",
        "nianbao.cli.main",
        "replay",
        "doc.fetched",
        "--run-id",
        "kill-1",
        "--rate",
        "400",
        "--no-progress",
        "--nats-url",
        nats_server.url,
    ]
    try:
        await publish_synthetic(js, range(600))
        await until(lambda: _drained(js))
        # Popen only forks; the test then waits on the checkpoint, not on the process
        proc = subprocess.Popen(  # noqa: ASYNC220
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=os.environ.copy(),
        )
        try:
            cps = await Checkpoints.open(js)

            async def partly():
                cp = await cps.get("kill-1")
                return cp is not None and cp.published >= 200

            await until(partly, limit_s=60)
            proc.send_signal(signal.SIGKILL)  # no chance to checkpoint what it published since
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        interrupted = await cps.get("kill-1")
        resumed = await asyncio.to_thread(
            subprocess.run, [*argv, "--json"], capture_output=True, text=True, timeout=120
        )
        await until(lambda: _drained(js))
        copies = [m for m in await stored(js, "doc.fetched") if REPLAY_HEADER in (m.headers or {})]
        info = await js.consumer_info("DOCS", "parser")
        done = await cps.get("kill-1")
    finally:
        await service.stop()
        await nc.close()
    assert resumed.returncode == 0, resumed.stdout
    assert interrupted.status == "running" and 200 <= interrupted.last_seq < 600
    assert done.status == "done" and done.published >= 600
    per_original = Counter(m.headers[REPLAY_OF_HEADER] for m in copies)
    assert len(per_original) == 600 and set(per_original.values()) == {1}
    # the parser handled every doc twice (live + replay), none a third time
    assert len(counting.seen) == 600 and set(counting.seen.values()) == {2}
    assert info.num_redelivered == 0


async def test_an_interrupted_replay_resumes_after_its_checkpoint(nats_server, tmp_path):
    settings = load(env={}, nats_url=nats_server.url)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    await js.delete_consumer("DOCS", "parser")  # nobody consumes: only the stream is looked at
    try:
        await publish_synthetic(js, range(500))
        sel = Selection(subject="doc.fetched.>")

        async def stop_after_two(result):
            if result.scanned >= 200:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            await replay(js, sel, run="cut", batch=100, on_batch=stop_after_two)
        await publish_synthetic(js, range(500, 520))  # arrives after the run started: not replayed
        resumed = await replay(js, sel, run="cut", batch=100)
        again = await replay(js, sel, run="cut")
        copies = [m for m in await stored(js, "doc.fetched") if REPLAY_HEADER in (m.headers or {})]
        # starting over gets a new run id, so its copies are not dropped by the dedup window
        restarted = await replay(js, sel, run="cut", restart=True)
    finally:
        await nc.close()
    assert resumed.resumed_from == 200 and resumed.scanned == 500 and resumed.published == 500
    assert resumed.duplicates == 0
    assert again.already_done and again.published == 500
    assert restarted.run == "cut-2" and restarted.published == 520 and restarted.duplicates == 0
    assert restarted.skipped_copies == 500
    assert sorted(int(m.headers[REPLAY_OF_HEADER].split(":")[1]) for m in copies) == list(
        range(1, 501)
    )


async def test_a_replay_during_live_traffic_loses_nothing(nats_server, tmp_path):
    settings = load(env={}, nats_url=nats_server.url)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    counting = Counting()
    service = await _counting_parser(settings, counting)
    try:
        await publish_synthetic(js, range(300))
        await until(lambda: _drained(js))
        replaying = asyncio.create_task(
            replay(js, Selection(subject="doc.fetched.>"), batch=50, rate=1500)
        )
        await publish_synthetic(js, range(300, 600))  # live traffic while the replay runs
        result = await replaying
        await until(lambda: _drained(js))
        info = await js.consumer_info("DOCS", "parser")
    finally:
        await service.stop()
        await nc.close()
    # the window closed when the replay started (seq ≤ upper): those docs twice, later ones once
    assert 300 <= result.upper < 600 and result.published == result.upper
    twice = {f"doc-{i:05d}" for i in range(result.upper)}
    assert {d for d, n in counting.seen.items() if n == 2} == twice
    assert {d for d, n in counting.seen.items() if n == 1} == {
        f"doc-{i:05d}" for i in range(result.upper, 600)
    }
    assert info.num_pending == 0 and info.num_ack_pending == 0


async def test_a_dry_run_counts_the_selection_by_portal_doc_and_window_without_publishing(
    nats_server, tmp_path
):
    settings = load(env={}, nats_url=nats_server.url)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    try:
        await publish_synthetic(js, range(10), portal="a")
        await publish_synthetic(js, range(10, 30), portal="b")
        last = (await js.stream_info("DOCS")).state.last_seq
        by_portal = await replay(js, Selection(subject="doc.fetched.b"), dry_run=True)
        by_doc = await replay(
            js, Selection(subject="doc.fetched.>", doc_ids=frozenset({"doc-0001"})), dry_run=True
        )
        by_seq = await replay(
            js, Selection(subject="doc.fetched.>", from_seq=5, to_seq=14), dry_run=True
        )
        future = await replay(
            js, Selection(subject="doc.fetched.>", since=time.time() + 3600), dry_run=True
        )
        after = (await js.stream_info("DOCS")).state.last_seq
    finally:
        await nc.close()
    assert by_portal.matched == 20 and dict(by_portal.by_subject) == {"doc.fetched.b": 20}
    assert by_doc.matched == 10  # doc-00010 … doc-00019: a prefix selects every id it starts
    assert by_seq.matched == 10 and by_seq.published == 0
    assert future.matched == 0
    assert after == last


async def test_year_and_agency_filters_on_doc_fetched_are_answered_by_the_index(
    nats_server, tmp_path, seeds, capsys
):
    async with Pipeline(nats_server, tmp_path) as p:
        await p.feed_seeds(seeds)
        await p.idle()
        reports = await p.reports()
        year = Counter(r["year"] for r in reports.values()).most_common(1)[0][0]
        agency = next(r["agency_name"] for r in reports.values() if r["year"] == year)
        common = (
            "--dry-run",
            "--json",
            "--no-progress",
            "--nats-url",
            p.settings.nats_url,
            "--data-dir",
            p.settings.data_dir,
        )
        capsys.readouterr()
        by_year = await asyncio.to_thread(
            run_cli, "replay", "doc.fetched", "--year", str(year), *common
        )
        year_out = json.loads(capsys.readouterr().out)
        by_agency = await asyncio.to_thread(
            run_cli,
            "replay",
            "doc.fetched",
            "--year",
            str(year),
            "--agency",
            f"*{agency[2:6]}*",
            *common,
        )
        agency_out = json.loads(capsys.readouterr().out)
        parsed = await asyncio.to_thread(
            run_cli, "replay", "doc.parsed", "--year", str(year), *common
        )
        parsed_out = json.loads(capsys.readouterr().out)

    want_year = sum(1 for r in reports.values() if r["year"] == year)
    want_agency = sum(
        1 for r in reports.values() if r["year"] == year and agency[2:6] in (r["agency_name"] or "")
    )
    assert (by_year, by_agency, parsed) == (0, 0, 0)
    assert year_out["selected"] == want_year and want_year < 5
    assert agency_out["selected"] == want_agency >= 1
    assert parsed_out["selected"] == want_year  # doc.parsed carries the year itself


async def test_after_a_search_store_outage_a_replay_of_doc_validated_indexes_the_dead_lettered_backlog(
    nats_server, tmp_path, seeds
):
    from shared.runtime.deadletters import DeadLetters

    async with Pipeline(nats_server, tmp_path, max_deliver=2, store_timeout_s=0.2) as p:
        lock = sqlite3.connect(Path(p.settings.data_dir) / "index.db", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # the outage: every index write times out (transient)
        since = time.time()
        try:
            await p.feed_seeds(seeds)
            dead = await DeadLetters.open(p.js)

            async def exhausted():
                return len(await dead.entries(stage="indexer", originals=False)) == 5

            await until(exhausted)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        empty = await p.reports()
        result = await replay(p.js, Selection(subject="doc.validated.>", since=since))
        await p.idle()
        reports = await p.reports()
        entries = await dead.entries(stage="indexer", originals=False)

    assert empty == {} and result.published == 5
    assert len(reports) == 5 and all(r["status"] for r in reports.values())
    # the dead letters are still listed until someone redrives or dismisses them
    assert [e.reason for e in entries] == ["max_deliveries"] * 5


async def test_replaying_doc_rejected_republishes_the_originals_the_stage_rejected(nats_server):
    from shared.errors import NotAReport

    settings = load(env={}, nats_url=nats_server.url)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    state = {"buggy": True, "ok": Counter()}

    async def handler(event):
        if state["buggy"] and event.ref.doc_id < "doc-00003":
            raise NotAReport("a parser bug")
        state["ok"][event.ref.doc_id] += 1
        return []

    service = await _counting_parser(settings, handler)
    try:
        seqs = await publish_synthetic(js, range(5))

        async def settled():
            return await _drained(js) and len(await stored(js, "doc.rejected")) == 3

        await until(settled)
        state["buggy"] = False  # the fix
        result = await replay(js, Selection(subject="doc.rejected.parser"))
        await until(lambda: _drained(js))
        copies = [m for m in await stored(js, "doc.fetched") if REPLAY_HEADER in (m.headers or {})]
    finally:
        await service.stop()
        await nc.close()
    assert result.published == 3 and result.originals_missing == 0
    assert dict(result.by_subject) == {"doc.fetched.p": 3}
    assert sorted(m.headers[REPLAY_OF_HEADER] for m in copies) == [f"DOCS:{s}" for s in seqs[:3]]
    assert state["ok"] == Counter({f"doc-{i:05d}": 1 for i in range(5)})
