"""The event contract (shared/events.py) may only change additively.

`events_schema.json` is the committed JSON schema of the event union. A field removed, retyped or
newly required, a tag renamed, or an event dropped fails here; added optional fields and new
events pass (refresh the snapshot with `python -m tests.unit.test_events` when adding them). The
one removal that passes is retiring an optional field listed in `shared.events.RETIRED`, whose
name may then never come back.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from shared.events import (
    RETIRED,
    AnyEvent,
    CrawlDue,
    DocFetched,
    DocRef,
    DocRejected,
    decode,
    encode,
)

SNAPSHOT = Path(__file__).with_name("events_schema.json")


def current_schema() -> dict:
    return msgspec.json.schema(AnyEvent)


def breaking_changes(
    old: dict, new: dict, retired: dict[str, dict[str, str]] = RETIRED
) -> list[str]:
    problems: list[str] = []
    old_defs, new_defs = old.get("$defs", {}), new.get("$defs", {})
    for name, fields in retired.items():
        for prop in sorted(set(fields) & set(new_defs.get(name, {}).get("properties", {}))):
            problems.append(f"{name}.{prop}: a retired field name is back")
    for name, od in old_defs.items():
        nd = new_defs.get(name)
        if nd is None:
            problems.append(f"{name}: removed")
            continue
        for prop, oschema in od.get("properties", {}).items():
            nschema = nd.get("properties", {}).get(prop)
            if nschema is None:
                if prop not in retired.get(name, {}) or prop in od.get("required", []):
                    problems.append(f"{name}.{prop}: removed")
            elif not _same_or_widened(oschema, nschema):
                problems.append(f"{name}.{prop}: changed from {oschema} to {nschema}")
        for prop in set(nd.get("required", [])) - set(od.get("required", [])):
            problems.append(f"{name}.{prop}: newly required")
        if od.get("enum") and not set(od["enum"]) <= set(nd.get("enum", [])):
            problems.append(f"{name}: enum values removed")
    old_tags = old.get("discriminator", {}).get("mapping", {})
    new_tags = new.get("discriminator", {}).get("mapping", {})
    for tag, ref in old_tags.items():
        if new_tags.get(tag) != ref:
            problems.append(f"tag {tag!r}: was {ref}, now {new_tags.get(tag)}")
    return problems


def _same_or_widened(old: dict, new: dict) -> bool:
    """Equal apart from the default, or a Literal that only gained values (old readers never see
    the new value unless a newer producer sends it, as with a new optional field)."""
    o = {k: v for k, v in old.items() if k != "default"}
    n = {k: v for k, v in new.items() if k != "default"}
    if "enum" in o and "enum" in n and set(o["enum"]) <= set(n["enum"]):
        o, n = {**o, "enum": None}, {**n, "enum": None}
    return o == n


def test_a_literal_that_gains_a_value_is_additive_and_one_that_loses_one_is_not():
    old = {"$defs": {"R": {"properties": {"m": {"enum": ["text", "image"], "type": "string"}}}}}
    wider = {"$defs": {"R": {"properties": {"m": {"enum": ["text", "image", "ocr"]}}}}}
    wider["$defs"]["R"]["properties"]["m"]["type"] = "string"
    assert breaking_changes(old, wider) == []
    assert breaking_changes(wider, old) != []


def test_the_event_schema_changed_only_additively_since_the_snapshot():
    assert breaking_changes(json.loads(SNAPSHOT.read_text()), current_schema()) == []


def test_a_removed_field_is_detected_as_breaking():
    old = json.loads(SNAPSHOT.read_text())
    new = json.loads(SNAPSHOT.read_text())
    del new["$defs"]["DocFetched"]["properties"]["etag"]
    new["$defs"]["DocRejected"]["required"].append("detail")
    assert breaking_changes(old, new) == [
        "DocFetched.etag: removed",
        "DocRejected.detail: newly required",
    ]


def test_retiring_docfetched_encoding_passes_the_check():
    before = current_schema()
    before["$defs"]["DocFetched"]["properties"]["encoding"] = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
    }
    assert breaking_changes(before, current_schema()) == []
    assert breaking_changes(before, current_schema(), retired={}) == [
        "DocFetched.encoding: removed"
    ]


def test_only_an_optional_field_listed_as_retired_may_be_removed():
    old = json.loads(SNAPSHOT.read_text())
    new = json.loads(SNAPSHOT.read_text())
    del new["$defs"]["DocFetched"]["properties"]["etag"]
    del new["$defs"]["DocFetched"]["properties"]["size"]
    retired = {"DocFetched": {"etag": "why", "size": "why"}}
    assert breaking_changes(old, new, retired) == ["DocFetched.size: removed"]  # size is required
    assert breaking_changes(new, old, retired) == [
        "DocFetched.etag: a retired field name is back",
        "DocFetched.size: a retired field name is back",
    ]


def _ref() -> DocRef:
    return DocRef(doc_id="d", version="v", portal="p", url="http://x/a.html", object_key="raw/v")


def test_an_older_payload_without_the_optional_fields_still_decodes():
    minimal = {"type": "doc.fetched", "ref": msgspec.to_builtins(_ref()), "size": 3}
    event = decode(json.dumps(minimal).encode())
    assert isinstance(event, DocFetched)
    assert (event.size, event.content_type, event.schema_version, event.companion) == (
        3,
        None,
        1,
        None,
    )


def test_an_older_payload_with_a_retired_field_still_decodes():
    """msgspec ignores unknown fields (no `forbid_unknown_fields` on the events): a doc.fetched
    published before DocFetched.encoding was retired, still in a stream, decodes."""
    assert "encoding" in RETIRED["DocFetched"]
    assert "encoding" not in DocFetched.__struct_fields__
    older = {
        "type": "doc.fetched",
        "ref": msgspec.to_builtins(_ref()),
        "size": 3,
        "content_type": "text/html; charset=GBK",
        "encoding": "gb18030",
        "fetched_at": 1.5,
    }
    event = decode(json.dumps(older).encode())
    assert event == DocFetched(
        ref=_ref(), size=3, content_type="text/html; charset=GBK", fetched_at=1.5
    )
    parsed = {"type": "doc.parsed", "ref": older["ref"], "report": {}, "fetched": older}
    assert decode(json.dumps(parsed).encode()).fetched == event  # nested in later events too


def test_a_newer_payload_with_extra_fields_still_decodes():
    payload = json.loads(encode(CrawlDue(portal="p", slot="2026-01-01T00:00:00+00:00")))
    payload["priority"] = 5
    payload["hints"] = {"x": [1, 2]}
    event = decode(json.dumps(payload).encode())
    assert event == CrawlDue(portal="p", slot="2026-01-01T00:00:00+00:00")


def test_an_unknown_tag_is_a_decode_error_the_acking_layer_treats_as_poison():
    with pytest.raises(msgspec.ValidationError):
        decode(b'{"type": "doc.summarised", "ref": null}')


def test_events_round_trip_through_json():
    rejected = DocRejected(stage="parser", reason="not_a_report", ref=_ref(), original_seq=7)
    assert decode(encode(rejected)) == rejected


if __name__ == "__main__":
    SNAPSHOT.write_text(
        json.dumps(current_schema(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    )
    print(f"wrote {SNAPSHOT}")
