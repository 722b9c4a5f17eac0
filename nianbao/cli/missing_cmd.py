"""`nianbao missing --year 2025 [--json] [--all] [--source state|search] [--data-dir D]`:
registered agencies whose report for a year was not found, or was found after the deadline.

Outcomes (services/fetcher/missing.py; `status` in --json): `on_time` (shown with --all),
`late` (stated date after the deadline), `first_seen_late` (no stated date, first seen after
the deadline), `unreachable` (listed, but the link answers 404/410: URL and since when),
`not_found`, `not_due`. The `list` column (`declared`/`reached` in --json) is the column's
coverage at the last crawl. Dead links and coverage are read from the index (the search store
of --data-dir / --search-url), so the audit works after `nianbao run` has exited. The metric
`nianbao_reports_missing{year,late}` is set from the same rows. Rows name the portal (the
registry's name, `agency` in --json) and, for a report that was read, the agency the report
names itself (`agency_name`): a portal may publish for another agency than its own name.

Settings read: nats_url (source state), search, data_dir, portals, sample_portal_url.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

import msgspec

from nianbao.cli import argtypes
from nianbao.cli.connection import BrokerUnreachable, add_broker_arguments, connect, target_of
from services.fetcher.missing import (
    STATUSES,
    AuditRow,
    audit,
    crawl_facts,
    dead_from_state,
    export_metric,
    sightings_from_search,
    sightings_from_state,
)
from services.fetcher.registry import RegistryError, load_registry
from shared.config import load


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--year",
        type=argtypes.year,
        required=True,
        help="report year (the year the report is about)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    parser.add_argument(
        "--all", action="store_true", help="include agencies that published on time"
    )
    parser.add_argument(
        "--source",
        choices=("state", "search"),
        default=None,
        help="fetch state (NATS KV; default when --nats-url, NIANBAO_NATS_URL or NATS_URL"
        " names a broker) or the search store",
    )
    parser.add_argument(
        "--portals",
        default=None,
        help="registry file (default: NIANBAO_PORTALS or the sample portal)",
    )
    parser.add_argument("--search-url", default=None, help="search store URL (source search)")
    add_broker_arguments(parser)


async def collect(args: argparse.Namespace) -> list[AuditRow]:
    target = target_of(args)
    settings = load(data_dir=args.data_dir)
    registry = load_registry(args.portals, settings)
    named = target.source not in ("record", "default")  # a broker named on purpose
    source = args.source or ("state" if named else "search")
    if source == "state":
        from services.fetcher.state import UrlState

        try:
            nc = await connect(target.url)
        except BrokerUnreachable as exc:
            raise SystemExit(f"nianbao missing: {target.unreachable(exc.reason)}") from None
        try:
            state = UrlState(nc.jetstream())
            sightings = await sightings_from_state(state, args.year)
            state_dead = await dead_from_state(state)
        finally:
            await nc.close()
    from shared.storage.factory import open_search_store

    # the index holds what was found (source search) and, either way, the crawl facts: listed
    # links that answer 404/410 and each column's coverage, kept after `nianbao run` has exited
    store = await open_search_store(args.search_url, settings)
    try:
        if source != "state":
            sightings = await sightings_from_search(store, registry, args.year)
        dead, coverage = await crawl_facts(store)
    finally:
        await store.close()
    if source == "state":  # the broker's record of dead links, and the index's where it has none
        known = {d.url for d in state_dead}
        dead = state_dead + [d for d in dead if d.url not in known]
    rows = audit(registry, sightings, args.year, datetime.now(UTC), dead=dead, coverage=coverage)
    export_metric(rows, args.year)
    return rows


def run(args: argparse.Namespace) -> int:
    try:
        rows = asyncio.run(collect(args))
    except RegistryError as exc:
        print(f"nianbao missing: {exc}", file=sys.stderr)
        return 2
    shown = [r for r in rows if args.all or r.status != "on_time"]
    if args.json:
        print(json.dumps(msgspec.to_builtins(shown), ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    counts = {s: n for s in STATUSES if (n := sum(r.status == s for r in rows))}
    table = Table(
        title=f"Report year {args.year}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    )
    for col in (
        "portal", "agency (as the report names it)", "division", "level", "kind", "deadline", "status", "published", "basis",
        "list", "url",
    ):  # fmt: skip
        table.add_column(col)
    style = {
        "not_found": "red",
        "unreachable": "red",
        "late": "yellow",
        "first_seen_late": "yellow",
        "not_due": "dim",
        "on_time": "green",
    }
    for r in shown:
        table.add_row(
            r.agency,
            r.agency_name or "",
            r.division_code,
            r.level,
            r.kind,
            r.deadline,
            f"[{style[r.status]}]{r.status}[/]",
            r.published or "",
            {"stated_date": "stated", "first_seen": "first seen"}.get(r.basis or "", ""),
            _list_cell(r),
            _url_cell(r),
        )
    # piped output (scripts, CI logs) must not be cut at 80 columns
    Console(width=None if sys.stdout.isatty() else 200).print(table)
    return 0


def _list_cell(r: AuditRow) -> str:
    """The column's coverage: 「10/20 documents (incomplete)」: a not_found agency may have
    published among what the crawl could not list."""
    if r.reached is None:
        return ""
    if r.declared is None:
        return f"{r.reached} {r.unit}, size not stated"
    short = " (incomplete)" if r.reached < r.declared else ""
    return f"{r.reached}/{r.declared} {r.unit}{short}"


def _url_cell(r: AuditRow) -> str:
    if r.status == "unreachable":
        return f"{r.url} answers {r.http_status} since {r.since}"
    return r.url or ""
