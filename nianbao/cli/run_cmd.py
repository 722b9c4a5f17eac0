"""`nianbao run` — the whole pipeline on this machine (see nianbao/launcher.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys

from shared.config import load


def add_arguments(parser) -> None:
    parser.add_argument(
        "--follow", action="store_true", help="keep running after the crawl (Ctrl-C stops)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="max seconds to wait for the pipeline to be idle",
    )
    parser.add_argument(
        "--data-dir", help="state directory (default: NIANBAO_DATA_DIR or .nianbao)"
    )
    parser.add_argument(
        "--no-portal", action="store_true", help="don't serve the bundled sample portal"
    )
    parser.add_argument(
        "--no-crawl", action="store_true", help="don't publish crawl.due (process what is queued)"
    )
    parser.add_argument(
        "--plain", action="store_true", help="plain progress lines instead of a live table"
    )
    parser.add_argument(
        "--portals",
        help="registry file to crawl (default: NIANBAO_PORTALS or the bundled sample portal)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the summary as JSON on stdout (progress goes to stderr)",
    )


def run(args) -> int:
    from nianbao.launcher import RunOptions
    from nianbao.launcher import run as launch
    from nianbao.progress import REFUSED

    settings = load(data_dir=args.data_dir, portals=args.portals)
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # FastStream's own per-message and lifecycle logs would drown the progress display.
    logging.getLogger("faststream").setLevel(logging.WARNING)
    logging.getLogger("nianbao.broker").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    options = RunOptions(
        follow=args.follow,
        timeout_s=args.timeout,
        portal=not args.no_portal,
        crawl=not args.no_crawl,
        live=False if args.plain or args.json else None,
    )
    from nianbao.datadir import DataDirBusy

    try:
        result = asyncio.run(launch(settings, options, out=sys.stderr if args.json else None))
    except DataDirBusy as exc:
        print(f"nianbao run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if args.json:
        print(json.dumps(summary_json(result), ensure_ascii=False))
    if args.follow:  # Ctrl-C is how --follow ends
        return 0
    if result.interrupted:
        return 130
    if any(REFUSED in reasons for reasons in result.portal_failures.values()):
        return 1  # a registry portal the settings do not let the fetcher reach: not a success
    return 0 if result.idle else 1


def summary_json(result) -> dict:
    """The run summary as JSON: the same numbers the text summary prints."""
    from dataclasses import asdict

    from nianbao.progress import rejection_reasons

    out = asdict(result)
    out["rejected_by_reason"] = [
        {"stage": stage, "reason": reason, "count": n}
        for (stage, reason), n in rejection_reasons().items()
    ]
    return out
