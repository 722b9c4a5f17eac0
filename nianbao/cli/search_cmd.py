"""`nianbao search [QUERY] [--year --agency --rule --status --format] [--facets] [--sum T.R.C] [--json]`

Full-text search over the indexed reports (Chinese words match: text is segmented with rjieba),
printed as a table, or as JSON with `--json` (a list of hits; with `--facets` an object
{"results", "facets"}). `--sum applications.new_received.total` sums a cell over the matching
reports grouped by `--group-by` (year by default); only numeric cells are summed and the reports
whose cell is blank or not a number are counted beside the sum.
`--agency` matches exactly; start or end it with `*` for a pattern (`--agency '*深圳*'`).
Exit 0 on success (also when nothing matches), 3 when the search store is unavailable.
Settings read: search, data_dir, store_timeout_s (through shared.config.load()).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from nianbao.cli import argtypes
from shared.config import Settings, load
from shared.errors import StoreUnavailable
from shared.storage.queries import GROUP_BYS

EXIT_OK, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 2, 3


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--search-url", help="search store URL (default: NIANBAO_SEARCH or <data_dir>/index.db)"
    )
    parser.add_argument(
        "--data-dir", help="state directory (default: NIANBAO_DATA_DIR or .nianbao)"
    )


def add_filter_arguments(parser: argparse.ArgumentParser, format_option: str = "--format") -> None:
    """The filters `search` and `export` share (export's --format is the file format, so its
    report-format filter is --report-format)."""
    parser.add_argument("query", nargs="?", default="", help="words to find (empty: every report)")
    parser.add_argument("--year", type=argtypes.year, help="only reports about this year")
    parser.add_argument("--agency", help="exact agency name, or a pattern with * at either end")
    parser.add_argument(
        "--rule", help="only reports with a finding of this rule (T3-001) or family (T3-*)"
    )
    parser.add_argument(
        "--severity", help="only reports with a finding of this severity (error, warning, info)"
    )
    parser.add_argument(
        "--status",
        choices=("valid", "warnings", "invalid", "needs_ocr"),
        help="only reports with this status",
    )
    parser.add_argument(
        format_option,
        dest="format",
        choices=("2021", "2019", "pre2019", "unknown"),
        help="only reports in this edition of the national format",
    )
    parser.add_argument("--portal", help="only reports found on this portal")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_filter_arguments(parser)
    parser.add_argument(
        "--limit", type=argtypes.limit, default=20, help="at most this many hits (20)"
    )
    parser.add_argument(
        "--offset", type=argtypes.offset, default=0, help="skip this many hits first"
    )
    parser.add_argument(
        "--facets", action="store_true", help="also count matches by year, agency, rule, status"
    )
    parser.add_argument(
        "--sum", metavar="TABLE.ROW.COL", help="sum one cell over the matching reports"
    )
    parser.add_argument(
        "--group-by",
        default="year",
        choices=(*GROUP_BYS, "none"),
        help="--sum: group the sums by this (year)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_store_arguments(parser)


def settings_of(args: argparse.Namespace) -> Settings:
    return load(data_dir=getattr(args, "data_dir", None), search=getattr(args, "search_url", None))


def with_store(args: argparse.Namespace, work: Callable[[Any], Awaitable[int]]) -> int:
    """Open the search store, run `work(store)`, close it; unavailable → message and exit 3."""
    from shared.storage.factory import open_search_store

    async def main() -> int:
        store = await open_search_store(settings=settings_of(args))
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(main())
    except StoreUnavailable as exc:
        print(f"nianbao: search store unavailable: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE


def filters_of(args: argparse.Namespace) -> dict[str, Any]:
    """The filters given, rule and severity checked against the catalogue (UnknownName with a
    did-you-mean when they name nothing: never a silent empty answer)."""
    from nianbao.catalogue import check_rule, check_severity

    return {
        "year": args.year,
        "agency": args.agency,
        "rule": check_rule(args.rule) if args.rule else None,
        "severity": check_severity(args.severity) if args.severity else None,
        "status": args.status,
        "format": args.format,
        "portal": args.portal,
    }


def to_json(obj: object) -> str:
    def keys(o: object) -> object:  # JSON keys are strings; None (no year, no agency) → "unknown"
        if isinstance(o, dict):
            return {("unknown" if k is None else str(k)): keys(v) for k, v in o.items()}
        if isinstance(o, list):
            return [keys(v) for v in o]
        return o

    return json.dumps(keys(obj), ensure_ascii=False, indent=2)


def run(args: argparse.Namespace) -> int:
    from nianbao.catalogue import UnknownName, check_cell

    try:
        filters = filters_of(args)
        if args.sum:
            check_cell(args.sum)
    except UnknownName as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return EXIT_USAGE

    async def work(store: Any) -> int:
        if args.sum:
            table, row, col = args.sum.split(".")
            group = None if args.group_by == "none" else args.group_by
            sums = await store.sum_cells(table, row, col, group_by=group, **filters)
            print(to_json(sums)) if args.json else print_sums(args.sum, group, sums)
            return EXIT_OK
        hits = await store.search(args.query, limit=args.limit, offset=args.offset, **filters)
        facets = await store.facets(args.query, **filters) if args.facets else None
        if args.json:
            print(to_json({"results": hits, "facets": facets} if facets is not None else hits))
        else:
            print_hits(hits, facets)
        return EXIT_OK

    return with_store(args, work)


def print_hits(hits: list[dict], facets: dict | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{len(hits)} report(s)", show_lines=False)
    # the agency that wrote the report (its title), and the registry's name as the portal
    for name in ("doc", "year", "agency", "portal", "status", "findings", "title / snippet"):
        table.add_column(name, overflow="fold")
    style = {"valid": "green", "warnings": "yellow", "invalid": "red"}
    for h in hits:
        text = escape_markup(h.get("title") or "") + (
            "\n[dim]" + escape_markup(h["snippet"]) + "[/dim]" if h.get("snippet") else ""
        )
        table.add_row(
            h["doc_id"][:12],
            str(h.get("year") or "?"),
            escape_markup(h.get("agency_name") or h.get("agency") or "?"),
            escape_markup(h.get("agency") or "") if h.get("agency") != h.get("agency_name") else "",
            f"[{style.get(h['status'], 'white')}]{h['status']}[/]",
            str(h.get("n_findings", "")),
            text,
        )
    console.print(table)
    for name, counts in (facets or {}).items():
        shown = ", ".join(
            f"{'unknown' if k is None else k}: {n}" for k, n in list(counts.items())[:15]
        )
        console.print(f"[bold]{name}[/bold]  {escape_markup(shown) or '—'}")


def print_sums(cell: str, group: str | None, sums: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"sum of {cell}")
    for name in (group or "all", "sum", "numeric cells", "not numbers", "reports"):
        table.add_column(name, justify="right" if name != (group or "all") else "left")
    for key, s in sums.items():
        table.add_row("unknown" if key is None else str(key), str(s["sum"]), str(s["numbers"]),
                      str(s["not_numbers"]), str(s["reports"]))  # fmt: skip
    Console().print(table)


def escape_markup(text: str) -> str:
    """Text from documents and portals, safe for rich and the terminal: markup escaped, control
    characters (ANSI sequences in a crawled title…) made visible (nianbao/terminal.py)."""
    from rich.markup import escape

    from nianbao.terminal import escape as visible

    return escape(visible(text))
