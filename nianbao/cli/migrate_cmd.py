"""`nianbao migrate [--check]`: bring the search store's schema up to date.

PostgreSQL: applies the pending files of shared/storage/migrations/ in order, each in its own
transaction, recorded in `schema_migrations` (an advisory lock keeps two migrators apart).
SQLite: the schema is created when the file is opened; this only reports it.
`--check` applies nothing and exits 1 when migrations are pending. Exit 3 when unavailable.
Settings read: search, data_dir, store_timeout_s (through shared.config.load()).
"""

from __future__ import annotations

import argparse
from typing import Any

from nianbao.cli.search_cmd import EXIT_OK, add_store_arguments, with_store

EXIT_PENDING = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check", action="store_true", help="only report; exit 1 when migrations are pending"
    )
    add_store_arguments(parser)


def run(args: argparse.Namespace) -> int:
    async def work(store: Any) -> int:
        if not hasattr(store, "migrate"):
            print(f"{store!r}: schema is created on open; nothing to migrate")
            return EXIT_OK
        from shared.storage.migrate import latest_version

        have, need = await store.schema_version(), latest_version()
        if args.check:
            print(f"{store!r}: schema at {have}, code needs {need}")
            return EXIT_OK if have >= need else EXIT_PENDING
        applied = await store.migrate()
        print(
            f"{store!r}: applied {applied or 'nothing'}; schema at {await store.schema_version()}"
        )
        return EXIT_OK

    return with_store(args, work)
