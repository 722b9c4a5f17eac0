"""shared/topology.py against a real nats-server: apply creates, check reports drift."""

from __future__ import annotations

import nats
import pytest
from nats.js.api import RetentionPolicy, StorageType

from shared import topology
from shared.config import load

pytestmark = pytest.mark.nats


async def _js(server):
    nc = await nats.connect(server.url)
    return nc, nc.jetstream()


def test_every_stage_consumes_its_input_subject():
    assert {s.name: s.filter_subject for s in topology.STAGES.values()} == {
        "fetcher": "crawl.due.>",
        "parser": "doc.fetched.>",
        "ocr": "doc.ocr.>",
        "validator": "doc.parsed.>",
        "indexer": "doc.validated.>",
    }
    # the indexer's durable also reads the fetcher's crawl facts, which it writes into the index
    assert {s.name: s.filter_subjects for s in topology.STAGES.values() if s.side_inputs} == {
        "indexer": ["doc.validated.>", "doc.fact.>"]
    }
    assert topology.STAGES["indexer"].input_tags == {"doc.validated", "doc.fact"}


async def test_check_on_an_empty_broker_reports_every_stream_and_consumer_missing(nats_server):
    nc, js = await _js(nats_server)
    try:
        drift = await topology.check(js, load(env={}))
    finally:
        await nc.close()
    assert "stream DOCS missing" in drift
    assert "stream CRAWL missing" in drift
    assert "stream DLQ missing" in drift
    assert "consumer DOCS/parser missing" in drift
    assert "kv bucket fetch_state missing" in drift
    assert len(drift) == 9


async def test_apply_then_check_reports_no_drift_and_docs_keeps_messages_for_replay(nats_server):
    nc, js = await _js(nats_server)
    settings = load(env={})
    try:
        await topology.apply(js, settings)
        assert await topology.check(js, settings) == []
        docs = (await js.stream_info("DOCS")).config
        crawl = (await js.stream_info("CRAWL")).config
        parser = (await js.consumer_info("DOCS", "parser")).config
    finally:
        await nc.close()
    assert docs.retention == RetentionPolicy.LIMITS and docs.storage == StorageType.FILE
    assert docs.max_age == 30 * 24 * 3600 and docs.duplicate_window == 300
    assert crawl.retention == RetentionPolicy.WORK_QUEUE
    assert parser.max_deliver == settings.max_deliver and parser.ack_wait == settings.ack_wait_s


async def test_apply_twice_is_harmless(nats_server):
    nc, js = await _js(nats_server)
    settings = load(env={})
    try:
        await topology.apply(js, settings)
        await topology.apply(js, settings)
        assert await topology.check(js, settings) == []
    finally:
        await nc.close()


async def test_a_changed_max_deliver_in_code_is_reported_as_drift_until_applied(nats_server):
    nc, js = await _js(nats_server)
    try:
        await topology.apply(js, load(env={}))
        newer = load(env={}, max_deliver=9)
        drift = await topology.check(js, newer)
        assert [d for d in drift if "max_deliver" in d] == [
            f"consumer {s.stream}/{s.name}.max_deliver: want 9, have 6"
            for s in topology.STAGES.values()
        ]
        await topology.apply(js, newer)
        assert await topology.check(js, newer) == []
    finally:
        await nc.close()


async def test_an_indexer_durable_of_the_previous_release_is_drift_until_apply_adds_doc_fact(
    nats_server,
):
    """Before crawl facts the indexer's durable read doc.validated.> alone (filter_subject): check
    names the drift (so /readyz and the init containers wait) and apply edits it in place."""
    nc, js = await _js(nats_server)
    settings = load(env={})
    try:
        await topology.apply(js, settings)
        await js.delete_consumer("DOCS", "indexer")
        old = topology.consumer(
            topology.Stage("indexer", "DOCS", "doc.validated.>", "doc.validated"), settings
        )
        await js.add_consumer("DOCS", config=old)
        assert await topology.check(js, settings) == [
            "consumer DOCS/indexer.filter_subject: want None, have 'doc.validated.>'",
            "consumer DOCS/indexer.filter_subjects: want ['doc.validated.>', 'doc.fact.>'],"
            " have None",
        ]
        await topology.apply(js, settings)
        assert await topology.check(js, settings) == []
        have = (await js.consumer_info("DOCS", "indexer")).config
        assert sorted(have.filter_subjects) == ["doc.fact.>", "doc.validated.>"]
    finally:
        await nc.close()
