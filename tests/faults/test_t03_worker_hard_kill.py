"""T3 — the parser process SIGKILLed while its handler is inside the message (its object-store
read is held by a stalled proxy in front of the S3 server): a new parser gets the message again
after ack_wait (delivered twice), and there is exactly one doc.parsed and one index row."""

from __future__ import annotations

import pytest

from nianbao.embedded.feed import fetched_event
from tests.support.feeding import SEED_URL, ledger_for, publish_fetched, put_object, use_s3
from tests.support.harness import AckTap, until

pytestmark = [pytest.mark.nats, pytest.mark.s3, pytest.mark.slow, pytest.mark.timeout(180)]

SEED = "000_bac61c4872424ad3.txt"


async def held_inside_handler(p, proxy, seeds, name: str):
    """Publish one doc with the object store stalled; return once the parser's store call is held
    by the proxy (so the parser process is inside its handler)."""
    ledger = ledger_for(p)
    event = fetched_event(seeds[SEED], SEED_URL.format(name), content_type="text/plain")
    await put_object(p, event, seeds[SEED])
    proxy.stall()
    ack = await publish_fetched(p, ledger, event)
    await until(lambda: proxy.waiting >= 1, 30, 0.02, "parser's store call held")
    return ledger, event, ack


async def test_a_parser_killed_inside_its_handler_is_redelivered_once_with_one_effect(
    pipelines, s3_proxy, seeds
):
    p = await use_s3(pipelines(ack_wait_s=2), s3_proxy).start("parser", "validator", "indexer")
    tap = await AckTap(p.nc, "DOCS", "parser").start()
    ledger, event, ack = await held_inside_handler(p, s3_proxy, seeds, "t3")

    p.worker("parser").kill()
    s3_proxy.unstall()
    await p.spawn("parser", name="parser-2").started()
    snap = await ledger.check(within=60)
    await tap.stop()

    # the killed delivery was never settled; the second one (after ack_wait) was acked
    assert [(s["kind"], s["delivered"]) for s in tap.of(ack.seq) if s["kind"] != "+WPI"] == [
        ("+ACK", 2)
    ]
    assert [snap.count(f"doc.{k}.") for k in ("fetched", "parsed", "validated", "indexed")] == [
        1,
        1,
        1,
        1,
    ]
    assert snap.outcome((event.ref.doc_id, event.ref.version)) == "indexed"
    assert list(snap.objects) == [event.ref.object_key]
