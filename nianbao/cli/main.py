"""`nianbao` — one command line for the whole system.

Each subcommand lives in its own module under nianbao/cli/ exposing `add_arguments(parser)` and
`run(args) -> int`; modules are imported only when their command runs, so `nianbao parse` does
not pay for the broker client (`full_parser()` imports them all: completion and tests).

Conventions every command keeps: usage errors on stderr with exit 2, results on stdout (`--json`
on every command that reads something), exit 130 after Ctrl-C, `--data-dir` for the state
directory, `--portals` for the registry file, and a help text on every option. Unknown
`NIANBAO_*` environment variables are warned about with a did-you-mean before the command runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from shared.errors import BadSetting

# command → (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("nianbao.cli.parse_cmd", "parse a report file and print its tables as JSON"),
    "validate": (
        "nianbao.cli.validate_cmd",
        "parse and validate a report file; print findings as JSON",
    ),
    "run": (
        "nianbao.cli.run_cmd",
        "start the whole pipeline on this machine and crawl the portals",
    ),
    "serve": (
        "nianbao.cli.serve_cmd",
        "run one service (fetcher, parser, ocr, validator, indexer, scheduler)",
    ),
    "topology": ("nianbao.cli.topology_cmd", "apply or check the JetStream streams and consumers"),
    "search": ("nianbao.cli.search_cmd", "full-text search over indexed reports"),
    "report": ("nianbao.cli.report_cmd", "show one indexed report's tables and findings"),
    "replay": ("nianbao.cli.replay_cmd", "replay a doc.* subject through its consumer stage"),
    "reprocess": (
        "nianbao.cli.reprocess_cmd",
        "replay reports produced by an older parser/validator",
    ),
    "dlq": ("nianbao.cli.dlq_cmd", "list, show and redrive dead-lettered messages"),
    "missing": (
        "nianbao.cli.missing_cmd",
        "list registered agencies whose report for a year was not found",
    ),
    "portals": ("nianbao.cli.portals_cmd", "list, check and add portals in the registry"),
    "migrate": ("nianbao.cli.migrate_cmd", "apply search-store schema migrations"),
    "export": (
        "nianbao.cli.export_cmd",
        "export reports, cells, findings and a dictionary (csv, xlsx, parquet, jsonl, sqlite)",
    ),
    "duplicates": (
        "nianbao.cli.duplicates_cmd",
        "find a year's duplicate reports (X-001, X-002) and write them to the index",
    ),
    "rules": ("nianbao.cli.rules_cmd", "list the validator's rules (id, severity, what it checks)"),
    "cells": ("nianbao.cli.cells_cmd", "list the cell keys of the national formats"),
    "objects": ("nianbao.cli.objects_cmd", "verify that stored objects match their sha256 names"),
    "web": ("nianbao.cli.web_cmd", "serve the reports, cells and findings as a web view"),
    "completion": (
        "nianbao.cli.completion_cmd",
        "print a shell completion script (bash, zsh, tcsh)",
    ),
}


def build_parser(
    argv: list[str], full: bool = False
) -> tuple[argparse.ArgumentParser, object | None]:
    """The parser with the chosen command's arguments (every command's when `full`)."""
    parser = argparse.ArgumentParser(prog="nianbao", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--version", action="version", version=version_line(), help="print the versions and exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = argv[0] if argv else None
    module = None
    for name, (mod_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen or full:
            mod = importlib.import_module(mod_name)
            mod.add_arguments(p)
            if name == chosen:
                module = mod
    return parser, module


def version_line() -> str:
    """Package, parser, validator and index schema versions (what produced the data)."""
    from importlib.metadata import PackageNotFoundError, version

    from shared.versions import INDEX_SCHEMA_VERSION, PARSER_VERSION, VALIDATOR_VERSION

    try:
        package = version("nianbao")
    except PackageNotFoundError:
        package = "unknown"
    return (
        f"nianbao {package} (parser {PARSER_VERSION}, validator {VALIDATOR_VERSION},"
        f" index schema {INDEX_SCHEMA_VERSION})"
    )


def full_parser() -> argparse.ArgumentParser:
    return build_parser([], full=True)[0]


def warn_unknown_settings(env=None, out=None) -> list[str]:
    """One stderr line per NIANBAO_* variable that names no setting, with the nearest name."""
    from shared.config import unknown_settings

    lines = []
    for name, near in unknown_settings(os.environ if env is None else env):
        hint = f" (did you mean {near}?)" if near else ""
        lines.append(f"nianbao: warning: {name} is not a nianbao setting{hint}; it is ignored")
    for line in lines:
        print(line, file=out or sys.stderr)
    return lines


def main(argv: list[str] | None = None) -> int:
    from shared.redact import install

    install()  # no credential of a URL reaches the terminal or a log, whatever prints it
    argv = sys.argv[1:] if argv is None else argv
    parser, module = build_parser(argv)
    args = parser.parse_args(argv)  # usage errors: stderr, exit 2 (argparse)
    if module is None:
        parser.print_help(sys.stderr)
        return 2
    warn_unknown_settings()
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        print("nianbao: interrupted", file=sys.stderr)
        return 130
    except BadSetting as e:  # one line naming the setting, not a traceback
        print(f"nianbao {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
