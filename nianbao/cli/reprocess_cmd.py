"""`nianbao reprocess --stale [--dry-run] [--rate N] [--portal P]`

Asks the search index which reports an older parser or validator produced (each row records the
versions that produced it; this code is parser PARSER_VERSION, validator VALIDATOR_VERSION) and
replays only those: from doc.fetched when the parser changed, from doc.parsed when only the
validator did. Each replay is an ordinary resumable replay (`nianbao replay --runs`).
`--versions` prints how many indexed reports each (parser, validator) version pair produced.

Exit 0 done, 1 failed, 2 bad arguments, 3 broker or search store unreachable.
Settings read: nats_url, search, data_dir (through shared.config.load()).
"""

from __future__ import annotations

import argparse
import json
import sys

from nianbao.cli.replay_cmd import (
    EXIT_OK,
    EXIT_USAGE,
    add_run_arguments,
    print_result,
    result_dict,
    run_async,
)
from nianbao.ops.progress import ReplayProgress
from nianbao.ops.reprocess import reprocess_stale, stale_plan
from nianbao.ops.session import broker
from shared.events import subject_token
from shared.versions import PARSER_VERSION, VALIDATOR_VERSION


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stale", action="store_true", help="replay reports produced by older versions"
    )
    parser.add_argument(
        "--versions", action="store_true", help="count indexed reports by producing versions"
    )
    parser.add_argument("--portal", help="only this portal's reports")
    add_run_arguments(parser)


async def _open_search(settings):
    from shared.storage.factory import open_search_store

    return await open_search_store(settings=settings)


async def _main(args, settings) -> int:
    search = await _open_search(settings)
    try:
        if args.versions:
            plan = await stale_plan(search)
            current = (PARSER_VERSION, VALIDATOR_VERSION)
            stale = {
                f"parser {p} / validator {v}": n for (p, v), n in sorted(plan.versions.items())
            }
            total = await search.count()
            if args.json:
                print(
                    json.dumps(
                        {
                            "current": {"parser": current[0], "validator": current[1]},
                            "reports": total,
                            "stale": stale,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                print(
                    f"current: parser {current[0]} / validator {current[1]}: {total - plan.total} reports"
                )
                for label, n in stale.items():
                    print(f"stale:   {label}: {n} reports")
            return EXIT_OK
        progress = (
            None if args.no_progress else (lambda kind: ReplayProgress(label=f"reprocess {kind}"))
        )
        portal = subject_token(args.portal) if args.portal else None
        async with broker(settings) as js:
            plan, results = await reprocess_stale(
                js,
                search,
                dry_run=args.dry_run,
                rate=args.rate,
                progress_factory=progress,
                portal=portal,
            )
    finally:
        await search.close()
    if args.json:
        print(
            json.dumps(
                {
                    "reparse": len(plan.reparse),
                    "revalidate": len(plan.revalidate),
                    "replays": [result_dict(r) for r in results],
                },
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    print(
        f"stale reports: {len(plan.reparse)} to re-parse, {len(plan.revalidate)} to re-validate"
        f" (current parser {PARSER_VERSION}, validator {VALIDATOR_VERSION})"
    )
    for r in results:
        print_result(r, False)
    return EXIT_OK


def run(args) -> int:
    if not (args.stale or args.versions):
        print(
            "nianbao reprocess: say what to reprocess: --stale (or --versions to look first)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return run_async(_main, args)
