"""T7 — the same doc.fetched published twice within the dedup window (same Msg-Id) and once more
as if after it (a new Msg-Id, as a replay or a publisher outside the window would): the first
duplicate is absorbed by the stream; the second is processed again — and still there is one
object, one index row and one doc.parsed / doc.validated / doc.indexed for the version."""

from __future__ import annotations

import pytest

from nianbao.embedded.feed import fetched_outgoing
from shared.events import encode
from tests.support.feeding import ledger_for, seed
from tests.support.harness import AckTap

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(120)]

SEED = "001_de27d4d4802e9364.txt"


async def test_duplicates_inside_the_window_are_one_entry_and_outside_it_have_one_effect(
    pipelines, seeds
):
    p = await pipelines().start("parser", "validator", "indexer")
    tap = await AckTap(p.nc, "DOCS", "parser").start()
    ledger = ledger_for(p)
    event, first = await seed(p, ledger, seeds[SEED], "t7")
    out = fetched_outgoing(event)
    again = await ledger.publish(out.subject, encode(out.event), out.msg_id)
    later = await ledger.publish(out.subject, encode(out.event), f"after-window:{out.msg_id}")

    snap = await ledger.check(within=60)
    await tap.stop()

    assert (again.duplicate, again.seq) == (True, first.seq) and not later.duplicate
    assert snap.count("doc.fetched.") == 2
    # both stream entries were handled (acked) by the parser …
    assert [s["kind"] for s in tap.of(first.seq) + tap.of(later.seq) if s["kind"] != "+WPI"] == [
        "+ACK",
        "+ACK",
    ]
    # … but their derived events carry the same Msg-Ids: one flow downstream, one of everything
    assert [snap.count(f"doc.{k}.") for k in ("parsed", "validated", "indexed")] == [1, 1, 1]
    assert snap.outcome((event.ref.doc_id, event.ref.version)) == "indexed"
    assert list(snap.objects) == [event.ref.object_key] and len(snap.index) == 1
