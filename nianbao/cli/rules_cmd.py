"""`nianbao rules [PATTERN] [--severity S] [--json]`: the rule catalogue — id, severity, what it
checks in English and Chinese. PATTERN is a rule id or a family (`T3-*`).

Exit 0 when listed, 2 when the pattern or severity names nothing (with a did-you-mean).
Settings read: none.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_USAGE = 0, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", nargs="?", help="a rule id (T3-001) or a family (T3-*)")
    parser.add_argument("--severity", help="only rules of this severity (error, warning, info)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from nianbao.catalogue import UnknownName, check_rule, check_severity, rules

    try:
        pattern = check_rule(args.pattern) if args.pattern else None
        severity = check_severity(args.severity) if args.severity else None
    except UnknownName as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        return EXIT_USAGE
    found = rules(severity, pattern)
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(found)} rule(s)")
    for name in ("id", "severity", "checks", "检查内容"):
        table.add_column(name, overflow="fold")
    for r in found:
        table.add_row(r["id"], r["severity"], r["title"], r["title_zh"])
    Console().print(table)
    return EXIT_OK
