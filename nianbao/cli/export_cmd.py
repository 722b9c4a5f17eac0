"""`nianbao export --format csv|xlsx|parquet|jsonl|sqlite --output PATH [filters]`: the indexed
reports, their cells and findings and a data dictionary, out for pandas, R, Excel or Datasette.

For csv, parquet and jsonl PATH is a directory receiving reports.*, cells.*, findings.* and
dictionary.*; for xlsx one workbook with those sheets; for sqlite one file (what `nianbao web`
serves). Filters are those of `nianbao search` (words, --year, --agency, --rule T3-001 or T3-*,
--severity, --status, --report-format, --portal). Reports stream out of the store a chunk at a time
(SQLite or PostgreSQL), so memory stays flat however many there are; a progress bar shows on a
terminal. Exit 0 when written (also when nothing matched: the files have their headers), 2 on
a bad argument (an unknown rule with a did-you-mean), 3 when the search store is unavailable.
Settings read: search, data_dir, store_timeout_s (through shared.config.load()).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nianbao.cli.search_cmd import (
    EXIT_OK,
    EXIT_USAGE,
    add_filter_arguments,
    add_store_arguments,
    filters_of,
    with_store,
)
from nianbao.export.writers import FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", dest="out_format", choices=FORMATS, required=True, help="file format to write"
    )
    parser.add_argument("--output", required=True, help="directory (csv/parquet/jsonl) or file")
    add_filter_arguments(parser, format_option="--report-format")
    add_store_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from nianbao.catalogue import UnknownName
    from nianbao.export.run import export

    try:
        filters = filters_of(args)
    except UnknownName as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return EXIT_USAGE
    output = Path(args.output)

    async def work(store: Any) -> int:
        with _progress() as progress:
            summary = await export(
                store, args.out_format, output, query=args.query, filters=filters,
                progress=progress,
            )  # fmt: skip
        print(
            f"exported {summary.reports} report(s), {summary.cells} cell(s), "
            f"{summary.findings} finding(s) to {output}",
            file=sys.stderr,
        )
        return EXIT_OK

    return with_store(args, work)


class _progress:
    """A rich progress bar on a terminal (stderr), nothing otherwise; called as progress(done, total)."""

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import Progress

        self._bar = Progress(console=Console(stderr=True), transient=False)
        self._bar.start()
        self._task = self._bar.add_task("exporting reports", total=None)

        def update(done: int, total: int) -> None:
            self._bar.update(self._task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if getattr(self, "_bar", None) is not None:
            self._bar.stop()
