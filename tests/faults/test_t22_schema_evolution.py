"""T22 — event versions in the running pipeline: a doc.fetched from an older producer (only the
required fields, and the since retired `encoding`) and one from a newer producer (extra fields,
also inside `ref`) both decode with defaults and are indexed; an unknown tag goes down the poison
path (T5: terminated once, recorded, dead-lettered with its original). The JSON-schema snapshot
check rejects a non-additive change."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from nianbao.embedded.feed import fetched_event
from tests.support.feeding import SEED_URL, ledger_for, put_object
from tests.support.harness import AckTap
from tests.unit.test_events import SNAPSHOT, breaking_changes, current_schema

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(120)]

SEEDS = ("003_fd629941e7a907e0.txt", "004_12a69261f9476b84.txt")


async def test_old_and_new_event_versions_are_indexed_and_an_unknown_tag_is_poison(
    pipelines, seeds
):
    p = await pipelines().start("parser", "validator", "indexer")
    tap = await AckTap(p.nc, "DOCS", "parser").start()
    ledger = ledger_for(p)
    old_event = fetched_event(
        seeds[SEEDS[0]], SEED_URL.format("t22-old"), content_type="text/plain"
    )
    new_event = fetched_event(
        seeds[SEEDS[1]], SEED_URL.format("t22-new"), content_type="text/plain"
    )
    for event, name in ((old_event, SEEDS[0]), (new_event, SEEDS[1])):
        await put_object(p, event, seeds[name])
    old = {
        "type": "doc.fetched",
        "ref": msgspec.to_builtins(old_event.ref),
        "size": old_event.size,
        "encoding": "utf-8",  # retired since (shared.events.RETIRED): older producers sent it
    }
    new = {
        **msgspec.to_builtins(new_event),
        "schema_version": 2,
        "signed_by": {"key": "k1"},
        "ref": {**msgspec.to_builtins(new_event.ref), "mirror": "https://mirror.example/a"},
    }
    await ledger.publish("doc.fetched.sample", json.dumps(old).encode(), "t22-old")
    await ledger.publish("doc.fetched.sample", json.dumps(new).encode(), "t22-new")
    unknown = await ledger.publish(
        "doc.fetched.sample", b'{"type":"doc.fetched.v3","ref":{}}', "t22-tag"
    )

    snap = await ledger.check(within=60)
    await tap.stop()

    assert snap.outcome((old_event.ref.doc_id, old_event.ref.version)) == "indexed"
    assert snap.outcome((new_event.ref.doc_id, new_event.ref.version)) == "indexed"
    assert snap.outcome(("seq", unknown.seq)) == "rejected:parser:decode_error"
    assert [s["kind"] for s in tap.of(unknown.seq) if s["kind"] != "+WPI"] == ["+TERM"]
    dlq = json.loads((await p.js.get_msg("DLQ", 1)).data)
    assert dlq["stream_seq"] == unknown.seq and dlq["type"].endswith(".terminated")


def test_the_schema_snapshot_check_fails_on_a_non_additive_change():
    snapshot = json.loads(Path(SNAPSHOT).read_text())
    assert breaking_changes(snapshot, current_schema()) == []
    retyped = json.loads(Path(SNAPSHOT).read_text())
    retyped["$defs"]["DocRef"]["properties"]["version"] = {"type": "integer"}
    assert breaking_changes(snapshot, retyped) == [
        "DocRef.version: changed from {'type': 'string'} to {'type': 'integer'}"
    ]
