"""T15 — wrongly or oddly encoded documents at the parser process: GBK declared as UTF-8, UTF-16
without a BOM, a UTF-8 BOM contradicting a GBK header, UTF-8 and GBK mixed, and bytes that are
no encoding at all. Nothing crashes; whatever is parsed is valid Unicode in NFC with the chosen
encoding recorded and few replacement characters; what cannot be decoded well is rejected with
reason encoding (never silently wrong text)."""

from __future__ import annotations

import random
import unicodedata

import msgspec
import pytest

from shared.charset import MAX_REPLACEMENT_RATIO
from shared.events import decode
from tests.support.feeding import ledger_for, seed

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]

SEED = "002_096eb810ffb81dcc.txt"


def variants(text: str) -> dict[str, tuple[bytes, str]]:
    half = len(text) // 2
    rng = random.Random(15)
    noise = bytearray(text.encode("utf-8"))
    for i in rng.sample(range(len(noise)), len(noise) // 3):
        noise[i] = rng.choice(b"\x80\xc0\xff\xfe\x9f")
    return {
        "gbk_declared_utf8": (text.encode("gbk", "replace"), "text/plain; charset=utf-8"),
        "utf16_no_bom": (text.encode("utf-16-le"), "text/plain"),
        "bom_contradicts_header": (
            b"\xef\xbb\xbf" + text.encode("utf-8"),
            "text/plain; charset=gbk",
        ),
        "mixed_utf8_gbk": (
            text[:half].encode("utf-8") + text[half:].encode("gbk", "replace"),
            "text/plain",
        ),
        "invalid_sequences": (bytes(noise), "text/plain; charset=utf-8"),
    }


def strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


async def test_odd_encodings_are_decoded_to_nfc_with_the_encoding_recorded_or_rejected(
    pipelines, seeds
):
    p = await pipelines().start("parser", "validator", "indexer")
    ledger = ledger_for(p)
    parser = p.worker("parser")
    pid = parser.pid
    text = unicodedata.normalize("NFC", seeds[SEED].decode("utf-8"))
    sent = {
        name: (await seed(p, ledger, data, f"t15-{name}", content_type=ctype))[0]
        for name, (data, ctype) in variants(text).items()
    }

    snap = await ledger.check(within=60)

    parsed = {
        decode(e.data).ref.doc_id: decode(e.data).report
        for e in snap.docs
        if e.subject.startswith("doc.parsed.")
    }
    outcomes = {}
    for name, event in sent.items():
        outcome = snap.outcome((event.ref.doc_id, event.ref.version))
        outcomes[name] = outcome
        if outcome.startswith("rejected:"):
            assert outcome in ("rejected:parser:encoding", "rejected:parser:parse_error"), (
                name,
                outcome,
            )
            continue
        report = parsed[event.ref.doc_id]
        texts = list(strings(msgspec.to_builtins(report)))
        assert report.encoding, name  # the chosen encoding is recorded
        assert all(unicodedata.is_normalized("NFC", t) for t in texts), name
        body = "".join(texts)
        assert body.count("\ufffd") <= MAX_REPLACEMENT_RATIO * len(body), name
    assert (
        outcomes["invalid_sequences"] == "rejected:parser:encoding"
    )  # a third of the bytes broken
    assert outcomes["mixed_utf8_gbk"] == "rejected:parser:encoding"  # half of it would be mojibake
    # BOM-less UTF-16 is recognised by the parity of its NUL bytes and decoded, not refused as binary.
    assert outcomes["utf16_no_bom"] == "indexed"
    assert parsed[sent["utf16_no_bom"].ref.doc_id].encoding == "utf-16-le"
    assert outcomes["bom_contradicts_header"] == "indexed"  # the BOM wins over the header
    assert outcomes["gbk_declared_utf8"] == "indexed"  # the header is a hint, not a verdict
    assert parser.alive and parser.pid == pid
