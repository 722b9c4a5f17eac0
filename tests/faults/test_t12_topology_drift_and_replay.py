"""T12 — (i) code that wants another max_deliver than the existing durable has: `nianbao topology
check` reports the drift (exit 1) and a worker running that code is not ready (/readyz 503) —
no silent acceptance. (ii) `nianbao replay doc.fetched --since T` while the pipeline runs: the
selected docs are parsed again under replay Msg-Ids (not swallowed by the dedup window), the
re-parsed reports are byte-identical, and the index keeps one row per doc."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime

import msgspec
import pytest

from shared.events import REPLAY_HEADER, decode
from tests.support.feeding import ledger_for, seed
from tests.support.harness import ROOT, env_of, until

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(180)]


def cli(p, *args, **settings) -> subprocess.CompletedProcess:
    env = env_of(**{**p.settings, **settings})
    return subprocess.run(
        [sys.executable, "-m", "nianbao.cli.main", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_a_changed_max_deliver_is_reported_as_drift_and_fails_readiness(pipelines):
    p = await pipelines(max_deliver=6).start("parser")
    assert (await asyncio.to_thread(cli, p, "topology", "check")).returncode == 0

    drifted = await asyncio.to_thread(cli, p, "topology", "check", max_deliver=9)
    worker = await p.spawn("parser", name="parser-new-code", max_deliver=9).started()
    status, body = await asyncio.to_thread(worker.get, "/readyz")

    assert drifted.returncode == 1 and "max_deliver: want 9, have 6" in drifted.stderr
    assert status == 503 and "max_deliver: want 9, have 6" in body
    assert (await asyncio.to_thread(p.workers[0].get, "/readyz"))[
        0
    ] == 200  # the old code sees no drift: still ready


async def test_a_replay_since_t_reprocesses_the_selection_byte_identically_without_duplicates(
    pipelines, seeds
):
    p = await pipelines().start("parser", "validator", "indexer")
    ledger = ledger_for(p)
    names = sorted(seeds)
    await seed(p, ledger, seeds[names[0]], "old")
    await ledger.settle(within=60)
    time.sleep(1.1)  # noqa: ASYNC251 - a clear boundary in the stream's timestamps (second resolution)
    since = datetime.now(UTC).isoformat()
    replayed = [(await seed(p, ledger, seeds[n], f"new-{i}"))[0] for i, n in enumerate(names[1:])]
    before = await ledger.settle(within=60)

    done = await asyncio.to_thread(
        cli, p, "replay", "doc.fetched.>", "--since", since, "--no-progress"
    )
    await until(lambda: _parsed_replays(ledger, len(replayed)), 60, 0.2, "replayed docs parsed")
    after = await ledger.check(within=60)

    assert done.returncode == 0, done.stderr
    copies = [
        e for e in after.docs if e.subject.startswith("doc.fetched.") and REPLAY_HEADER in e.headers
    ]
    assert sorted(decode(e.data).ref.doc_id for e in copies) == sorted(
        e.ref.doc_id for e in replayed
    )
    originals, again = _parsed_by_doc(after, replay=False), _parsed_by_doc(after, replay=True)
    assert set(again) == {e.ref.doc_id for e in replayed}
    assert all(again[d] == originals[d] for d in again)  # parsing is deterministic
    assert after.index == before.index and len(after.index) == len(seeds)


async def _parsed_replays(ledger, n):
    snap = await ledger.snapshot()
    return len(_parsed_by_doc(snap, replay=True)) == n and snap.idle()


def _parsed_by_doc(snap, replay: bool) -> dict[str, bytes]:
    out = {}
    for e in snap.docs:
        if e.subject.startswith("doc.parsed.") and (REPLAY_HEADER in e.headers) == replay:
            event = decode(e.data)
            out[event.ref.doc_id] = msgspec.json.encode(event.report)
    return out
