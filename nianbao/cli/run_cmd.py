"""`nianbao run` — the whole pipeline on this machine (see nianbao/launcher.py)."""

from __future__ import annotations

import asyncio
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


def run(args) -> int:
    from nianbao.launcher import RunOptions
    from nianbao.launcher import run as launch

    settings = load(data_dir=args.data_dir)
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
        live=False if args.plain else None,
    )
    from nianbao.datadir import DataDirBusy

    try:
        result = asyncio.run(launch(settings, options))
    except DataDirBusy as exc:
        print(f"nianbao run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0 if result.idle or args.follow else 1
