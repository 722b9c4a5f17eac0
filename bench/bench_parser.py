"""Parser throughput per input kind, parse + validate, on one core; and peak memory.

Throughput is per CPU-second (time.process_time), so figures stay comparable on a loaded shared
machine; wall-clock rate is printed alongside. Peak RSS (ru_maxrss, whole process, inputs
included) is printed after each kind: it only grows, so a jump shows which kind needs the memory.

Inputs are synthetic 2021/2019 reports (non-zero numbers) rendered by nianbao/samples/render.py:
text (the four seed linearisations), HTML portal pages (UTF-8 and undeclared GBK), DOCX, PDF
(text layer, 2–3 pages each; figure in pages/s) and XLSX. Targets: HTML and text
≥ 200 reports/s, DOCX ≥ 50/s, text PDFs ≥ 10 pages/s.

    .venv/bin/python -m bench bench_parser

Speed work on the parser must not change its output: bench/parser_snapshot.py writes every
parsed report of seeds and synthetic documents in every format, to compare before and after.
"""

from __future__ import annotations

import os
import resource
import time


def _validate():
    try:
        from services.validator import validate
    except ImportError:  # validator not there: parse only, and say so
        return None
    return validate


def _inputs(n: int) -> dict[str, list[bytes]]:
    from nianbao.samples.render import (
        TEXT_STYLES,
        render_docx,
        render_html,
        render_pdf,
        render_text,
        render_xlsx,
    )
    from nianbao.samples.synth import synth_report

    reports = [synth_report("2021" if i % 3 else "2019", i) for i in range(n)]
    return {
        "text": [render_text(r, TEXT_STYLES[i % 4]).encode() for i, r in enumerate(reports)],
        "html": [render_html(r) for r in reports],
        "html-gbk": [render_html(r, encoding="gbk", declared=None) for r in reports],
        "docx": [render_docx(r) for r in reports],
        "xlsx": [render_xlsx(r) for r in reports],
        "pdf": [render_pdf(r) for r in reports[: max(4, n // 4)]],
    }


def _pdf_pages(data: bytes) -> int:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    from services.parser import parse

    validate = _validate()
    inputs = _inputs(24)
    print(
        f"  stage: parse{' + validate' if validate else ' only (services.validator.validate not found)'}; one core"
    )
    for kind, docs in inputs.items():
        parse(docs[0])  # warm imports
        done = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        while True:
            for data in docs:
                report = parse(data)
                if validate is not None:
                    validate(report)
            done += len(docs)
            elapsed = time.perf_counter() - started
            if elapsed > 3.0:
                break
        cpu = time.process_time() - cpu_started
        # CPU time is the one-core figure; wall time also counts other tenants of a shared machine.
        rate, wall_rate = done / cpu, done / elapsed
        size = sum(map(len, docs)) / len(docs) / 1024
        line = (
            f"  {kind:9s} {rate:8.1f} reports/s per core-second ({cpu * 1000 / done:6.1f} ms CPU each; "
            f"wall {wall_rate:6.1f}/s)  avg {size:.0f} KiB"
        )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        line += f"  peak RSS {rss:.0f} MiB"
        if kind == "pdf":
            pages = sum(_pdf_pages(d) for d in docs) / len(docs)
            line += f"  → {rate * pages:5.1f} pages/s ({pages:.1f} pages each)"
        print(line, flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS {peak:.0f} MiB (whole benchmark process, inputs included)")


if __name__ == "__main__":
    main()
