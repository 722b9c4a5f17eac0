"""`nianbao duplicates --year Y [--year Y2…] [--data-dir D | --search-url URL] [--json] [--dry-run]`

Finds the reports of year Y that were published twice by one agency (X-001) or that copy another
report (X-002 内容雷同: identical tables or near-identical narrative) across the whole index, and
writes them to the index as findings: the year's X-* findings are replaced in one transaction, so
a rerun leaves the same rows (`nianbao search --rule X-002 --year Y` finds them). A finding belongs
to the later publication of its pair. Prints one row per finding (a table; JSON lines with
`--json`), a summary on stderr, exit 0 (also when there is none); 3 when the store is unavailable.

A report indexed again afterwards (a new version, `reprocess`) has its findings rewritten by the
indexer, which knows nothing of other reports: its X-* findings are gone until the next run (the
k8s CronJob runs this nightly for the current and the previous report year).
Settings read: search, data_dir, store_timeout_s (through shared.config.load()).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nianbao.cli import argtypes
from nianbao.cli.search_cmd import EXIT_OK, add_store_arguments, escape_markup, with_store

HELP_EPILOG = (
    "X-* findings of a report re-indexed after a run (new version, reprocess) are gone until the"
    " next run: the indexer rewrites a report's findings and knows nothing of other reports."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = HELP_EPILOG
    parser.add_argument(
        "--year",
        type=argtypes.report_year,
        action="append",
        required=True,
        help="report year to look through (repeat for several); `current` = this calendar"
        " year − 1 (the last one due), `previous` = − 2",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per finding instead of a table"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="find and print, but write nothing to the index"
    )
    add_store_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from nianbao.ops.duplicates import run as find_and_write

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    async def work(store: Any) -> int:
        for year in dict.fromkeys(args.year):
            await one_year(store, year)
        return EXIT_OK

    async def one_year(store: Any, year: int) -> None:
        outcome = await find_and_write(
            store, year, write=not args.dry_run, progress=say if sys.stderr.isatty() else None
        )
        if args.json:
            for d in outcome.found:
                print(json.dumps(d.as_dict(), ensure_ascii=False))
        else:
            print_table(outcome)
        rules = ", ".join(f"{r} {n}" for r, n in outcome.by_rule().items()) or "none"
        written = (
            "nothing written (--dry-run)"
            if outcome.written is None
            else f"{outcome.written} finding(s) written, replacing the year's X-* findings"
        )
        say(
            f"{year}: {outcome.reports} report(s) scanned, {outcome.compared} candidate"
            f" pair(s) compared ({outcome.loaded} report(s) loaded); found {rules}; {written}"
        )

    return with_store(args, work)


def print_table(outcome: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(outcome.found)} duplicate finding(s) in {outcome.year}")
    for name in ("rule", "doc", "agency", "copy of", "agency of the copied", "why"):
        table.add_column(name, overflow="fold")
    for d in outcome.found:
        table.add_row(
            d.finding.rule,
            d.doc_id[:12],
            escape_markup(d.agency or "?"),
            d.duplicate_of[:12],
            escape_markup(d.duplicate_agency or "?"),
            escape_markup(d.finding.message),
        )
    Console().print(table)
