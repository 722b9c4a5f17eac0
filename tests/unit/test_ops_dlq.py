"""shared/runtime/deadletters.py: advisories become entries; an entry's state follows its record."""

from __future__ import annotations

import json

from shared.runtime.deadletters import DeadLetter, parse_advisory


def test_a_max_deliveries_advisory_becomes_an_entry_with_stage_sequence_and_deliveries():
    data = json.dumps(
        {
            "type": "io.nats.jetstream.advisory.v1.max_deliver",
            "stream": "DOCS",
            "consumer": "indexer",
            "stream_seq": 41,
            "deliveries": 6,
        }
    ).encode()
    e = parse_advisory(7, data, 1.5)
    assert (e.dlq_seq, e.kind, e.stream, e.stage, e.stream_seq, e.deliveries, e.reason, e.at) == (
        7,
        "max_deliveries",
        "DOCS",
        "indexer",
        41,
        6,
        "max_deliveries",
        1.5,
    )
    assert e.state == "waiting"


def test_a_terminated_advisory_waits_for_its_reason_from_doc_rejected():
    data = json.dumps(
        {
            "type": "io.nats.jetstream.advisory.v1.terminated",
            "stream": "DOCS",
            "consumer": "parser",
            "stream_seq": 3,
            "deliveries": 1,
        }
    ).encode()
    assert parse_advisory(1, data, 0.0).reason == "terminated"


def test_an_unknown_advisory_type_or_garbage_is_not_an_entry():
    assert parse_advisory(1, b'{"type": "io.nats.jetstream.advisory.v1.nak"}', 0.0) is None
    assert parse_advisory(1, b"not json", 0.0) is None


def test_the_state_of_an_entry_is_waiting_redriven_or_dismissed():
    e = DeadLetter(
        dlq_seq=1,
        kind="terminated",
        stream="DOCS",
        stage="parser",
        stream_seq=1,
        deliveries=1,
        at=0.0,
    )
    assert e.state == "waiting"
    e.record = {"redrives": 1}
    assert e.state == "redriven"
    e.record = {"redrives": 1, "dismissed": True}
    assert e.state == "dismissed"
