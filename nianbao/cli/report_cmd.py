"""`nianbao report DOC_ID [--json]`: one indexed report — metadata, its tables, its findings, and a
download link to the stored original (presigned for S3, file:// for the directory store).

A report read by OCR (`source_modality` ocr) marks its OCR'd cells in the tables (`ᵒ`) and lists
them with their recognition score, page and box, lowest score first (a cell below the parser's
threshold was withheld as unsure: `??`); `--json` carries `score` and `evidence` on those cells.

DOC_ID may be a unique prefix (the search table shows 12 characters). Exit 0 when shown, 1 when no
report has that id (or the prefix is ambiguous), 3 when the search store is unavailable.
Settings read: search, object_store, data_dir, s3_* and store_timeout_s (through shared.config).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nianbao.cli.search_cmd import (
    EXIT_OK,
    add_store_arguments,
    escape_markup,
    settings_of,
    to_json,
    with_store,
)
from shared.errors import NianbaoError
from shared.schema import SCHEMAS

EXIT_NOT_FOUND = 1
LINK_EXPIRES_S = 24 * 3600


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "doc_id", help="document id (sha256 of the canonical URL) or a unique prefix"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the findings' messages in the table (JSON carries both)",
    )
    parser.add_argument(
        "--no-link", action="store_true", help="don't ask the object store for a download link"
    )
    parser.add_argument(
        "--objects-url",
        help="object store URL (default: NIANBAO_OBJECT_STORE or <data_dir>/objects)",
    )
    add_store_arguments(parser)


async def download_link(args: argparse.Namespace, object_key: str) -> str | None:
    """A link to the original bytes; None when the object store cannot give one right now."""
    from shared.storage.factory import open_object_store

    settings = settings_of(args)
    try:
        store = await open_object_store(args.objects_url or settings.object_store_url, settings)
        try:
            if not await store.exists(object_key):
                return None
            return await store.presigned_url(object_key, LINK_EXPIRES_S)
        finally:
            await store.close()
    except (NianbaoError, OSError, ValueError) as exc:
        print(f"nianbao: no download link ({exc})", file=sys.stderr)
        return None


def run(args: argparse.Namespace) -> int:
    async def work(store: Any) -> int:
        doc_id = args.doc_id
        report = await store.get_report(doc_id)
        if report is None:
            matches = await store.resolve(doc_id)
            if len(matches) != 1:
                why = "no indexed report" if not matches else "more than one report"
                print(f"nianbao: {why} with id {doc_id!r}", file=sys.stderr)
                return EXIT_NOT_FOUND
            report = await store.get_report(matches[0])
        if not args.no_link:
            report["download_url"] = await download_link(args, report["object_key"])
        add_zh_messages(report)
        print(to_json(report)) if args.json else print_report(report, getattr(args, "lang", "en"))
        return EXIT_OK

    return with_store(args, work)


OCR_MARK = "[cyan]ᵒ[/cyan]"  # a cell read by OCR (its score is in the OCR table below)


def _cell_text(cell: dict) -> str:
    mark = OCR_MARK if is_ocr(cell) else ""
    if cell["kind"] == "number":
        return str(cell["value"]) + (cell.get("unit") or "") + mark
    shown = {"blank": "[dim]·[/dim]", "missing": "[red]?[/red]", "unreadable": "[red]??[/red]"}
    return shown.get(cell["kind"], f"[yellow]{escape_markup(cell['raw'])}[/yellow]") + mark


def is_ocr(cell: dict) -> bool:
    return (cell.get("evidence") or {}).get("kind") == "ocr"


def ocr_cells(report: dict) -> list[tuple[str, dict]]:
    """(table.row.col, cell) of every OCR'd cell, lowest score first (the doubtful ones on top)."""
    found = [
        (".".join(p for p in (t, r, c) if p), cell)
        for t, rows in report["tables"].items()
        for r, cols in rows.items()
        for c, cell in cols.items()
        if is_ocr(cell)
    ]
    return sorted(found, key=lambda x: (x[1].get("score", 1.0), x[0]))


def _box_text(box: list | None) -> str:
    return "" if not box else ", ".join(f"{v:.0f}" for v in box)


