"""Open the configured stores from their URLs.

    objects: file:///abs/dir                      → FileObjectStore (embedded default)
             s3://bucket?endpoint=host:port&secure=false[&region=…]  → S3ObjectStore (MinIO)
    search:  sqlite:///abs/path/index.db[?timeout=s]   → SqliteSearchStore (embedded default)
             postgresql://user:pass@host:port/db[?pool_max=n]  → PostgresSearchStore

Both functions are coroutines: PostgreSQL opens a pool, SQLite creates its schema. Credentials for
S3 come from Settings (NIANBAO_S3_ACCESS_KEY / NIANBAO_S3_SECRET_KEY), never from the URL, so a URL
can be logged. PostgreSQL schema migrations run here only when `migrate=True` or
Settings.search_migrate (else `nianbao migrate` applies them; an unmigrated database fails ping()).

Settings read: object_store, search, s3_access_key, s3_secret_key, s3_region, search_migrate,
store_timeout_s.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from shared.config import Settings, load
from shared.errors import BadSetting
from shared.redact import redact_url
from shared.storage.base import ObjectStore, SearchStore


def _query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def _truthy(value: str | None, default: bool) -> bool:
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


async def open_object_store(
    url: str | None = None, settings: Settings | None = None
) -> ObjectStore:
    settings = settings or load()
    url = url or settings.object_store_url
    parts = urlsplit(url)
    if parts.scheme == "file":
        from shared.storage.files import FileObjectStore

        return FileObjectStore(unquote(parts.path))
    if parts.scheme == "s3":
        from shared.storage.s3 import S3ObjectStore

        opts = _query(url)
        if not parts.netloc:
            raise BadSetting(f"object store URL {redact_url(url)!r} names no bucket")
        store = S3ObjectStore(
            bucket=parts.netloc,
            endpoint=opts.get("endpoint", "s3.amazonaws.com"),
            secure=_truthy(opts.get("secure"), True),
            region=opts.get("region", settings.s3_region),
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            timeout_s=settings.store_timeout_s,
        )
        await store.ensure_bucket()
        return store
    raise BadSetting(
        f"unknown object store URL {redact_url(url)!r} (use file:///dir or s3://bucket?endpoint=…)"
    )


async def open_search_store(
    url: str | None = None, settings: Settings | None = None, *, migrate: bool | None = None
) -> SearchStore:
    settings = settings or load()
    url = url or settings.search_url
    parts = urlsplit(url)
    opts = _query(url)
    if parts.scheme == "sqlite":
        from shared.storage.sqlite import SqliteSearchStore

        path = unquote(parts.path)
        if parts.netloc:  # sqlite://relative/path is a common slip; refuse rather than guess
            raise BadSetting(f"sqlite URL {redact_url(url)!r} must be sqlite:///absolute/path")
        path = ":memory:" if path == "/:memory:" else path
        timeout = float(opts.get("timeout", settings.store_timeout_s))
        return await SqliteSearchStore(path, timeout_s=timeout).open()
    if parts.scheme in ("postgresql", "postgres"):
        from shared.storage.postgres import PostgresSearchStore

        migrate = settings.search_migrate if migrate is None else migrate
        return await PostgresSearchStore.connect(
            url, timeout_s=settings.store_timeout_s, migrate=migrate
        )
    raise BadSetting(
        f"unknown search store URL {redact_url(url)!r} (use sqlite:///file or postgresql://…)"
    )
