"""`nianbao web [--data-dir D] [--db FILE] [--host 127.0.0.1] [--port 8001]`: the web view.

Without --db it first exports the search store (SQLite or PostgreSQL, as configured) into
<data_dir>/web.db — unless web.db was built from the index as it is now (the index's content
fingerprint is stored in the snapshot and compared at start: one scan of reports and findings),
when it is served again; `--rebuild` rebuilds it anyway, `--reuse` serves the existing one
without looking at the index — then serves it with Datasette: tables
reports / cells / findings / dictionary with Chinese titles, facets, `.csv` and `.json` on every
table, the search query (the same Chinese segmentation as `nianbao search`), canned queries, and a
page per report (/-/nianbao/report/<doc_id>) with its findings, highlighted cells and their
source. Read-only; binds 127.0.0.1 unless --host says otherwise.
Exit 0 on Ctrl-C, 2 when --db names no file, 3 when the search store is unavailable.
Settings read: search, object_store, data_dir, s3_*, store_timeout_s (through shared.config).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nianbao.cli.search_cmd import EXIT_OK, EXIT_USAGE, add_store_arguments, settings_of, with_store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", help="serve this SQLite snapshot (from `nianbao export --format sqlite`)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="serve <data_dir>/web.db as it is, without comparing it with the index",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild <data_dir>/web.db even if it is current"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port to listen on (8001)")
    parser.add_argument(
        "--objects-url",
        help="object store URL (default: NIANBAO_OBJECT_STORE or <data_dir>/objects)",
    )
    add_store_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from nianbao.web.app import create

    settings = settings_of(args)
    if args.db:
        db = Path(args.db)
        if not db.is_file():
            print(f"nianbao: no such snapshot: {db}", file=sys.stderr)
            return EXIT_USAGE
    else:
        db = Path(settings.data_dir) / "web.db"
        code = prepare_snapshot(args, db)
        if code != EXIT_OK:
            return code
    import uvicorn

    ds = create(db, objects_url=args.objects_url or settings.object_store_url, settings=settings)
    print(f"web: http://{args.host}:{args.port}/web/search", file=sys.stderr, flush=True)
    uvicorn.run(ds.app(), host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def prepare_snapshot(args: argparse.Namespace, db: Path) -> int:
    """Build `db` from the search store unless it is current (or --reuse says serve it as is)."""
    from nianbao.web.app import build_snapshot, snapshot_fingerprint

    if args.reuse and db.is_file():
        return EXIT_OK

    async def work(store: Any) -> int:
        fingerprint = await store.content_fingerprint()
        if not args.rebuild and snapshot_fingerprint(db) == fingerprint:
            print(f"web: the index has not changed since {db} was built; serving it",
                  file=sys.stderr)  # fmt: skip
            return EXIT_OK
        n = await build_snapshot(store, db, fingerprint=fingerprint)
        print(f"web: {n} report(s) in {db}", file=sys.stderr)
        return EXIT_OK

    return with_store(args, work)
