"""Scans go through their own stage: the parser hands a scanned, image-only PDF over on doc.ocr,
the OCR stage (services/parser/ocr_app.py) reads it and publishes doc.parsed, and an HTML report
published after it is indexed without waiting for the scan (real nats-server, the real stages in
this process), and a picture OCR must refuse ends rejected by the OCR stage with its reason, in the
dead-letter backlog for a redrive. The scan is made at test time (nianbao.samples.scans)."""

from __future__ import annotations

import asyncio
import time

import nats
import pytest

from nianbao.embedded.feed import fetched_event, fetched_outgoing, store_bytes
from nianbao.samples.render import render
from nianbao.samples.scans import as_image_pdf, scan_pages
from nianbao.samples.synth import synth_report
from shared import topology
from shared.config import load
from shared.events import DocIndexed, DocNeedsOcr, DocRejected, DocValidated, decode, encode
from shared.runtime.publish import MSG_ID_HEADER
from shared.storage.factory import open_object_store
from tests.support.pictures import png_declaring

pytestmark = pytest.mark.nats

SCAN_URL = "http://127.0.0.1:1/zwgk/202201/t20220128_200001.pdf"
HTML_URL = "http://127.0.0.1:1/zwgk/202201/t20220128_200002.html"


async def _stages(settings, names=("parser", "ocr", "validator", "indexer")):
    from services.indexer.app import create as indexer
    from services.parser.app import create as parser
    from services.parser.ocr_app import create as ocr
    from services.validator.app import create as validator

    made = {"parser": parser, "ocr": ocr, "validator": validator, "indexer": indexer}
    services = [made[n](settings, http_port=0) for n in names]
    for s in services:
        await s.start()
    return services


async def _events(js) -> list[tuple[str, object]]:
    info = await js.stream_info("DOCS")
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg("DOCS", seq)
        out.append((msg.subject, decode(msg.data)))
    return out


async def _publish(js, objects, data: bytes, url: str, content_type: str) -> str:
    event = fetched_event(data, url, content_type=content_type)
    await store_bytes(objects, event, data)
    out = fetched_outgoing(event)
    await js.publish(out.subject, encode(out.event), headers={MSG_ID_HEADER: out.msg_id})
    return event.ref.doc_id


def _rejections(events) -> list[DocRejected]:
    return [e for _, e in events if isinstance(e, DocRejected)]


def _indexed(events) -> list[str]:
    return [e.ref.doc_id for _, e in events if isinstance(e, DocIndexed)]


@pytest.mark.ocr
@pytest.mark.timeout(720)  # the scan may take its 600 s below on a busy machine (a CPU hog)
async def test_a_scan_is_read_by_the_ocr_stage_and_never_holds_up_an_html_report(
    nats_server, tmp_path
):
    settings = load(
        env={}, nats_url=nats_server.url, data_dir=str(tmp_path / "data"), nak_delays_s=[0.5]
    )
    scan = as_image_pdf(scan_pages(synth_report("2021", 3), dpi=150)[:1], 150)
    html, content_type = render(synth_report("2021", 4), "html")
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    objects = await open_object_store(settings=settings)
    services = await _stages(settings)
    try:
        scan_id = await _publish(js, objects, scan, SCAN_URL, "application/pdf")  # first
        html_id = await _publish(js, objects, html, HTML_URL, content_type)

        deadline = time.monotonic() + 30
        while html_id not in _indexed(await _events(js)):
            assert time.monotonic() < deadline, "the HTML report was not indexed within 30 s"
            await asyncio.sleep(0.1)
        # the scan was published first, and is still being read
        assert scan_id not in _indexed(await _events(js))
        ocr = await js.consumer_info("DOCS", "ocr")
        assert ocr.num_ack_pending == 1

        deadline = time.monotonic() + 600  # ~20 s of CPU, niced: under a CPU hog ~300 s here
        while scan_id not in _indexed(events := await _events(js)):
            assert time.monotonic() < deadline, "the scan was not indexed within 600 s"
            assert not _rejections(events), events
            await asyncio.sleep(0.5)
    finally:
        for s in services:
            await s.stop()
        await objects.close()
        await nc.close()

    handed = [(s, e) for s, e in events if isinstance(e, DocNeedsOcr)]
    assert [(s, e.ref.doc_id, e.scan_pages, e.source_modality) for s, e in handed] == [
        ("doc.ocr.sample", scan_id, [1], "image")
    ]
    validated = {e.ref.doc_id: e for _, e in events if isinstance(e, DocValidated)}
    assert validated[scan_id].report.source_modality == "ocr"
    assert validated[scan_id].report.format_version == "2021"
    assert validated[html_id].report.source_modality == "text"
    assert _indexed(events) == [html_id, scan_id]
    # one outcome each: no rejection, one doc.parsed per document
    parsed = [e.ref.doc_id for s, e in events if s.startswith("doc.parsed.")]
    assert sorted(parsed) == sorted([scan_id, html_id])


async def test_a_picture_ocr_refuses_ends_rejected_by_the_ocr_stage_with_its_reason(
    nats_server, tmp_path
):
    from shared.runtime.deadletters import DeadLetters

    settings = load(
        env={}, nats_url=nats_server.url, data_dir=str(tmp_path / "data"), nak_delays_s=[0.5]
    )
    bomb = png_declaring(30_000, 30_000, data=b"\x00" * 64)  # 900 Mpx declared in 200 bytes
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await topology.apply(js, settings)
    objects = await open_object_store(settings=settings)
    services = await _stages(settings, ("parser", "ocr"))
    try:
        doc_id = await _publish(js, objects, bomb, SCAN_URL.replace(".pdf", ".png"), "image/png")
        deadline = time.monotonic() + 60
        while not _rejections(events := await _events(js)):
            assert time.monotonic() < deadline, "no rejection within 60 s"
            await asyncio.sleep(0.1)
        dead = await DeadLetters.open(js)
        deadline = time.monotonic() + 30
        while (await dead.backlog())["ocr"] != 1:
            assert time.monotonic() < deadline, await dead.backlog()
            await asyncio.sleep(0.1)
        (entry,) = await dead.entries()
    finally:
        for s in services:
            await s.stop()
        await objects.close()
        await nc.close()

    # the parser handed it over (it cannot tell a bomb by its header alone); the OCR stage refused
    assert [s for s, _ in events] == ["doc.fetched.sample", "doc.ocr.sample", "doc.rejected.ocr"]
    (rejected,) = _rejections(events)
    assert (rejected.stage, rejected.reason, rejected.ref.doc_id) == ("ocr", "bomb", doc_id)
    assert "picture refused" in rejected.detail
    assert entry.stage == "ocr"
