"""What one URL's record costs in the fetcher's state (services/fetcher/state.py): the encoding
writes no field at its default, and an encoded record holds no more memory than its bytes
(bench/bench_fetcher.py's "in-process map" per 10k URLs)."""

from __future__ import annotations

import tracemalloc

from services.fetcher.crawl import record_for
from services.fetcher.discovery import Link
from services.fetcher.registry import Portal
from services.fetcher.state import UrlRecord, decode, encode

URL = "http://127.0.0.1:44793/nb/t20220120_0.html"


def a_record() -> UrlRecord:
    """A report page as bench_fetcher leaves it: fetched, re-checked (≈ 535 bytes encoded)."""
    return UrlRecord(
        url=URL, portal="h0", title="某0县第100单位2021年政府信息公开工作年度报告（全文）",
        report_year=2021, published="2022-01-20", etag='"0-0"', version="5" * 64,
        fingerprint="6" * 64, first_seen=1796600226.427522, first_found=1796600226.427522,
        last_checked=1796600291.2262852, last_changed=1796600226.427522, status="not_modified",
    )  # fmt: skip


def test_a_record_reset_by_a_recheck_writes_no_gone_since():
    stored = decode(encode(a_record()))
    rec = record_for(
        stored, Portal(id="h0", name="某县", list_urls=[URL]), Link(URL, "年报"), None, 1.0
    )
    assert b"gone_since" not in encode(rec) and b"gone_status" not in encode(rec)
    rec.gone_since, rec.gone_status = 1000.0, 404
    assert decode(encode(rec)).gone_since == 1000.0  # a dead link's is kept


def test_an_encoded_record_holds_no_more_memory_than_its_bytes():
    rec = a_record()
    size = len(encode(rec))
    assert size > 512  # over msgspec's first output buffer: the case that held 1.5× its size
    tracemalloc.start()
    try:
        held = [encode(rec) for _ in range(1000)]
        used, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(held) == 1000
    per_record = used / 1000
    assert size < per_record < size + 64, per_record  # bytes header and the list's pointer
