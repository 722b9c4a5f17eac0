"""Fetcher figures: pages/s over many loopback hosts with politeness at zero delay, memory per
10,000 tracked URLs (URL state records), and the time to re-check 10,000 unchanged URLs with
conditional GETs (every answer a 304), with the state in memory and in a real JetStream KV bucket.

The portals run in a separate process (tests/support/fakeportal.py servers on 127.0.0.1…127.0.0.H), so
server and crawler do not share one GIL; they still share the machine's cores, so these are
lower bounds for the crawler. Sizes: NIANBAO_BENCH_HOSTS (default 10) × NIANBAO_BENCH_REPORTS
(default 1000) report URLs.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PER_PAGE = 20


def serve(hosts: int, reports: int) -> None:
    """Child process: H fake portals, each a paginated column of `reports` reports with ETags."""
    sys.path.insert(0, str(ROOT))
    from tests.support.fakeportal import FakePortal, Reply, article, list_page

    pages = -(-reports // PER_PAGE)
    portals = []
    for h in range(hosts):
        p = FakePortal(f"127.0.0.{h + 1}").start()
        p.add("/robots.txt", Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
        for n in range(pages):
            links = [
                (f"./t2022012{i % 9}_{i}.html", f"某{h}县第{i}单位2021年政府信息公开工作年度报告")
                for i in range(n * PER_PAGE, min(reports, (n + 1) * PER_PAGE))
            ]
            p.add(
                f"/nb/{'index' if n == 0 else f'index_{n}'}.html",
                Reply(body=list_page(links, count_page=pages)),
            )
            for i in range(n * PER_PAGE, min(reports, (n + 1) * PER_PAGE)):
                body = article(
                    f"某{h}县第{i}单位2021年政府信息公开工作年度报告", "<p>一、总体情况</p>" * 40
                )
                p.add(f"/nb/t2022012{i % 9}_{i}.html", Reply(body=body, etag=f'"{h}-{i}"'))
        portals.append(p)
    print(" ".join(p.url for p in portals), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    for p in portals:
        p.stop()


async def crawl_all(crawler, registry) -> tuple[int, float]:
    from shared.events import CrawlDue

    async def one(portal_id: str) -> int:
        return len([e async for e in crawler.crawl(CrawlDue(portal=portal_id, slot="bench"))])

    started = time.perf_counter()
    counts = await asyncio.gather(*(one(p.id) for p in registry))
    return sum(counts), time.perf_counter() - started


async def run(urls: list[str], reports: int, tmp: Path) -> None:
    import nats

    from nianbao.embedded.natsd import NatsServer, free_port
    from services.fetcher.crawl import Crawler
    from services.fetcher.registry import Portal, Registry
    from services.fetcher.state import MemoryUrlState, UrlState
    from services.fetcher.state import decode as decode_record
    from shared import metrics, topology
    from shared.config import load
    from shared.storage.files import FileObjectStore

    hosts = [u.split("//", 1)[1].split(":", 1)[0] for u in urls]
    settings = load(env={}, allow_private_hosts=hosts, min_delay_s=0.0, per_host_concurrency=2)
    pages = -(-reports // PER_PAGE)
    registry = Registry(
        [
            Portal(
                id=f"h{i}",
                name=f"某{i}县人民政府",
                list_urls=[u + "/nb/index.html"],
                max_pages=pages + 5,
            )
            for i, u in enumerate(urls)
        ]
    )
    total_urls = len(urls) * reports
    requests = metrics.HTTP_REQUESTS

    def requests_made() -> float:
        return sum(
            requests.labels(c, s)._value.get()
            for c in ("public", "allowed_private")
            for s in ("2xx", "3xx", "4xx", "5xx")
        )  # noqa: SLF001

    # 1. first crawl: every page new → stored → DocFetched
    state = MemoryUrlState()
    crawler = Crawler(settings, FileObjectStore(tmp / "objects"), state, registry)
    before = requests_made()
    emitted, took = await crawl_all(crawler, registry)
    made = requests_made() - before
    print(
        f"first crawl: {len(urls)} hosts, {made:.0f} requests ({emitted} new reports) in {took:.2f}s = {made / took:.0f} pages/s"
    )

    # 2. re-check everything: conditional GETs, all 304
    emitted, took = await crawl_all(crawler, registry)
    print(
        f"re-check {total_urls} unchanged URLs (memory state): {took:.2f}s = {total_urls / took:.0f} URLs/s, {emitted} emitted"
    )
    await crawler.close()

    # 3. memory per 10,000 tracked URLs
    sizes = [len(v) for v in state.data.values()]
    per10k = sum(sizes) / len(sizes) * 10_000
    tracemalloc.start()
    copy = MemoryUrlState()
    for k, v in state.data.items():
        await copy.put(k, decode_record(v))
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"URL state: {sum(sizes) / len(sizes):.0f} B/record encoded = {per10k / 2**20:.2f} MiB per 10k URLs; in-process map {held / len(sizes) * 10_000 / 2**20:.2f} MiB per 10k"
    )

    # 4. the same re-check with the state in a real JetStream KV bucket
    server = NatsServer(store_dir=tmp / "nats", port=free_port()).start()
    try:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await topology.apply(js, settings)
        kv_state = UrlState(js)
        started = time.perf_counter()
        for key, value in state.data.items():
            await (await kv_state._store()).put(key, value)
        print(f"KV load of {len(state.data)} records: {time.perf_counter() - started:.2f}s")
        info = await js.stream_info("KV_fetch_state")
        print(
            f"KV bucket: {info.state.bytes / len(state.data) * 10_000 / 2**20:.2f} MiB stored per 10k URLs"
        )
        crawler = Crawler(settings, FileObjectStore(tmp / "objects"), kv_state, registry)
        emitted, took = await crawl_all(crawler, registry)
        print(
            f"re-check {total_urls} unchanged URLs (JetStream KV state): {took:.2f}s = {total_urls / took:.0f} URLs/s, {emitted} emitted"
        )
        await crawler.close()
        await nc.close()
    finally:
        server.stop()


def main() -> None:
    hosts = int(os.environ.get("NIANBAO_BENCH_HOSTS", "10"))
    reports = int(os.environ.get("NIANBAO_BENCH_REPORTS", "1000"))
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.bench_fetcher import serve; serve({hosts}, {reports})",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        urls = child.stdout.readline().split()
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(run(urls, reports, Path(tmp)))
    finally:
        child.stdin.close()
        child.wait(30)


if __name__ == "__main__":
    main()
