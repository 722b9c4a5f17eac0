"""`nianbao parse PATH [--pretty]`: one JSON object on stdout (contract.md).

Batch and stdin: `PATH` may be `-` (the document's bytes on stdin); `--jsonl` takes any number of
paths and prints one compact JSON object per line, each with its `path` (with no PATH, the paths
are read from stdin, one per line: `find . -name '*.pdf' | nianbao parse --jsonl`).

Exit 0 when a report was recognised; 2 when the file is not a report or cannot be read — the
message goes to stderr and a JSON object with `"format_version": "unknown"` is still printed.
In a batch, the exit status is the highest of the files'.
Every cell is printed as {"value", "raw", "kind"} (plus unit/note when set), whatever the struct's
omit-defaults setting, because other tools read these keys.
Settings read: none.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nianbao.terminal import escape
from shared.errors import NianbaoError, TooLarge
from shared.report import Cell, ParsedReport, to_builtins

EXIT_OK, EXIT_NOT_A_REPORT, EXIT_USAGE = 0, 2, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """What parse and validate share: the inputs and how to print them."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="report file (html, text, pdf, docx, xlsx, …); - reads the document from stdin;"
        " several need --jsonl",
    )
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.add_argument(
        "--jsonl",
        action="store_true",
        help="one compact JSON object per line per file; without PATH, read paths from stdin",
    )
    parser.add_argument(
        "--url", default=None, help="source URL to record (never used to guess the kind)"
    )
    parser.add_argument("--content-type", default=None, help="declared content type, if known")
    parser.add_argument(
        "--ocr",
        action="store_true",
        help="read scanned pages and pictures by OCR (seconds per page); without it a scan is"
        " needs_ocr",
    )


def inputs(args: argparse.Namespace) -> list[str]:
    """The paths to read, in order; ValueError (a usage error) when they do not fit the flags."""
    paths = list(args.paths)
    if args.jsonl and not paths:
        paths = [line.strip() for line in sys.stdin if line.strip()]
    if not paths:
        raise ValueError("name a report file (PATH, or - for stdin)")
    if len(paths) > 1 and not args.jsonl:
        raise ValueError("several files need --jsonl (one JSON object per line)")
    if args.jsonl and args.pretty:
        raise ValueError("--pretty and --jsonl exclude each other")
    return paths


def for_each(args: argparse.Namespace, one) -> int:
    """Run `one(path) -> exit code` over the inputs; the highest code wins."""
    try:
        paths = inputs(args)
    except ValueError as exc:
        print(f"nianbao {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return max(one(path) for path in paths)


def cell_json(cell: Cell) -> dict[str, object]:
    out: dict[str, object] = {"value": cell.value, "raw": cell.raw, "kind": cell.kind}
    if cell.unit is not None:
        out["unit"] = cell.unit
    if cell.note is not None:
        out["note"] = cell.note
    if cell.evidence is not None:  # where it was read (contract.md, added 2026-12)
        out["evidence"] = to_builtins(cell.evidence)
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
    sys.stdout.flush()  # a batch's lines arrive as they are made


def read_input(path: str, cap: int = 64 * 1024 * 1024) -> bytes:
    if path == "-":
        return read_capped(sys.stdin.buffer, cap)
    with Path(path).open("rb") as f:
        return read_capped(f, cap, Path(path).stat().st_size)


def load_report(args: argparse.Namespace, path: str) -> ParsedReport:
    """Read and parse one input; raises OSError or a NianbaoError (PermanentError subclasses)."""
    from services.parser import api  # imported late: `nianbao --help` must not pay for the parser
    from services.parser.extract.budget import DEFAULT_LIMITS

    return api.parse(
        read_input(path, DEFAULT_LIMITS.max_bytes),
        source_url=args.url,
        content_type=args.content_type,
        ocr=getattr(args, "ocr", False),
    )


def read_capped(stream, cap: int, size: int | None = None) -> bytes:
    """The bytes of `stream`, refused by their stated `size` before they are read when over
    `cap`, and read no further than `cap` when no size is stated (/dev/zero, a pipe, stdin)."""
    if size is not None and size > cap:
        raise TooLarge(f"file is {size:,} bytes (limit {cap:,}); not read")
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise TooLarge(f"more than {cap:,} bytes (limit {cap:,}); stopped reading")
    return data


def fail(command: str, path: str, error: BaseException) -> int:
    print(f"nianbao {command}: {escape(path)}: {escape(error)}", file=sys.stderr)
    return EXIT_NOT_A_REPORT


def parse_one(args: argparse.Namespace, path: str) -> int:
    try:
        report = load_report(args, path)
    except (OSError, NianbaoError) as e:
        dump(failure_json(path, e), args.pretty)
        return fail("parse", path, e)
    out = report_json(report)
    if args.jsonl:
        out["path"] = path
    dump(out, args.pretty)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    return for_each(args, lambda path: parse_one(args, path))