def _order(table: str, fmt: str, rows: dict) -> tuple[list[str], list[str]]:
    """Rows and columns in the national format's order when known, then any others."""
    schema = SCHEMAS.get(fmt)
    known_rows: list[str] = []
    known_cols: list[str] = []
    if schema and table == "active_disclosure":
        known_rows = schema.t2_row_keys()
        known_cols = list(dict.fromkeys(c for _, c, _ in schema.t2_cells()))
    elif schema and table == "applications":
        known_rows, known_cols = [r.key for r in schema.t3_rows], [c.key for c in schema.t3_cols]
    elif schema and table == "review_litigation":
        known_rows, known_cols = [g.key for g in schema.t4_groups], [c.key for c in schema.t4_cols]
    cols_present = {c for r in rows.values() for c in r}
    row_keys = [r for r in known_rows if r in rows] + sorted(set(rows) - set(known_rows))
    col_keys = [c for c in known_cols if c in cols_present] + sorted(cols_present - set(known_cols))
    return row_keys, col_keys


def add_zh_messages(report: dict) -> None:
    """Every finding gets `message_zh` (findings stored before it existed are given one here)."""
    from shared.findings_zh import message_zh

    for f in report.get("findings", []):
        if not f.get("message_zh"):
            f["message_zh"] = message_zh(f["rule"], f["message"], f.get("cells") or [])


def print_report(report: dict, lang: str = "en") -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    style = {"valid": "green", "warnings": "yellow", "invalid": "red"}.get(
        report["status"], "white"
    )
    console.print(f"[bold]{escape_markup(report.get('title') or report['doc_id'])}[/bold]")
    shown = {**report, "agency": report.get("agency_name") or report.get("agency"),
             "portal": report.get("agency") or report.get("portal")}  # fmt: skip
    for key in ("doc_id", "version", "agency", "portal", "year", "format", "level", "division_code", "publish_date",
                "url", "object_key", "parser_version", "validator_version", "download_url"):  # fmt: skip
        if shown.get(key) not in (None, ""):
            console.print(f"  [dim]{key:18}[/dim] {escape_markup(str(shown[key]))}")
    console.print(
        f"  [dim]{'status':18}[/dim] [{style}]{report['status']}[/]  ({len(report['findings'])} findings)"
    )
    if len(report.get("versions", [])) > 1:
        console.print(f"  [dim]{'versions':18}[/dim] {len(report['versions'])} indexed")
    read_by_ocr = ocr_cells(report)
    if report.get("source_modality", "text") != "text" or read_by_ocr:
        withheld = sum(1 for _, c in read_by_ocr if c["kind"] == "unreadable")
        console.print(
            f"  [dim]{'source_modality':18}[/dim] {report.get('source_modality')}"
            + (
                f"  ({len(read_by_ocr)} cells read by OCR {OCR_MARK}, {withheld} withheld as unsure)"
                if read_by_ocr
                else ""
            )
        )
    for name, rows in report["tables"].items():
        row_keys, col_keys = _order(name, report["format"], rows)
        table = Table(title=name, title_justify="left")
        table.add_column("row")
        for c in col_keys:
            table.add_column(c, justify="right")
        for r in row_keys:
            table.add_row(r, *(_cell_text(rows[r][c]) if c in rows[r] else "" for c in col_keys))
        console.print(table)
    if read_by_ocr:
        table = Table(title="cells read by OCR (lowest score first)", title_justify="left")
        for col in ("cell", "read", "kind", "score", "page", "box (pt)"):
            table.add_column(col, justify="right" if col in ("score", "page") else "left")
        for path, cell in read_by_ocr:
            evidence = cell.get("evidence") or {}
            score = cell.get("score")
            table.add_row(
                path,
                escape_markup(cell.get("raw", "")),
                cell["kind"],
                "" if score is None else f"{score:.3f}",
                str(evidence.get("page") or ""),
                _box_text(evidence.get("box")),
            )
        console.print(table)
    if report["findings"]:
        table = Table(title="findings", title_justify="left")
        for col in ("rule", "severity", "message", "cells"):
            table.add_column(col, overflow="fold")
        for f in report["findings"]:
            table.add_row(
                f["rule"],
                f["severity"],
                escape_markup(
                    f.get("message_zh") or f["message"] if lang == "zh" else f["message"]
                ),
                escape_markup(", ".join(f["cells"])),
            )
        console.print(table)
