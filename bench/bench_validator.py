"""Validator throughput on one core (CPU time, so other load on the machine matters less): `validate()` per report, `validate_pair()`, and
`find_duplicates()` over a batch (MinHash candidates), on synthetic non-zero reports, the seeds and
the end-to-end benchmark's input (`bench.bench_pipeline.generate(300)` parsed as the pipeline
does: random table numbers, so ~45 findings per report; best of 3 passes).

    .venv/bin/python -m bench bench_validator
"""

from __future__ import annotations

import random
import time

from services.validator import find_duplicates, validate, validate_pair
from shared.config import Settings
from shared.report import Section


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s ({seconds * 1000 / n:.3f} ms each)"


def _reports(n: int):
    from nianbao.samples.synth import synth_report

    return [synth_report("2021" if i % 2 else "2019", i) for i in range(n)]


def main() -> None:
    settings = Settings()
    reports = _reports(400)
    for r in reports[:20]:
        validate(r, settings=settings)  # warm caches / regex compilation
    t = time.process_time()
    rounds = 5
    for _ in range(rounds):
        for r in reports:
            validate(r, settings=settings)
    print(
        f"validate (synthetic, 2019+2021): {_rate(rounds * len(reports), time.process_time() - t)}"
    )

    try:
        from services.parser.api import parse
    except ImportError:
        parse = None
    if parse is not None:
        from pathlib import Path

        seed_dir = Path(__file__).resolve().parent.parent / "nianbao" / "samples" / "seeds"
        parsed = [parse(p.read_bytes()) for p in sorted(seed_dir.glob("*.txt"))]
        t = time.process_time()
        for _ in range(200):
            for r in parsed:
                validate(r, settings=settings)
        print(f"validate (parsed seeds): {_rate(200 * len(parsed), time.process_time() - t)}")

        from bench.bench_pipeline import generate

        bench_input = [parse(d, source_url=None, content_type="text/plain") for d in generate(300)]
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            for r in bench_input:
                validate(r, settings=settings)
            best = min(best, time.process_time() - t)
        n_findings = sum(len(validate(r, settings=settings)) for r in bench_input) / len(
            bench_input
        )
        print(
            f"validate (bench_pipeline input, {n_findings:.0f} findings each, best of 3): {_rate(len(bench_input), best)}"
        )

    pairs = []
    for a, b in zip(reports[1::2], reports[3::2], strict=False):
        b.report_year = (a.report_year or 2021) + 1
        pairs.append((a, b))
    t = time.process_time()
    for a, b in pairs:
        validate_pair(a, b)
    print(f"validate_pair: {_rate(len(pairs), time.process_time() - t)}")

    rng = random.Random(1)
    batch = _reports(2000)
    for i, r in enumerate(
        batch
    ):  # distinct agencies and narratives (synthetic text is one template: all 雷同)
        r.agency_name = f"测试市第{i}区财政局"
        for key in ("overview", "problems", "other_matters"):
            r.sections[key] = Section(
                key, "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(600))
            )
    t = time.process_time()
    found = find_duplicates(batch)
    print(
        f"find_duplicates over {len(batch)} reports: {time.process_time() - t:.2f} s, {len(found)} pairs flagged"
    )


if __name__ == "__main__":
    main()
