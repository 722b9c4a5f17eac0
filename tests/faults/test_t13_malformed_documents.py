"""T13 — malformed documents reach the parser process: a truncated PDF, random bytes served as
HTML, HTML full of NULs, a DOCX declared as text/html (wrong Content-Type) that is really a
broken zip. Each is rejected on its FIRST delivery (terminated, never retried) with a bounded
reason; the worker keeps running with bounded memory and a good document behind them is indexed."""

from __future__ import annotations

import random

import pytest

from tests.support.feeding import ledger_for, seed
from tests.support.harness import AckTap

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]

RSS_LIMIT = 1 << 30  # 1 GiB: a parser holding a few small documents stays far below
SEED = "000_bac61c4872424ad3.txt"


def malformed() -> dict[str, tuple[bytes, str]]:
    rng = random.Random(13)
    return {
        "truncated_pdf": (
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Ty",
            "application/pdf",
        ),
        "garbage_html": (bytes(rng.randrange(256) for _ in range(20000)), "text/html"),
        "nul_html": (
            b"<html><body>" + b"\x00" * 5000 + "一、总体情况\x00\x00".encode() + b"</body></html>",
            "text/html; charset=utf-8",
        ),
        "wrong_type": (b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(3000)), "text/html"),
    }


async def test_malformed_documents_are_rejected_on_first_delivery_and_the_worker_survives(
    pipelines, seeds
):
    p = await pipelines().start("parser", "validator", "indexer")
    tap = await AckTap(p.nc, "DOCS", "parser").start()
    ledger = ledger_for(p)
    parser = p.worker("parser")
    pid = parser.pid
    bad = {}
    for name, (data, ctype) in malformed().items():
        bad[name] = await seed(p, ledger, data, f"t13-{name}", content_type=ctype)
    good, _ = await seed(p, ledger, seeds[SEED], "t13-good")

    snap = await ledger.check(within=60)
    await tap.stop()

    outcomes = {name: snap.outcome((e.ref.doc_id, e.ref.version)) for name, (e, _) in bad.items()}
    assert outcomes == {
        "truncated_pdf": "rejected:parser:parse_error",
        "garbage_html": "rejected:parser:parse_error",
        # well-formed once the NULs are dropped, but with no table or section: not a report
        "nul_html": "rejected:parser:not_a_report",
        "wrong_type": "rejected:parser:parse_error",
    }
    for _, (_, ack) in bad.items():
        assert [(s["kind"], s["delivered"]) for s in tap.of(ack.seq) if s["kind"] != "+WPI"] == [
            ("+TERM", 1)
        ]
    assert snap.outcome((good.ref.doc_id, good.ref.version)) == "indexed"
    assert parser.alive and parser.pid == pid and parser.peak_rss() < RSS_LIMIT
