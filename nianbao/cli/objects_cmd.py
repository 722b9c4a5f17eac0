"""`nianbao objects verify [--data-dir D | --store URL] [--json]`: check that every stored
object's bytes still hash to the sha256 its key names.

Reads each object once, streaming (memory stays at one chunk), and prints one line per corrupt
or unreadable object, then a summary. Exit status 0 when every object verifies, 1 when any does
not (re-fetch its URL, or `nianbao reprocess`, to repair it), 2 when the store cannot be opened.

Settings read: object_store, data_dir (and the S3 credentials, through the store factory).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from shared.config import load
from shared.errors import CorruptObject, ObjectMissing, StoreUnavailable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="hash every object and compare it with its name")
    where = verify.add_mutually_exclusive_group()
    where.add_argument("--data-dir", default=None, help="the embedded store under DIR/objects")
    where.add_argument(
        "--store", default=None, help="object store URL (file:///dir or s3://bucket?endpoint=…)"
    )
    verify.add_argument("--prefix", default="raw/", help="keys to check (default raw/)")
    verify.add_argument("--json", action="store_true", help="print one JSON summary")


async def verify(store, prefix: str = "raw/") -> dict:
    """{checked, corrupt: [key…], missing: [key…]}: every object under `prefix`, hashed."""
    corrupt: list[str] = []
    missing: list[str] = []
    keys = await store.keys(prefix)
    for key in keys:
        try:
            async for _ in store.iter_chunks(key):
                pass
        except CorruptObject:
            corrupt.append(key)
        except ObjectMissing:  # deleted while we listed: not ours to judge
            missing.append(key)
    return {"checked": len(keys), "corrupt": corrupt, "missing": missing}


async def _run(args: argparse.Namespace) -> int:
    from shared.redact import redact_url
    from shared.storage.factory import open_object_store

    settings = load(data_dir=args.data_dir) if args.data_dir else load()
    url = args.store or settings.object_store_url
    try:
        store = await open_object_store(url, settings)
    except (ValueError, StoreUnavailable) as e:
        print(f"nianbao objects verify: cannot open {redact_url(url)}: {e}", file=sys.stderr)
        return 2
    try:
        result = await verify(store, args.prefix)
    except StoreUnavailable as e:
        print(f"nianbao objects verify: {redact_url(url)}: {e}", file=sys.stderr)
        return 2
    finally:
        await store.close()
    if args.json:
        print(json.dumps({"store": redact_url(url), **result}, ensure_ascii=False))
    else:
        for key in result["corrupt"]:
            print(f"corrupt  {key}")
        print(
            f"{result['checked']} objects checked in {redact_url(url)}:"
            f" {len(result['corrupt'])} corrupt"
        )
    return 1 if result["corrupt"] else 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))
