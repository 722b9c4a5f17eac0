"""OCR accuracy and speed: synthetic reports scanned at a dpi (nianbao.samples.scans), read back.

`python -m bench.bench_ocr [--reports 2] [--dpi 150] [--profile P | --matrix] [--calibrate]`
prints, over every cell of the reports' tables: cells right %, unsure % (withheld), not located %
(row or column not found: a named finding), wrong-but-sure count (a number that is not the
printed one, or a blank where one is printed, passed on as read), pages/s/core (process CPU
time) and peak RSS. `--calibrate` reads at a threshold of 0 and prints the lowest threshold at
which no wrong number would have stayed sure, and how many right numbers each would withhold.
`make bench` runs two reports (a 2021 and a 2019 format) at 150 dpi, the issue's hardest
resolution (about half a minute of CPU). Sign-off figures want `--reports 6` or more: two
reports (398 cells) once missed a fault six showed.
`--engine tesseract [--psm N]` reads the same scans with Tesseract chi_sim instead of RapidOCR,
and `--threshold T` replaces the unsure threshold for the run (0: every score kept) — a
measurement harness for issue #14 (bench/ocr_tesseract.py; needs Debian's `tesseract-ocr
tesseract-ocr-chi-sim`).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
from collections.abc import Iterator

PROFILES = {
    "scan": dict(skew=0.8, noise=0.003),  # a flatbed scan: slight skew, specks
    "skew3": dict(skew=-3.0, noise=0.003),
    "blur": dict(skew=0.5, blur=0.8),
    "seal": dict(skew=0.5, seal=True),
    "faint": dict(skew=0.5, faint_rules=True),
    "rotated": dict(rotate=90, skew=0.5),
    "upside_down": dict(rotate=180),
}


def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (the tesseract runs)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@contextlib.contextmanager
def _reading(engine: str, psm: int | None, threshold: float | None) -> Iterator[None]:
    """The parse within reads with `engine` and withholds scores below `threshold`."""
    from services.parser.read import confidence

    saved = confidence.UNSURE_BELOW
    if threshold is not None:
        confidence.UNSURE_BELOW = threshold
    try:
        if engine == "tesseract":
            from bench.ocr_tesseract import tesseract_engine

            with tesseract_engine(psm):
                yield
        else:
            yield
    finally:
        confidence.UNSURE_BELOW = saved


def measure(
    reports: int,
    dpi: int,
    profile: str = "scan",
    engine: str = "rapidocr",
    psm: int | None = None,
    threshold: float | None = None,
    *,
    calibrate: bool = False,
) -> dict:
    """`calibrate`: judge at a threshold of 0 (only words where a number belongs are withheld),
    to see the scores of right and wrong numbers before a threshold sorts them."""
    from nianbao.samples.scans import Degrade, as_image_pdf, scan_pages
    from nianbao.samples.synth import synth_report
    from services.parser import parse
    from services.parser.read import confidence

    judged_at = 0.0 if calibrate else threshold
    threshold = confidence.UNSURE_BELOW if threshold is None else threshold

    right = unsure = wrong_sure = not_located = total = pages = 0
    cpu = 0.0
    wrong_scores: list[float] = []
    right_scores: list[float] = []
    for i in range(reports):
        want = synth_report("2021" if i % 2 == 0 else "2019", 100 + i)
        scans = scan_pages(want, dpi=dpi, degrade=Degrade(**PROFILES[profile], seed=i))
        pdf = as_image_pdf(scans, dpi)
        pages += len(scans)
        started = _cpu()
        with _reading(engine, psm, judged_at):
            got = parse(pdf, ocr=True)
        cpu += _cpu() - started
        for table, rows in want.tables.items():
            for row, cols in (rows or {}).items():
                for col, cell in cols.items():
                    total += 1
                    read = ((got.tables.get(table) or {}).get(row) or {}).get(col)
                    if read is None or read.kind == "missing":
                        not_located += 1  # the row or column was not found: a named finding
                    elif read.kind == "unreadable":
                        unsure += 1
                    elif read.kind == cell.kind and read.value == cell.value:
                        right += 1
                        if read.score is not None:
                            right_scores.append(read.score)
                    else:
                        # a different number, or a blank where one is printed: passed on as sure
                        wrong_sure += 1
                        wrong_scores.append(read.score if read.score is not None else 1.0)
    needed = (max(wrong_scores) + 0.005) if wrong_scores else None
    return {
        "engine": engine,
        "dpi": dpi,
        "profile": profile,
        "cells": total,
        "right_pct": 100.0 * right / max(1, total),
        "unsure_pct": 100.0 * unsure / max(1, total),
        "wrong_but_sure": wrong_sure,
        "not_located_pct": 100.0 * not_located / max(1, total),
        "pages_per_s_core": pages / cpu if cpu else 0.0,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "calibrated_threshold": needed,
        "threshold": threshold,
        # right numbers a threshold would withhold: the current one, and the calibrated one
        "right_below_threshold": sum(1 for x in right_scores if x < threshold),
        "right_below_calibrated": sum(1 for x in right_scores if needed and x < needed),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=2, help="synthetic reports to scan and read")
    ap.add_argument("--dpi", type=int, default=150, help="scan resolution")
    ap.add_argument("--calibrate", action="store_true", help="print the calibrated threshold")
    ap.add_argument(
        "--profile", choices=sorted(PROFILES), default="scan", help="how pages are spoiled"
    )
    ap.add_argument(
        "--matrix", action="store_true", help="every profile at 150, 200 and 300 dpi (minutes)"
    )
    ap.add_argument("--engine", choices=("rapidocr", "tesseract"), default="rapidocr")
    ap.add_argument(
        "--psm", type=int, help="tesseract: page segmentation mode of page-wide reading"
    )
    ap.add_argument(
        "--threshold", type=float, help="unsure below this score (default: the parser's)"
    )
    args = ap.parse_args(argv if argv is not None else [])
    runs = (
        [(dpi, profile) for dpi in (150, 200, 300) for profile in PROFILES]
        if args.matrix
        else [(args.dpi, args.profile)]
    )
    for dpi, profile in runs:
        m = measure(
            args.reports,
            dpi,
            profile,
            args.engine,
            args.psm,
            args.threshold,
            calibrate=args.calibrate,
        )
        _print(m)
        if args.calibrate:
            _print_calibration(m)


def _print_calibration(m: dict) -> None:
    t = m["calibrated_threshold"]
    print(
        f"  calibration (judged at 0): {m['right_below_threshold']} right numbers score below "
        f"the threshold {m['threshold']}; "
        + (
            "no wrong number was read"
            if t is None
            else f"a threshold of {t:.3f} keeps every wrong number unsure "
            f"(and withholds {m['right_below_calibrated']} right ones)"
        )
    )


def _print(m: dict) -> None:
    print(
        f"OCR {m['engine']} @{m['dpi']} dpi {m['profile']}, {m['cells']} cells: "
        f"right {m['right_pct']:.1f} %, "
        f"unsure {m['unsure_pct']:.1f} %, not located {m['not_located_pct']:.1f} %, "
        f"wrong-but-sure {m['wrong_but_sure']}, "
        f"{m['pages_per_s_core']:.3f} page/s/core, peak RSS {m['peak_rss_mib']:.0f} MiB"
    )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
