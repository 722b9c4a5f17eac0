"""Idempotence and crash safety of the real stages (parser → validator → indexer) on a real
nats-server: duplicates change nothing, a worker SIGKILLed mid-message is redelivered and has
no duplicate effect."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import nats
import pytest

from nianbao.embedded.feed import feed, fetched_event, fetched_outgoing, store_bytes
from shared import topology
from shared.config import load
from shared.events import decode
from shared.runtime.publish import MSG_ID_HEADER, Publisher
from shared.storage.factory import open_object_store, open_search_store

pytestmark = pytest.mark.nats

SEED = "000_bac61c4872424ad3.txt"
URL = "http://127.0.0.1:1/zwgk/zfxxgk/zfxxgknb/202201/t20220128_100001.txt"


def _settings(server, tmp_path, **kw):
    return load(
        env={}, nats_url=server.url, data_dir=str(tmp_path / "data"), nak_delays_s=[0.5], **kw
    )


async def _stages(settings, names=("parser", "validator", "indexer")):
    from services.indexer.app import create as indexer
    from services.parser.app import create as parser
    from services.validator.app import create as validator

    made = {"parser": parser, "validator": validator, "indexer": indexer}
    services = [made[n](settings, http_port=0) for n in names]
    for s in services:
        await s.start()
    return services


async def _subjects(js) -> list[str]:
    info = await js.stream_info("DOCS")
    return [
        (await js.get_msg("DOCS", s)).subject
        for s in range(info.state.first_seq, info.state.last_seq + 1)
    ]


async def _until(pred, within=30.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await pred():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def test_the_same_doc_fetched_published_twice_gives_one_index_row(
    nats_server, tmp_path, seeds
):
    settings = _settings(nats_server, tmp_path)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    objects = await open_object_store(settings=settings)
    services = await _stages(settings)
    try:
        event = fetched_event(seeds[SEED], URL, content_type="text/plain")
        await store_bytes(objects, event, seeds[SEED])
        out = fetched_outgoing(event)
        first = await js.publish(out.subject, encode_(out), headers={MSG_ID_HEADER: out.msg_id})
        again = await js.publish(out.subject, encode_(out), headers={MSG_ID_HEADER: out.msg_id})
        # a replay under a new Msg-Id passes the dedup window: the handlers must absorb it
        replay = await js.publish(out.subject, encode_(out), headers={MSG_ID_HEADER: "replay:1"})

        async def drained():
            info = await js.consumer_info("DOCS", "parser")
            idx = await js.consumer_info("DOCS", "indexer")
            return (
                info.num_pending == info.num_ack_pending == 0
                and idx.num_pending == 0
                and idx.num_ack_pending == 0
                and "doc.indexed.sample" in await _subjects(js)
            )

        await _until(drained)
        await asyncio.sleep(0.3)
        subjects = await _subjects(js)
        search = await open_search_store(settings=settings)
        try:
            count = await search.count()
        finally:
            await search.close()
    finally:
        for s in services:
            await s.stop()
        await objects.close()
        await nc.close()
    assert again.duplicate and again.seq == first.seq and not replay.duplicate
    assert count == 1
    # the parser ran twice but its doc.parsed carried the same derived Msg-Id: one downstream flow
    assert subjects.count("doc.fetched.sample") == 2
    assert [subjects.count(f"doc.{k}.sample") for k in ("parsed", "validated", "indexed")] == [
        1,
        1,
        1,
    ]


def encode_(out):
    from shared.events import encode

    return encode(out.event)


@pytest.mark.slow
async def test_a_parser_killed_mid_message_is_redelivered_without_duplicate_effect(
    nats_server, tmp_path, seeds
):
    settings = _settings(nats_server, tmp_path, ack_wait_s=2.0)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    objects = await open_object_store(settings=settings)
    data = seeds[SEED]
    event = fetched_event(data, URL, content_type="text/plain")
    # The object is a FIFO nobody writes: the parser blocks inside its handler, reading it.
    fifo = objects.path_of(event.ref.object_key)
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    env = {
        **os.environ,
        "NIANBAO_NATS_URL": nats_server.url,
        "NIANBAO_DATA_DIR": str(tmp_path / "data"),
        "NIANBAO_ACK_WAIT_S": "2.0",
        "NIANBAO_HTTP_PORT": "0",
    }
    log = (tmp_path / "parser.log").open("w")
    proc = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-m", "nianbao.cli.main", "serve", "parser"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    services = []
    try:
        await Publisher(js=js).publish(fetched_outgoing(event))

        async def inside_handler():
            return (await js.consumer_info("DOCS", "parser")).num_ack_pending == 1

        try:
            await _until(inside_handler, within=60)
        except AssertionError:
            raise AssertionError((tmp_path / "parser.log").read_text()[-3000:]) from None
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        os.unlink(fifo)
        await store_bytes(objects, event, data)
        services = await _stages(settings)

        async def indexed():
            return "doc.indexed.sample" in await _subjects(js)

        await _until(indexed)
        info = await js.consumer_info("DOCS", "parser")
        subjects = await _subjects(js)
        parsed = decode((await js.get_msg("DOCS", subjects.index("doc.parsed.sample") + 1)).data)
    finally:
        if proc.poll() is None:
            proc.kill()
        for s in services:
            await s.stop()
        await objects.close()
        await nc.close()
    # one stream message, delivered twice (the second after ack_wait), then acked
    assert (info.delivered.stream_seq, info.delivered.consumer_seq, info.num_ack_pending) == (
        1,
        2,
        0,
    )
    assert [
        subjects.count(f"doc.{k}.sample") for k in ("fetched", "parsed", "validated", "indexed")
    ] == [1, 1, 1, 1]
    assert parsed.ref.doc_id == event.ref.doc_id


async def test_feed_stores_bytes_once_and_publishes_with_a_derived_msg_id(
    nats_server, tmp_path, seeds
):
    settings = _settings(nats_server, tmp_path)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    objects = await open_object_store(settings=settings)
    try:
        e1 = await feed(objects, Publisher(js=js), seeds[SEED], URL)
        e2 = await feed(objects, Publisher(js=js), seeds[SEED], URL)
        info = await js.stream_info("DOCS")
        stored = await objects.get(e1.ref.object_key)
    finally:
        await objects.close()
        await nc.close()
    assert e1.ref == e2.ref and info.state.messages == 1 and stored == seeds[SEED]
