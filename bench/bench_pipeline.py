"""End-to-end pipeline throughput, doc.fetched → doc.indexed, on a real nats-server.

5,000 reports are generated from the five seeds with varied numbers (every number in a table line
replaced by a random one, the agency renamed so each report is distinct), stored in a file object
store and published as doc.fetched. The stages run as separate processes (`nianbao serve`), as
on Kubernetes: `--parsers` parser replicas share the parser durable, one validator, one indexer
(SQLite), each with NIANBAO_MAX_WORKERS=4 (`--workers`); the indexer takes max(max_workers,
index_batch) messages per fetch (`--index-batch`, default the setting's 64) and writes them in one
transaction (shared.storage.batching). Prints:

- throughput: reports/s from the first publish to the last doc.indexed;
- per stage: messages, mean / p50 / p99 handler seconds (from each process's
  nianbao_processing_seconds histogram), and the in-process cost of parse() and validate();
- CPU ms per report of each stage's processes and of nats-server (utime + stime from /proc, from
  start-up to the last doc.indexed, divided by the reports: what the 2 cores are spent on);
- latency of a report through each stage hop (emitted_at differences; under a backlog this is
  mostly queueing).

`--profile DIR` runs every stage process under bench/cpuprofile.py (cProfile timed by CPU, not wall
clock) and leaves one .prof per process in DIR — slower, so compare shares, not rates.

`--scans K` publishes K one-page image-only scans (150 dpi, nianbao.samples.scans) before the
text reports and runs one OCR stage process (`nianbao serve ocr`, one OCR child): the throughput
line is then the text reports' alone (the issue's "must not drop while scans are being read"), and
the scans' own time is printed after it.

Usage: python -m bench.bench_pipeline [--reports 5000] [--parsers 2] [--workers 4] [--index-batch 64]
       [--profile DIR] [--scans K]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nats

from nianbao.embedded.feed import fetched_event, fetched_outgoing, store_bytes
from nianbao.embedded.natsd import NatsServer, free_port
from shared import topology
from shared.config import Settings, load
from shared.events import decode, encode
from shared.runtime.publish import MSG_ID_HEADER, stamped
from shared.storage.factory import open_object_store

SEEDS = Path(__file__).resolve().parent.parent / "nianbao" / "samples" / "seeds"
_TABLE_LINE = re.compile(r"[\t|]")
LOGS: Path | None = None
_NUMBER = re.compile(r"(?<![\d.])\d{1,4}(?![\d.年月日号])")


def vary(text: str, rng: random.Random, i: int) -> str:
    """The seed with table numbers varied and the agency renamed (report i)."""
    lines = []
    for line in text.splitlines():
        if _TABLE_LINE.search(line) or line.strip().isdigit():
            line = _NUMBER.sub(lambda m: str(rng.randint(0, 60)), line)
        lines.append(line)
    out = "\n".join(lines)
    return out.replace("局", f"第{i}局", 1)


def generate(n: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return [vary(texts[i % len(texts)], rng, i).encode("utf-8") for i in range(n)]


def _quantile(buckets: list[tuple[float, float]], q: float) -> float:
    """Quantile from cumulative Prometheus buckets [(le, count)], linear inside a bucket."""
    total = buckets[-1][1]
    if total == 0:
        return 0.0
    rank, prev_le, prev_c = q * total, 0.0, 0.0
    for le, c in buckets:
        if c >= rank:
            if le == float("inf"):
                return prev_le
            return prev_le + (le - prev_le) * ((rank - prev_c) / max(c - prev_c, 1e-9))
        prev_le, prev_c = le, c
    return prev_le


def scrape(port: int, stage: str) -> dict:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    buckets, total, count = [], 0.0, 0.0
    for line in text.splitlines():
        if not line.startswith("nianbao_processing_seconds") or f'stage="{stage}"' not in line:
            continue
        value = float(line.rsplit(" ", 1)[1])
        if "_bucket" in line:
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float("inf") if le == "+Inf" else float(le), value))
        elif "_sum" in line:
            total = value
        elif "_count" in line:
            count = value
    return {"buckets": buckets, "sum": total, "count": count}


def make_scans(k: int) -> list[bytes]:
    """k one-page image-only PDFs: page 1 of synthetic 2021 reports scanned at 150 dpi."""
    from nianbao.samples.scans import as_image_pdf, scan_pages
    from nianbao.samples.synth import synth_report

    return [as_image_pdf(scan_pages(synth_report("2021", i), dpi=150)[:1], 150) for i in range(k)]


async def stored_events(
    settings, docs: list[bytes], portal: str = "bench", kind: str = "txt"
) -> list:
    """The documents put in the object store, as the doc.fetched events that name them."""
    content_type = {"txt": "text/plain", "pdf": "application/pdf"}[kind]
    objects = await open_object_store(settings=settings)
    try:
        events = [
            fetched_event(d, f"http://bench.local/{portal}/{i}.{kind}", portal, content_type)
            for i, d in enumerate(docs)
        ]
        for e, d in zip(events, docs, strict=True):
            await store_bytes(objects, e, d)
        return events
    finally:
        await objects.close()


async def publish_fetched(js, events: list) -> None:
    """Publish the doc.fetched events, 500 PubAcks awaited at a time."""
    outs = list(map(fetched_outgoing, events))
    for i in range(0, len(outs), 500):
        await asyncio.gather(
            *(
                js.publish(o.subject, encode(stamped(o.event)), headers={MSG_ID_HEADER: o.msg_id})
                for o in outs[i : i + 500]
            )
        )


def start_stages(
    work: Path,
    nats_url: str,
    parsers: int,
    workers: int,
    index_batch: int,
    profile: str | None = None,
    ocr: int = 0,
) -> list[tuple[str, int, subprocess.Popen]]:
    """`nianbao serve` processes: `parsers` parsers, `ocr` OCR stages, a validator and an indexer
    (stage, port, proc); under bench/cpuprofile.py when `profile` names a directory."""
    env = {
        **os.environ,
        "NIANBAO_NATS_URL": nats_url,
        "NIANBAO_DATA_DIR": str(work / "data"),
        "NIANBAO_MAX_WORKERS": str(workers),
        "NIANBAO_INDEX_BATCH": str(index_batch),
        "NIANBAO_LOG_LEVEL": "WARNING",
    }
    procs = []
    for stage in ["parser"] * parsers + ["ocr"] * ocr + ["validator", "indexer"]:
        port = free_port()
        prof = ["-m", "bench.cpuprofile", f"{profile}/{stage}-{port}.prof"] if profile else []
        # one OCR child per OCR process (as deploy/k8s/base/ocr.yaml): ~1.3 GiB each
        own = {"NIANBAO_MAX_WORKERS": "1"} if stage == "ocr" else {}
        p = subprocess.Popen(
            [sys.executable, *prof, "-m", "nianbao.cli.main", "serve", stage],
            env={**env, **own, "NIANBAO_HTTP_PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=(work / f"{stage}-{port}.log").open("w"),
        )
        procs.append((stage, port, p))
    return procs


def stop_processes(procs) -> None:
    """Terminate the stage processes, then kill whichever does not exit within 30 s."""
    procs = list(procs)
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process and its live descendants (Linux /proc), in seconds: the
    parse and OCR children of the sandbox (forkserver → worker) do a stage's heavy work."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except (OSError, IndexError, ValueError):
                continue  # exited meanwhile
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for p in tree:
        try:
            fields = _stat(p)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def merge(scrapes: list[dict]) -> dict:
    les = [le for le, _ in scrapes[0]["buckets"]]
    return {
        "buckets": [(le, sum(s["buckets"][i][1] for s in scrapes)) for i, le in enumerate(les)],
        "sum": sum(s["sum"] for s in scrapes),
        "count": sum(s["count"] for s in scrapes),
    }


def inprocess_costs(docs: list[bytes], k: int = 50) -> dict[str, float]:
    from services.parser import parse
    from services.validator import validate

    t0 = time.perf_counter()
    reports = [parse(d, source_url=None, content_type="text/plain") for d in docs[:k]]
    t1 = time.perf_counter()
    for r in reports:
        validate(r)
    t2 = time.perf_counter()
    from shared.events import DocParsed

    ev = [
        encode(DocParsed(ref=fetched_event(d, f"http://b/{i}").ref, report=r))
        for i, (d, r) in enumerate(zip(docs[:k], reports, strict=True))
    ]
    t3 = time.perf_counter()
    for e in ev:
        decode(e)
    t4 = time.perf_counter()
    return {
        "parse": (t1 - t0) / k,
        "validate": (t2 - t1) / k,
        "encode DocParsed": (t3 - t2) / k,
        "decode DocParsed": (t4 - t3) / k,
        "DocParsed bytes": sum(map(len, ev)) / k,
    }


async def run(
    n: int,
    parsers: int,
    workers: int = 4,
    index_batch: int | None = None,
    profile: str | None = None,
    scans: int = 0,
) -> None:
    """`profile`: a directory for one CPU-timed cProfile per stage process (bench/cpuprofile.py);
    `scans`: image-only scans published first, read by one OCR stage process."""
    index_batch = Settings().index_batch if index_batch is None else index_batch
    global LOGS
    work = LOGS = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    server = NatsServer(store_dir=work / "nats", port=free_port()).start()
    procs: list[tuple[str, int, subprocess.Popen]] = []
    try:
        settings = load(env={}, nats_url=server.url, data_dir=str(work / "data"))
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await topology.apply(js, settings)
        docs = generate(n)
        print(
            f"generated {n} reports from {len(list(SEEDS.glob('*.txt')))} seeds "
            f"({sum(map(len, docs)) / n / 1024:.1f} KiB each)"
        )
        costs = inprocess_costs(docs)
        events = await stored_events(settings, docs)
        scan_events = await stored_events(settings, make_scans(scans), "scans", "pdf")
        procs = start_stages(
            work, server.url, parsers, workers, index_batch, profile, ocr=1 if scans else 0
        )
        await _wait_ready([port for _, port, _ in procs])

        cpu_before = {p.pid: cpu_seconds(p.pid) for _, _, p in procs}
        cpu_before[server.proc.pid] = cpu_seconds(server.proc.pid)
        started = time.time()
        await publish_fetched(js, scan_events)  # first: the text reports must not wait for them
        await publish_fetched(js, events)
        published = time.time()
        deadline = time.monotonic() + 900
        while (indexed := await _count(js, "doc.indexed.bench")) + (
            rejected := await _count(js, "doc.rejected.>")
        ) < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {indexed} indexed and {rejected} rejected after 900 s")
            await asyncio.sleep(0.25)
        done = time.time()
        cpu: dict[str, float] = {}
        for stage, _, p in procs:
            if stage != "ocr":
                cpu[stage] = cpu.get(stage, 0.0) + cpu_seconds(p.pid) - cpu_before[p.pid]
        cpu["nats-server"] = cpu_seconds(server.proc.pid) - cpu_before[server.proc.pid]
        scans_left_at_done = scans - await _count(js, "doc.indexed.scans")
        while scans and await _count(js, "doc.indexed.scans") < scans:
            if time.monotonic() > deadline:
                raise RuntimeError("scans not indexed after 900 s")
            await asyncio.sleep(0.5)
        scans_done = time.time()
        ocr_cpu = sum(cpu_seconds(p.pid) - cpu_before[p.pid] for st, _, p in procs if st == "ocr")
        hops = await _hops(js)
        scraped = {stage: [] for stage, _, _ in procs}  # in start order, each stage once
        for stage, port, _ in procs:
            scraped[stage].append(scrape(port, stage))
        for _, _, p in procs:
            p.send_signal(signal.SIGUSR1 if profile else signal.SIGTERM)
        if profile:  # stats of the run itself, not of the shutdown
            await asyncio.sleep(2)
            for _, _, p in procs:
                p.terminate()
        for _, _, p in procs:
            p.wait(30)
        await nc.close()
        noop_rate = await broker_path(
            server.url, load(env={}, nats_url=server.url, max_workers=4), events, 5000
        )
    finally:
        stop_processes(p for _, _, p in procs)
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    elapsed = done - started
    print(f"\nindexed {indexed}, rejected {rejected}")
    print(
        f"throughput: {n} reports in {elapsed:.1f} s = {n / elapsed:.0f} reports/s end to end "
        f"({parsers} parser process(es), 1 validator, 1 indexer; publishing took {published - started:.1f} s)"
    )
    if scans:
        print(
            f"scans: {scans} one-page image-only scans published before the text reports; "
            f"{scans_left_at_done} still unread when the last text report was indexed; all "
            f"indexed after {scans_done - started:.1f} s (1 OCR process, 1 OCR child; "
            f"{ocr_cpu / scans:.1f} s CPU per scan, not in the CPU per report below)"
        )
    print("\nper stage, handler time (from nianbao_processing_seconds):")
    print(f"  {'stage':<10}{'messages':>9}{'mean ms':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for stage, scrapes in scraped.items():
        h = merge(scrapes)
        mean = h["sum"] / h["count"] * 1000 if h["count"] else 0
        print(
            f"  {stage:<10}{int(h['count']):>9}{mean:>9.2f}{_quantile(h['buckets'], 0.5) * 1000:>9.2f}"
            f"{_quantile(h['buckets'], 0.99) * 1000:>9.2f}"
        )
    print(
        "\nCPU per report (all processes of the stage, start of publishing to the last doc.indexed):"
    )
    for name, secs in cpu.items():
        print(f"  {name:<12}{secs / n * 1000:>8.2f} ms")
    print(
        f"  {'total':<12}{sum(cpu.values()) / n * 1000:>8.2f} ms  (2 cores → at most "
        f"{2 * n / max(sum(cpu.values()), 1e-9):.0f} reports/s)"
    )
    print(
        f"\nbroker path of one stage (pull + decode + ack, no-op handler, in-process): {noop_rate:.0f} msg/s"
    )
    print("\nin-process cost per report (one core):")
    for k, v in costs.items():
        print(f"  {k:<18}{v:>10.0f} B" if k.endswith("bytes") else f"  {k:<18}{v * 1000:>10.2f} ms")
    print("\nlatency per hop under the 5k backlog (emitted_at differences, queueing included):")
    for hop, values in hops.items():
        values.sort()
        print(
            f"  {hop:<22} p50 {statistics.median(values) * 1000:8.0f} ms   "
            f"p99 {values[int(len(values) * 0.99) - 1] * 1000:8.0f} ms"
        )


async def broker_path(server_url: str, settings, events, n: int) -> float:
    """msg/s of one stage's runtime (FastStream pull + acking + ack) with a no-op handler."""
    from shared.runtime.service import Service, StageDeps

    async def noop(_event):
        return []

    async def build(_settings, _service):
        return StageDeps(handler=noop)

    nc = await nats.connect(server_url)
    js = nc.jetstream()
    await js.purge_stream("DOCS")
    await js.delete_consumer("DOCS", "parser")
    await topology.apply(js, settings)
    n = min(n, len(events))
    outs = list(map(fetched_outgoing, events[:n]))
    for i in range(0, len(outs), 500):
        await asyncio.gather(
            *(
                js.publish(
                    o.subject,
                    encode(o.event),
                    headers={MSG_ID_HEADER: f"noop{settings.max_workers}:" + o.msg_id},
                )
                for o in outs[i : i + 500]
            )
        )
    last = (await js.stream_info("DOCS")).state.last_seq  # purging keeps the sequence numbering
    service = Service("parser", settings, build, http_port=0)
    started = time.perf_counter()
    await service.start()
    while (await js.consumer_info("DOCS", "parser")).ack_floor.stream_seq < last:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    await service.stop()
    await nc.close()
    return n / elapsed


