"""`nianbao cells [--table T] [--format 2021|2019] [--extra] [--json]`: the cell catalogue — every
cell key (TABLE.ROW.COL, as `search --sum` and exports name them) with its Chinese label and the
formats that have it; `--extra` adds the extra cells the parser keeps beside a format (provincial
subtotal rows and the 法人或其他组织小计 column), which `search --sum` accepts too.

Exit 0. Settings read: none.
"""

from __future__ import annotations

import argparse
import json

from shared.schema import TABLE_KEYS, TABLED_FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", choices=TABLE_KEYS, help="only the cells of this table")
    parser.add_argument(
        "--format", choices=TABLED_FORMATS, help="only this edition of the national format"
    )
    parser.add_argument(
        "--extra", action="store_true", help="also the extra cells (provincial subtotals)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from nianbao.catalogue import cells

    found = cells(args.table, args.format, extra=args.extra)
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(found)} cell(s)")
    for name in ("key", "标签", "formats"):
        table.add_column(name, overflow="fold")
    for c in found:
        table.add_row(c["key"], c["label_zh"], " ".join(c["formats"]) or "extra")
    Console().print(table)
    return 0
