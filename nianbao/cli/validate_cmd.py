"""`nianbao validate PATH [--pretty]`: parse, validate, print {"status", "findings", …} (contract.md).

Exit 0 when the file parsed (whatever the status) and could be read; 2 when it is not a report or
cannot be read (message on stderr; the JSON still printed, with `"format_version": "unknown"`,
status `invalid` and one S-001 finding saying why); 3 when it is a report only as pictures (status
`needs_ocr`: nothing in it could be checked until OCR reads it); with `--fail-on SEVERITY`, 1 when a
finding of that severity or worse was found (for cron jobs and CI). Batch and stdin as `nianbao
parse` (`--jsonl`, `-`); in a batch the highest status wins (3 > 2 > 1 > 0).
Settings read: fee_decimals (through shared.config.load(), for V-005).
"""

from __future__ import annotations

import argparse
import sys

from nianbao.cli.parse_cmd import (
    EXIT_OK,
    add_input_arguments,
    dump,
    fail,
    for_each,
    load_report,
)
from shared.errors import NianbaoError
from shared.findings_zh import message_zh
from shared.report import Finding, ParsedReport, status_of

EXIT_NEEDS_OCR = 3


SEVERITIES = ("info", "warning", "error")  # from least to most severe
EXIT_FINDINGS = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=None,
        help="exit 1 when a finding of this severity or worse is found (cron, CI)",
    )


def fails(findings: list[Finding], fail_on: str | None) -> bool:
    if fail_on is None:
        return False
    floor = SEVERITIES.index(fail_on)
    return any(SEVERITIES.index(f.severity) >= floor for f in findings if f.severity in SEVERITIES)


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


def validate_one(args: argparse.Namespace, path: str, settings) -> int:
    from services.validator import validate

    try:
        report = load_report(args, path)
    except (OSError, NianbaoError) as e:
        reason = getattr(e, "reason", "unreadable")
        f = Finding(
            rule="S-001", severity="error", message=f"not a report or unreadable ({reason}): {e}"
        )
        dump(
            {**result_json(None, [f], path), "error": {"reason": reason, "message": str(e)}},
            args.pretty,
        )
        return fail("validate", path, e)
    findings = validate(report, settings=settings)
    result = result_json(report, findings, path)
    dump(result, args.pretty)
    if result["status"] == "needs_ocr":
        print(
            f"nianbao validate: {path}: only pictures, no readable text or table; needs OCR",
            file=sys.stderr,
        )
        return EXIT_NEEDS_OCR
    return EXIT_FINDINGS if fails(findings, args.fail_on) else EXIT_OK


def run(args: argparse.Namespace) -> int:
    from shared.config import load

    settings = load()
    return for_each(args, lambda path: validate_one(args, path, settings))
