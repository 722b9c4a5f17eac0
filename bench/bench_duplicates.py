"""Cost of `nianbao duplicates --year Y` (issue #17 item 4): wall and CPU seconds and the command's
peak RSS over N synthetic reports of one year in a SQLite index.

    .venv/bin/python -m bench.bench_duplicates [--reports 10000] [--copies 0.03] [--keep DIR]
        [--backend sqlite|postgres]

The reports are full 2021-format reports (bench_stores' shape: ≈ 210 random cells, a narrative of
12 sentences drawn from the seed reports), each of its own agency, plus a share `--copies` of
duplicates: half X-002 (another agency's tables and narrative under a new name), half X-001 (an
agency's report published again at another URL with other numbers). The command runs in a child
process (`nianbao duplicates`), its own VmHWM and CPU time read as it exits; it runs twice, the
second time over the findings the first wrote (the nightly rerun).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_stores import sentences
from shared.events import DocFetched, DocRef, DocValidated, doc_id_for
from shared.report import Cell, ParsedReport, Section
from shared.schema import SCHEMAS
from shared.storage.factory import open_search_store

YEAR = 2022
CHUNK = 1_000
CHILD = (
    "import re, resource, sys; from nianbao.cli.main import main; code = main(sys.argv[1:]);"
    " u = resource.getrusage(resource.RUSAGE_SELF);"
    " print('PEAK', re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1),"
    " u.ru_utime + u.ru_stime); sys.exit(code)"
)


def reports(n: int, copies: float, seed: int = 17):
    """(name, agency, report) × n, generated a chunk at a time; copies point at earlier ones."""
    rng = random.Random(seed)
    pool = sentences()
    schema = SCHEMAS["2021"]
    kept: list[ParsedReport] = []  # a sample of earlier reports to copy from
    for i in range(n):
        if kept and rng.random() < copies:
            source = rng.choice(kept)
            if rng.random() < 0.5:  # the same tables and words under another name
                agency = f"第{i}县人民政府"
                tables, sections = source.tables, source.sections
            else:  # published again by the same agency, other numbers
                agency, tables, sections = source.agency_name or "", _tables(rng, schema), {}
                sections = {"overview": Section(title_raw="一、总体情况", text=_text(rng, pool))}
        else:
            agency = f"第{i}县人民政府"
            tables = _tables(rng, schema)
            sections = {"overview": Section(title_raw="一、总体情况", text=_text(rng, pool))}
        report = ParsedReport(
            format_version="2021", report_year=YEAR, agency_name=agency,
            title=f"{agency}{YEAR}年政府信息公开工作年度报告", tables=tables, sections=sections,
            publish_date=f"{YEAR + 1}-{1 + i * 11 // n:02d}-{rng.randint(10, 28)}",
        )  # fmt: skip
        if len(kept) < 2_000 and rng.random() < 0.1:
            kept.append(report)
        yield i, report


def _tables(rng: random.Random, schema) -> dict:
    def num(hi: int) -> Cell:
        v = rng.randint(0, hi)
        return Cell(value=v, raw=str(v), kind="number")

    t2 = {r: {c: num(50) for _, c, _ in schema.t2_cells() if _} for r in schema.t2_row_keys()}
    t3 = {r.key: {c.key: num(30) for c in schema.t3_cols} for r in schema.t3_rows}
    t4 = {g.key: {c.key: num(5) for c in schema.t4_cols} for g in schema.t4_groups}
    return {"active_disclosure": t2, "applications": t3, "review_litigation": t4}


def _text(rng: random.Random, pool: list[str]) -> str:
    return "".join(rng.sample(pool, 12))


def event(i: int, report: ParsedReport) -> DocValidated:
    url = f"http://www.example{i % 500}.gov.cn/art/{YEAR}/{i}.html"
    ref = DocRef(
        doc_id=doc_id_for(url), version=f"{i:064x}", portal=f"p{i % 50}", url=url,
        object_key=f"raw/{i:064x}",
    )  # fmt: skip
    fetched = DocFetched(ref=ref, size=1, agency=report.agency_name, fetched_at=1.7e9 + i)
    return DocValidated(
        ref=ref, report=report, findings=[], status="valid", parser_version="bench",
        validator_version="bench", fetched=fetched,
    )  # fmt: skip


async def fill(url: str, n: int, copies: float) -> None:
    store = await open_search_store(url, migrate=True)
    try:
        batch = []
        for i, report in reports(n, copies):
            batch.append(event(i, report))
            if len(batch) == CHUNK:
                await store.upsert_many(batch)
                batch = []
        if batch:
            await store.upsert_many(batch)
    finally:
        await store.close()


def duplicates(url: str) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MiB, summary line) of one `nianbao duplicates` child."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "duplicates", "--year", str(YEAR), "--search-url", url,
         "--json"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    peak = [ln for ln in done.stdout.splitlines() if ln.startswith("PEAK ")][-1].split()
    summary = done.stderr.strip().splitlines()[-1]
    return wall, float(peak[2]), int(peak[1]) / 1024, summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_duplicates")
    parser.add_argument("--reports", type=int, default=10_000, help="reports of the year")
    parser.add_argument("--copies", type=float, default=0.03, help="share of duplicates")
    parser.add_argument("--keep", help="sqlite: build the index in this directory and keep it")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args([] if argv is None else argv)
    server = None
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        where = Path(args.keep or tmp)
        url = f"sqlite:///{where / 'index.db'}"
        if args.backend == "postgres":
            from tests.support.servers_pg import PgServer  # the tests' throwaway cluster

            server = PgServer()
            url = server.create_database()
        try:
            _bench(url, args, fill_it=server is not None or not (where / "index.db").exists())
        finally:
            if server is not None:
                server.destroy()


def _bench(url: str, args: argparse.Namespace, *, fill_it: bool) -> None:
    if fill_it:
        started = time.perf_counter()
        asyncio.run(fill(url, args.reports, args.copies))
        print(f"indexed {args.reports:,} synthetic reports of {YEAR}"
              f" ({time.perf_counter() - started:,.0f} s)", flush=True)  # fmt: skip
    for run in ("first run", "rerun"):
        wall, cpu, peak, summary = duplicates(url)
        summary = re.sub(r"^\d+: ", "", summary)
        print(f"{args.backend} {run:9}  {wall:,.1f} s wall, {cpu:,.1f} s CPU,"
              f" peak RSS {peak:,.0f} MiB ({wall / args.reports * 1000:.2f} ms/report) — {summary}",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
