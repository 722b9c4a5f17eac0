"""Precision and recall of the findings, per rule, on the findings corpus of issue #19.

    python -m bench bench_findings          # the table, the false alarms and the misses

The corpus (tests/findings_corpus/) is built at run time from the seeds and the synthetic
generator: HTML, PDF, DOCX and text renditions, LibreOffice conversions of HTML pages, and one
document per real-world class of the issue. Targets (tests/unit/test_findings_corpus.py):
precision >= 95 % overall and for every rule that fires, 0 error-severity false alarms, recall 100 %.
"""

from __future__ import annotations

import time


def main() -> None:
    from tests.findings_corpus.builder import build
    from tests.findings_corpus.score import score, table

    t0 = time.perf_counter()
    docs = build()
    built = time.perf_counter() - t0
    s = score(docs)
    print(table(s))
    for title, items in (
        ("false alarms", s.false_alarms),
        ("misses", s.misses),
        ("wrong values, metadata or status", s.wrong),
    ):
        print(f"{title}: {len(items)}")
        for line in items:
            print("  " + line)
    print(
        f"built {len(docs)} documents in {built:.1f} s, scored in {time.perf_counter() - t0 - built:.1f} s"
    )


if __name__ == "__main__":
    main()
