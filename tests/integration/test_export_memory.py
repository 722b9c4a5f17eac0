"""nianbao/export streams: exporting 100,000 reports needs no more memory than 10,000 (peak RSS of
a child process running `nianbao export`, measured by the kernel)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.bulk import fill_sqlite

# the child reports its own peak RSS (VmHWM: reset by exec, unlike ru_maxrss, which keeps the
# parent's high-water mark across fork+exec)
CHILD = (
    "import re, sys; from nianbao.cli.main import main; code = main(sys.argv[1:]);"
    " print('PEAK', re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1));"
    " sys.exit(code)"
)


def peak_rss_mib(data_dir, out, fmt: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "export", "--format", fmt, "--output", str(out),
         "--data-dir", str(data_dir)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    peak = [ln for ln in done.stdout.splitlines() if ln.startswith("PEAK ")]
    return int(peak[-1].split()[1]) / 1024  # VmHWM is in KiB


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    small = tmp_path_factory.mktemp("small")
    large = tmp_path_factory.mktemp("large")
    fill_sqlite(small / "index.db", 10_000)
    fill_sqlite(large / "index.db", 100_000)
    return small, large


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_exporting_100000_reports_takes_no_more_memory_than_10000(indexes, tmp_path, fmt):
    small, large = indexes
    rss_small = peak_rss_mib(small, tmp_path / "out-small", fmt)
    rss_large = peak_rss_mib(large, tmp_path / "out-large", fmt)
    if fmt == "csv":
        lines = sum(1 for _ in open(tmp_path / "out-large" / "reports.csv", encoding="utf-8-sig"))
        assert lines == 100_001
    else:
        import pyarrow.parquet as pq

        assert (
            pq.ParquetFile(tmp_path / "out-large" / "reports.parquet").metadata.num_rows == 100_000
        )
    assert rss_large < rss_small + 25, (rss_small, rss_large)
