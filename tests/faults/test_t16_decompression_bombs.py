"""T16 — decompression bombs. At the fetcher process: gzip and deflate Content-Encoding bombs
(1000:1, generated here) are cut at the cap and rejected with reason bomb. At the parser process:
a DOCX whose member inflates 1000:1, a zip nested in a zip, a DOCX whose XML is a
billion-laughs entity bomb, and the three resource bombs of issue #18 inside every byte cap (an
XLSX merging A1:XFD1048576, an HTML table of colspan=1000 rowspan=65534 cells, a DOCX whose
document.xml is 240 MB of tiny paragraphs) — all rejected on first delivery with the worker's
memory bounded."""

from __future__ import annotations

import io
import time
import zipfile
import zlib

import pytest

from tests.support.columns import COLUMN, serve_column
from tests.support.fakeportal import Reply, gzip_bomb
from tests.support.feeding import crawl_all_stages, ledger_for, registry_for, seed
from tests.support.harness import AckTap
from tests.unit.test_parser_budget import (
    HTML_SPAN_BOMB,
    XLSX,
    docx_streamed,
    merged,
    small_paragraph,
    xlsx_with,
)

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]

CAP = 1 << 20
BOMB = 64 * CAP  # decoded size of the transport bombs
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def deflate_bomb(size: int) -> bytes:
    comp = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    return b"".join([comp.compress(chunk) for _ in range(size // len(chunk))] + [comp.flush()])


def docx_with(document_xml: bytes, compress=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr("word/document.xml", document_xml)
    return buf.getvalue()


def zip_of(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buf.getvalue()


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
)


async def test_transport_bombs_are_cut_at_the_cap_and_rejected_as_bomb(pipelines, fake_portal):
    p = registry_for(
        pipelines(max_doc_bytes=CAP), {"t16": fake_portal.url + COLUMN + "/index.html"}
    )
    serve_column(
        fake_portal,
        {
            f"{COLUMN}/202201/gzip.html": Reply(
                body=gzip_bomb(BOMB), headers={"Content-Encoding": "gzip"}
            ),
            f"{COLUMN}/202201/deflate.html": Reply(
                body=deflate_bomb(BOMB), headers={"Content-Encoding": "deflate"}
            ),
        },
        per_page=5,
    )
    snap, fetcher_rss_growth = await crawl_all_stages(p, "t16")

    reasons = {r.url.rsplit("/", 1)[1]: r.reason for r in snap.rejections if r.stage == "fetcher"}
    assert reasons == {"gzip.html": "bomb", "deflate.html": "bomb"}
    assert snap.count("doc.fetched.") == 0 and snap.objects == {}
    assert fetcher_rss_growth < CAP + (16 << 20)  # 64 MiB decoded were never held


async def test_container_bombs_are_rejected_on_first_delivery_with_bounded_memory(pipelines):
    p = await pipelines().start("parser", "validator", "indexer")
    tap = await AckTap(p.nc, "DOCS", "parser").start()
    parser = p.worker("parser")
    ledger = ledger_for(p)
    bombs = {
        "ratio_1000": docx_with(b"<w:document>" + b" " * (200 * CAP) + b"</w:document>"),
        "nested_zip": zip_of("inner.zip", zip_of("word/document.xml", bytes(200 * CAP))),
        "billion_laughs": docx_with(LAUGHS),
        "merged_range": xlsx_with(merged("A1:XFD1048576")),
        "span_bomb": HTML_SPAN_BOMB,
        "docx_240mb": docx_streamed(6_600_000, small_paragraph),
    }
    types = {"merged_range": XLSX, "span_bomb": "text/html"}
    started = time.monotonic()
    sent = {
        name: await seed(p, ledger, data, f"t16-{name}", content_type=types.get(name, DOCX))
        for name, data in bombs.items()
    }

    snap = await ledger.check(within=60)
    took = time.monotonic() - started
    await tap.stop()

    outcomes = {name: snap.outcome((e.ref.doc_id, e.ref.version)) for name, (e, _) in sent.items()}
    assert outcomes == {
        "ratio_1000": "rejected:parser:bomb",
        # refused before anything is inflated: a zip holding a zip is no document format, and the
        # XML parser does not expand entities (so the laughs never grow)
        "nested_zip": "rejected:parser:parse_error",
        "billion_laughs": "rejected:parser:parse_error",
        # issue #18: each once cost the parser gigabytes (an OOM kill, then the DLQ)
        "merged_range": "rejected:parser:bomb",
        "span_bomb": "rejected:parser:bomb",
        "docx_240mb": "rejected:parser:bomb",
    }
    for _, (_, ack) in sent.items():
        assert [s["kind"] for s in tap.of(ack.seq) if s["kind"] != "+WPI"] == ["+TERM"]
    assert parser.alive and parser.peak_rss() < (1 << 30)
    print(f"T16 container bombs settled in {took:.2f}s")
