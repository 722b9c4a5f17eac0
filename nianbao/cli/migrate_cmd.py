"""`nianbao migrate [--check]`: bring the search store's schema up to date.

PostgreSQL: applies the pending files of shared/storage/migrations/ in order, each in its own
transaction, recorded in `schema_migrations` (an advisory lock keeps two migrators apart).
SQLite: the schema is created when the file is opened; this only reports it.
`--check` applies nothing and exits 1 when migrations are pending. Exit 3 when unavailable.
Settings read: search, data_dir, store_timeout_s (through shared.config.load()).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from nianbao.cli.search_cmd import EXIT_OK, add_store_arguments, with_store

EXIT_PENDING = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check", action="store_true", help="only report; exit 1 when migrations are pending"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_store_arguments(parser)


def run(args: argparse.Namespace) -> int:
    def say(store: Any, text: str, **fields: Any) -> None:
        print(json.dumps({"store": repr(store), **fields}) if args.json else f"{store!r}: {text}")

    async def work(store: Any) -> int:
        if not hasattr(store, "migrate"):
            say(store, "schema is created on open; nothing to migrate", migrations=False)
            return EXIT_OK
        from shared.storage.migrate import latest_version

        have, need = await store.schema_version(), latest_version()
        if args.check:
            pending = have < need
            say(store, f"schema at {have}, code needs {need}", schema=have, needs=need,
                pending=pending)  # fmt: skip
            return EXIT_PENDING if pending else EXIT_OK
        applied = await store.migrate()
        now = await store.schema_version()
        say(store, f"applied {applied or 'nothing'}; schema at {now}", applied=applied, schema=now)
        return EXIT_OK

    return with_store(args, work)
