"""Data-out figures (issue #15): export throughput (reports/s) to Parquet and CSV from SQLite and
PostgreSQL, with the exporting process's peak RSS, and the web view's latency (p50/p95) for the
search query and a report page — on synthetic full 2021-format reports (bench_stores.make_events:
≈ 210 cells, findings, ~2 KB of text each), 50,000 by default.

    .venv/bin/python -m bench.bench_export [--reports N] [--backends sqlite,postgres]
        [--formats parquet,csv] [--requests 60]

Each export runs as `nianbao export` in a child process (its own peak RSS, as the kernel counts
it); the web view runs as `nianbao web --db <snapshot>` and is requested over HTTP on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.bench_stores import BATCH, make_events
from shared.storage.factory import open_search_store

CHILD = (
    "import re, sys; from nianbao.cli.main import main; code = main(sys.argv[1:]);"
    " print('PEAK', re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1));"
    " sys.exit(code)"
)
PHRASES = ("依申请公开", "行政复议", "政府信息公开工作", "主动公开")


async def fill(url: str, events) -> None:
    store = await open_search_store(url, migrate=True)
    try:
        for i in range(0, len(events), BATCH):
            await store.upsert_many(events[i : i + BATCH])
    finally:
        await store.close()


def export(url: str, fmt: str, out: Path) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one `nianbao export` child."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "export", "--format", fmt, "--output", str(out),
         "--search-url", url],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    peak = [ln for ln in done.stdout.splitlines() if ln.startswith("PEAK ")][-1]
    return seconds, int(peak.split()[1]) / 1024


def percentiles(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=20)
    return statistics.median(samples), q[18]


def web_latency(db: Path, doc_ids: list[str], requests: int) -> None:
    from tests.support.servers_pg import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli.main", "web", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/web", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        rng = random.Random(3)
        for name, url in (
            ("search", lambda: f"{base}/web/search?q={urllib.parse.quote(rng.choice(PHRASES))}"),
            ("report page", lambda: f"{base}/-/nianbao/report/{rng.choice(doc_ids)}"),
        ):
            urllib.request.urlopen(url(), timeout=60).read()  # warm
            samples = []
            for _ in range(requests):
                t = time.perf_counter()
                urllib.request.urlopen(url(), timeout=60).read()
                samples.append((time.perf_counter() - t) * 1000)
            p50, p95 = percentiles(samples)
            print(
                f"web {name:11}  p50 {p50:,.0f} ms  p95 {p95:,.0f} ms  ({requests} requests)",
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_export")
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--formats", default="parquet,csv")
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args([] if argv is None else argv)
    events = make_events(args.reports)
    doc_ids = [e.ref.doc_id for e in events[:: max(1, len(events) // 500)]]
    print(f"generated {len(events):,} synthetic reports", flush=True)
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        for backend in args.backends.split(","):
            server = None
            if backend == "sqlite":
                url = f"sqlite:///{tmp}/index.db"
            else:
                from tests.support.servers_pg import PgServer  # the tests' throwaway cluster

                server = PgServer()
                url = server.create_database()
            try:
                asyncio.run(fill(url, events))
                for fmt in args.formats.split(","):
                    seconds, peak = export(url, fmt, Path(tmp) / f"{backend}-{fmt}")
                    print(f"export {backend:8} → {fmt:7}  {len(events) / seconds:,.0f} reports/s"
                          f"  ({seconds:,.1f} s)  peak RSS {peak:,.0f} MiB", flush=True)  # fmt: skip
                if backend == "sqlite":
                    snapshot = Path(tmp) / "web.db"
                    seconds, peak = export(url, "sqlite", snapshot)
                    print(f"export sqlite   → snapshot {len(events) / seconds:,.0f} reports/s"
                          f"  peak RSS {peak:,.0f} MiB", flush=True)  # fmt: skip
                    web_latency(snapshot, doc_ids, args.requests)
            finally:
                if server is not None:
                    server.destroy()


if __name__ == "__main__":
    main(sys.argv[1:])
