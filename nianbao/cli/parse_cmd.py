"""`nianbao parse PATH [--pretty]`: one JSON object on stdout (contract.md).

Exit 0 when a report was recognised; 2 when the file is not a report or cannot be read — the
message goes to stderr and a JSON object with `"format_version": "unknown"` is still printed.
Every cell is printed as {"value", "raw", "kind"} (plus unit/note when set), whatever the struct's
omit-defaults setting, because other tools read these keys.
Settings read: none.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.errors import NianbaoError
from shared.report import Cell, ParsedReport, to_builtins

EXIT_OK, EXIT_NOT_A_REPORT = 0, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="report file (html, text, pdf, docx, xlsx, …)")
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.add_argument(
        "--url", default=None, help="source URL to record (never used to guess the kind)"
    )
    parser.add_argument("--content-type", default=None, help="declared content type, if known")


def cell_json(cell: Cell) -> dict[str, object]:
    out: dict[str, object] = {"value": cell.value, "raw": cell.raw, "kind": cell.kind}
    if cell.unit is not None:
        out["unit"] = cell.unit
    if cell.note is not None:
        out["note"] = cell.note
    return out


def report_json(report: ParsedReport) -> dict[str, object]:
    """The contract's JSON form of a report: every field, cells always with value/raw/kind."""
    out = to_builtins(report)
    assert isinstance(out, dict)
    out["tables"] = {
        name: None
        if table is None
        else {row: {col: cell_json(c) for col, c in cols.items()} for row, cols in table.items()}
        for name, table in report.tables.items()
    }
    for name in ("active_disclosure", "applications", "review_litigation"):
        out["tables"].setdefault(name, None)
    out["extra_cells"] = {p: cell_json(c) for p, c in report.extra_cells.items()}
    return out


def failure_json(path: str, error: BaseException) -> dict[str, object]:
    reason = getattr(error, "reason", "unreadable")
    return {
        "format_version": "unknown",
        "report_year": None,
        "agency_name": None,
        "title": None,
        "tables": {"active_disclosure": None, "applications": None, "review_litigation": None},
        "path": path,
        "error": {"reason": reason, "message": str(error)},
    }


def dump(obj: object, pretty: bool) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2 if pretty else None)
    sys.stdout.write("\n")


def load_report(args: argparse.Namespace) -> ParsedReport:
    """Read and parse PATH; raises OSError or a NianbaoError (PermanentError subclasses)."""
    from services.parser import api  # imported late: `nianbao --help` must not pay for the parser

    data = Path(args.path).read_bytes()
    return api.parse(data, source_url=args.url, content_type=args.content_type)


def fail(args: argparse.Namespace, error: BaseException) -> int:
    print(f"nianbao parse: {args.path}: {error}", file=sys.stderr)
    return EXIT_NOT_A_REPORT


def run(args: argparse.Namespace) -> int:
    try:
        report = load_report(args)
    except (OSError, NianbaoError) as e:
        dump(failure_json(args.path, e), args.pretty)
        return fail(args, e)
    dump(report_json(report), args.pretty)
    return EXIT_OK