async def _wait_ready(ports: list[int], within: float = 180) -> None:
    deadline = time.monotonic() + within
    for port in ports:
        while True:
            try:
                url = f"http://127.0.0.1:{port}/readyz"
                if urllib.request.urlopen(url, timeout=2).status == 200:  # noqa: ASYNC210
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the service on port {port} did not become ready (logs in {LOGS})"
                )
            await asyncio.sleep(0.2)


async def _count(js, subject: str) -> int:
    info = await js.stream_info("DOCS", subjects_filter=subject)
    return sum((info.state.subjects or {}).values())


async def _hops(js) -> dict[str, list[float]]:
    """emitted_at per doc and stage, read back from the stream with an ephemeral consumer."""
    stamps: dict[str, dict[str, float]] = {}
    sub = await js.pull_subscribe("doc.>", stream="DOCS")
    try:
        while True:
            try:
                msgs = await sub.fetch(500, timeout=1)
            except (TimeoutError, nats.errors.TimeoutError):
                break
            for m in msgs:
                ev = decode(m.data)
                ref = getattr(ev, "ref", None)
                if ref is not None:
                    stamps.setdefault(ref.doc_id, {})[m.subject.split(".")[1]] = ev.emitted_at
                await m.ack()
    finally:
        await sub.unsubscribe()
    hops: dict[str, list[float]] = {
        "fetched → parsed": [],
        "parsed → validated": [],
        "validated → indexed": [],
        "fetched → indexed": [],
    }
    pairs = {
        "fetched → parsed": ("fetched", "parsed"),
        "parsed → validated": ("parsed", "validated"),
        "validated → indexed": ("validated", "indexed"),
        "fetched → indexed": ("fetched", "indexed"),
    }
    for st in stamps.values():
        for hop, (a, b) in pairs.items():
            if a in st and b in st:
                hops[hop].append(st[b] - st[a])
    return hops


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--parsers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="NIANBAO_MAX_WORKERS of every stage")
    parser.add_argument(
        "--index-batch",
        type=int,
        default=Settings().index_batch,
        help="NIANBAO_INDEX_BATCH of the indexer",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="run each stage under cProfile, stats in DIR "
        "(slower: compare the shares, not the rate)",
    )
    parser.add_argument(
        "--scans",
        type=int,
        default=0,
        help="one-page image-only scans published before the text reports (one OCR process)",
    )
    args = parser.parse_args(argv if argv is not None else [])
    profile = None
    if args.profile:
        profile = str(Path(args.profile).resolve())
        Path(profile).mkdir(parents=True, exist_ok=True)
    asyncio.run(
        run(args.reports, args.parsers, args.workers, args.index_batch, profile, args.scans)
    )


if __name__ == "__main__":
    main(sys.argv[1:])
