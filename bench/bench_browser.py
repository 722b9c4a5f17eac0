"""Browser-rendered columns (services/fetcher/browser.py): what the last resort costs.

For each sample column only a script can page (nianbao/samples/cms.py `script_only`,
`script_post`, `script_inline`; 20 documents, 10 on the static page) the list survey
(`Crawler.survey`: the static pass, then the render) is timed with the browser and with
`render = "static"`, at politeness delay 0 (the cost of rendering itself) and at the default
`min_delay_s` (what a crawl of a real portal waits). Also: one crawl with all three columns
(one Chromium, a tab each) and the memory of Chromium's process tree (PSS, sampled every 0.1 s,
peak), which is what a fetcher pod must leave room for.

Needs Debian's chromium; prints "skipped" without it. Sizes: none (the columns are fixed).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path

PATTERNS = ("script_only", "script_post", "script_inline")


def tree_pss_kib(pid: int) -> int:
    """PSS of `pid` and its descendants (KiB; 0 for processes gone meanwhile)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


async def survey(patterns: tuple[str, ...], render: str, delay: float) -> tuple[float, int, int]:
    """(seconds, documents reached, peak Chromium PSS in KiB) of one survey of `patterns`."""
    from nianbao.samples.cms import CmsPortal
    from services.fetcher.crawl import Crawler
    from services.fetcher.registry import Portal, Registry
    from services.fetcher.state import MemoryUrlState
    from shared.config import load

    portals = [await CmsPortal(p, 20).start() for p in patterns]
    settings = load(env={}, allow_private_hosts=["127.0.0.1"], min_delay_s=delay)
    portal = Portal(
        id="bench", name="示例市", list_urls=[p.list_url for p in portals], render=render
    )
    crawler = Crawler(settings, None, MemoryUrlState(), Registry([portal]))
    peak = 0

    async def sample() -> None:
        nonlocal peak
        while True:
            now = [await asyncio.to_thread(tree_pss_kib, pid) for pid in _chromiums()]
            peak = max(peak, sum(now))
            await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    try:
        result = await crawler.survey(portal, list(portal.list_urls))
    finally:
        elapsed = time.monotonic() - started
        sampler.cancel()
        await crawler.close()
        for p in portals:
            await p.stop()
    return elapsed, result.coverage.reached, peak


def _chromiums() -> list[int]:
    """Pids of the Chromium processes this process started (direct children named chromium)."""
    import os

    me = os.getpid()
    out = []
    for task in Path(f"/proc/{me}/task").iterdir():
        try:  # threads (asyncio.to_thread's) and children come and go while we look
            for child in (task / "children").read_text().split():
                if "chromium" in Path(f"/proc/{child}/comm").read_text():
                    out.append(int(child))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


async def run() -> None:
    for delay in (0.0, 1.0):
        for pattern in PATTERNS:
            static_s, static_n, _ = await survey((pattern,), "static", delay)
            browser_s, browser_n, pss = await survey((pattern,), "auto", delay)
            print(
                f"{pattern:14s} delay {delay:.1f}s: static {static_n}/20 in {static_s:.2f}s, "
                f"with browser {browser_n}/20 in {browser_s:.2f}s "
                f"(+{browser_s - static_s:.2f}s), Chromium peak PSS {pss / 1024:.0f} MiB"
            )
    seconds, reached, pss = await survey(PATTERNS, "auto", 0.0)
    print(
        f"three columns, one crawl, delay 0: {reached}/60 in {seconds:.2f}s, "
        f"Chromium peak PSS {pss / 1024:.0f} MiB"
    )


def main() -> None:
    if shutil.which("chromium") is None:
        print("skipped: no chromium")
        return
    with tempfile.TemporaryDirectory():
        asyncio.run(run())


if __name__ == "__main__":
    main()
