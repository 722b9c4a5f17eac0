"""`nianbao validate PATH [--pretty]`: parse, validate, print {"status", "findings", …} (contract.md).

Exit 0 when the file parsed (whatever the status) and could be read; 2 when it is not a report or
cannot be read (message on stderr; the JSON still printed, with `"format_version": "unknown"`,
status `invalid` and one S-001 finding saying why); 3 when it is a report only as pictures (status
`needs_ocr`: nothing in it could be checked until OCR reads it).
Settings read: fee_decimals (through shared.config.load(), for V-005).
"""

from __future__ import annotations

import argparse
import sys

from nianbao.cli.parse_cmd import EXIT_OK, dump, fail, load_report
from shared.errors import NianbaoError
from shared.findings_zh import message_zh
from shared.report import Finding, ParsedReport, status_of

EXIT_NEEDS_OCR = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="report file (html, text, pdf, docx, xlsx, …)")
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    parser.add_argument(
        "--url", default=None, help="source URL to record (never used to guess the kind)"
    )
    parser.add_argument("--content-type", default=None, help="declared content type, if known")


def finding_json(f: Finding) -> dict[str, object]:
    return {
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "message_zh": f.message_zh or message_zh(f.rule, f.message, f.cells),
        "cells": list(f.cells),
        "tags": list(f.tags),
    }


def result_json(
    report: ParsedReport | None, findings: list[Finding], path: str
) -> dict[str, object]:
    return {
        "status": status_of(findings, report),
        "findings": [finding_json(f) for f in findings],
        "format_version": report.format_version if report else "unknown",
        "report_year": report.report_year if report else None,
        "agency_name": report.agency_name if report else None,
        "title": report.title if report else None,
        "publish_date": report.publish_date if report else None,
        "path": path,
    }


def run(args: argparse.Namespace) -> int:
    from services.validator import validate
    from shared.config import load

    try:
        report = load_report(args)
    except (OSError, NianbaoError) as e:
        reason = getattr(e, "reason", "unreadable")
        f = Finding(
            rule="S-001", severity="error", message=f"not a report or unreadable ({reason}): {e}"
        )
        dump(
            {**result_json(None, [f], args.path), "error": {"reason": reason, "message": str(e)}},
            args.pretty,
        )
        return fail(args, e)
    findings = validate(report, settings=load())
    result = result_json(report, findings, args.path)
    dump(result, args.pretty)
    if result["status"] == "needs_ocr":
        print(
            f"nianbao validate: {args.path}: only pictures, no readable text or table; needs OCR",
            file=sys.stderr,
        )
        return EXIT_NEEDS_OCR
    return EXIT_OK
