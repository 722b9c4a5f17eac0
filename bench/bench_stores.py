"""Search-store figures at scale: index throughput (reports/s, each with its full 2021-format
tables ≈ 210 cells, findings and ~2 KB of section text) and query latency for a full-text query,
facets and a sum over cells by year — for SQLite and PostgreSQL (a throwaway cluster, as in the
tests), at 50,000 reports by default.

    .venv/bin/python -m bench.bench_stores [--reports N] [--backends sqlite,postgres]

Indexing is measured twice: one `upsert` per report (what the indexer does per message) on the
first slice, then `upsert_many` in batches of 500 (a re-index) for the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from shared.events import DocFetched, DocRef, DocValidated, doc_id_for
from shared.report import Cell, Finding, ParsedReport, Section
from shared.schema import SCHEMAS
from shared.storage.factory import open_search_store

SEEDS = Path(__file__).resolve().parent.parent / "nianbao" / "samples" / "seeds"
SINGLE = 2_000
BATCH = 500
RULES = ("T3-001", "T3-002", "T2-001", "V-002", "S-002", "M-003", "X-001")


def sentences() -> list[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return [
        s for s in re.split(r"(?<=[。；！？])|\n", text) if len(s.strip()) > 8 and "\t" not in s
    ]


def make_events(n: int, seed: int = 7) -> list[DocValidated]:
    rng = random.Random(seed)
    pool = sentences()
    schema = SCHEMAS["2021"]
    agencies = [f"{p}{k}" for p in ("温州市鹿城区", "深圳市南山区", "成都市武侯区", "杭州市西湖区", "北京市海淀区")
                for k in ("人民政府", "经济和信息化局", "教育局", "卫生健康局", "市场监督管理局")]  # fmt: skip
    agencies += [f"第{i}县人民政府" for i in range(2000)]
    events = []
    for i in range(n):
        year = 2008 + i % 17
        agency = agencies[(i // 17) % len(agencies)]
        num = lambda hi: Cell(value=(v := rng.randint(0, hi)), raw=str(v), kind="number")  # noqa: E731
        t2 = {r: {c: num(50) for _, c, _ in schema.t2_cells() if _} for r in schema.t2_row_keys()}
        t3 = {r.key: {c.key: num(30) if rng.random() > 0.05 else Cell(raw="", kind="blank") for c in schema.t3_cols}
              for r in schema.t3_rows}  # fmt: skip
        t4 = {g.key: {c.key: num(5) for c in schema.t4_cols} for g in schema.t4_groups}
        text = "".join(rng.sample(pool, 12))
        url = f"http://www.example{i % 500}.gov.cn/art/{year}/{i}.html"
        ref = DocRef(
            doc_id=doc_id_for(url),
            version=f"{i:064x}",
            portal=f"p{i % 50}",
            url=url,
            object_key=f"raw/{i:064x}",
        )
        report = ParsedReport(
            format_version="2021", report_year=year, agency_name=agency,
            title=f"{agency}{year}年政府信息公开工作年度报告",
            tables={"active_disclosure": t2, "applications": t3, "review_litigation": t4},
            sections={"overview": Section(title_raw="一、总体情况", text=text)},
            publish_date=f"{year + 1}-01-{rng.randint(10, 28)}",
        )  # fmt: skip
        findings = [Finding(rule=rng.choice(RULES), severity="warning", message="bench", cells=["applications.granted.total"])
                    for _ in range(rng.choice((0, 0, 1, 2)))]  # fmt: skip
        fetched = DocFetched(
            ref=ref,
            size=1,
            agency=agency,
            level="county",
            division_code="330302",
            fetched_at=1.7e9 + i,
        )
        events.append(DocValidated(ref=ref, report=report, findings=findings, status="warnings" if findings else "valid",
                                   parser_version="bench", validator_version="bench", fetched=fetched))  # fmt: skip
    return events


async def timed(fn, runs: int = 15) -> float:
    """Median milliseconds of `runs` calls (after one warm-up)."""
    await fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


async def _size_mb(store) -> float:
    if hasattr(store, "pool"):
        return await store.pool.fetchval("SELECT pg_database_size(current_database())") / 1e6
    return (
        sum(p.stat().st_size for p in Path(store.path).parent.glob(Path(store.path).name + "*"))
        / 1e6
    )


async def bench_backend(name: str, url: str, events: list[DocValidated]) -> None:
    store = await open_search_store(url, migrate=True)
    try:
        single = events[: min(SINGLE, len(events))]
        t, cpu = time.perf_counter(), time.process_time()
        for e in single:
            await store.upsert(e)
        single_rate = len(single) / (time.perf_counter() - t)
        cpu_ms = (time.process_time() - cpu) * 1000 / len(single)  # this process only (not PG's)
        rest = events[len(single) :]
        t = time.perf_counter()
        for i in range(0, len(rest), BATCH):
            await store.upsert_many(rest[i : i + BATCH])
        bulk_rate = len(rest) / (time.perf_counter() - t) if rest else float("nan")
        n = await store.count()
        noop = await timed(lambda: store.upsert(events[0]), runs=50)
        fts_common = await timed(lambda: store.search("行政复议", limit=10))
        fts_two = await timed(lambda: store.search("保密 审查", year=2020, limit=10))
        facets = await timed(lambda: store.facets("依申请公开"), runs=5)
        sums = await timed(lambda: store.sum_cells("applications", "new_received", "total"), runs=5)
        sums_agency = await timed(
            lambda: store.sum_cells(
                "applications", "results_total", "total", year=2020, group_by="agency"
            ),
            runs=5,
        )
        get = await timed(lambda: store.get_report(events[len(events) // 2].ref.doc_id), runs=30)
        size = await _size_mb(store)
        print(f"{name:9} reports={n:,} ({size:,.0f} MB)  upsert {single_rate:,.0f}/s  upsert_many {bulk_rate:,.0f}/s"
              f"  (≈{len(events[0].report.tables['applications']) * 7 + 27} cells each;"
              f" {cpu_ms:.1f} ms CPU per upsert in this process)")  # fmt: skip
        print(f"{name:9} no-op upsert {noop:.2f} ms | search '行政复议' top-10 {fts_common:.1f} ms"
              f" | search '保密 审查' year=2020 {fts_two:.1f} ms | facets {facets:.0f} ms")  # fmt: skip
        print(f"{name:9} sum new_received by year {sums:.0f} ms | sum results_total by agency (1 year) "
              f"{sums_agency:.0f} ms | get_report {get:.2f} ms", flush=True)  # fmt: skip
    finally:
        await store.close()


async def thread_overhead(path: str) -> None:
    """What running each sqlite3 call in a worker thread costs versus calling it inline."""
    store = await open_search_store(f"sqlite:///{path}")
    conn = store._connect()  # the same connection, called inline for comparison
    inline = await timed(lambda: asyncio.sleep(0, conn.execute("SELECT 1").fetchone()), runs=2000)
    threaded = await timed(store.ping, runs=2000)
    await store.close()
    print(f"sqlite    call inline {inline * 1000:.0f} µs vs via asyncio.to_thread {threaded * 1000:.0f} µs"
          " (the price of never blocking the event loop on disk)", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_stores")
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args([] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        asyncio.run(thread_overhead(f"{tmp}/overhead.db"))
    t = time.perf_counter()
    events = make_events(args.reports)
    print(
        f"generated {len(events):,} synthetic reports in {time.perf_counter() - t:.1f} s",
        flush=True,
    )
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
            if backend == "sqlite":
                asyncio.run(bench_backend("sqlite", f"sqlite:///{tmp}/index.db", events))
            elif backend == "postgres":
                from tests.support.servers_pg import (
                    PgServer,  # the same throwaway cluster the tests use
                )

                server = PgServer()
                try:
                    asyncio.run(bench_backend("postgres", server.create_database(), events))
                finally:
                    server.destroy()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
