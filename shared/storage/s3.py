"""The production object store: MinIO (or any S3) through the `minio` SDK.

minio-py is synchronous (urllib3), so every call runs in `asyncio.to_thread`; the client is
thread-safe. Its default HTTP client retries for a long time; here urllib3 gets a short timeout
and one retry, because retrying is the broker's job (nak with delay), not a thread blocked inside
a handler. Connection failures and 5xx become StoreUnavailable.

put_if_absent = stat, then put. Keys are content-addressed (`raw/<sha256>`), so two writers
racing past the stat write the same bytes and the object is the same either way. Objects larger
than PART_SIZE are uploaded multipart (minio does it when length > part_size). Metadata travels
as `x-amz-meta-*` headers (source URL percent-encoded: headers are ASCII).

Reads hash the bytes as they stream in and raise CorruptObject when they do not match the
sha256 the key names (shared/storage/integrity.py). put_if_absent reads an existing object back
before it declines to write, and overwrites one whose bytes fail verification.

URL: s3://bucket?endpoint=host:port&secure=false[&region=r]
Settings read (via factory.py): s3_access_key, s3_secret_key, s3_region, store_timeout_s.
The credentials are never logged and are absent from repr().
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import TypeVar
from urllib.parse import quote, unquote

import urllib3
from minio import Minio
from minio.error import S3Error, ServerError
from minio.helpers import DictType
from urllib3.exceptions import HTTPError as Urllib3Error

from shared import metrics
from shared.errors import ObjectMissing, StoreUnavailable
from shared.storage.base import ObjectMeta
from shared.storage.files import CHUNK, check_key
from shared.storage.integrity import Digest, digest_of, expected_digest

T = TypeVar("T")
PART_SIZE = 16 * 1024 * 1024
_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}
_HEALABLE_CODES = {
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "RequestTimeout",
    "XMinioServerNotInitialized",
}


class S3ObjectStore:
    def __init__(
        self,
        *,
        bucket: str,
        endpoint: str,
        secure: bool = True,
        region: str = "us-east-1",
        access_key: str = "",
        secret_key: str = "",
        timeout_s: float = 5.0,
    ) -> None:
        self.bucket = bucket
        self.endpoint = endpoint
        self._http = http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout_s, read=max(timeout_s, 30.0)),
            retries=urllib3.Retry(
                total=1, backoff_factor=0.1, status_forcelist=[500, 502, 503, 504]
            ),
            maxsize=16,
        )
        self.client = Minio(
            endpoint,
            access_key=access_key or None,
            secret_key=secret_key or None,
            secure=secure,
            region=region,
            http_client=http,
        )
        self._bucket_ready = False

    def __repr__(self) -> str:  # no credentials here, ever
        return f"S3ObjectStore(bucket={self.bucket!r}, endpoint={self.endpoint!r})"

    # --- plumbing ------------------------------------------------------------------------------
    def _call(self, op: str, fn: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return fn()
        except S3Error as exc:
            if exc.code in _HEALABLE_CODES:
                raise StoreUnavailable(f"s3 {op}: {exc.code}") from exc
            raise
        except (ServerError, Urllib3Error, OSError) as exc:
            raise StoreUnavailable(f"s3 {op}: {type(exc).__name__}: {exc}") from exc
        finally:
            metrics.STORE_SECONDS.labels("s3", op).observe(time.perf_counter() - started)

    async def _run(self, op: str, fn: Callable[[], T]) -> T:
        return await asyncio.to_thread(self._call, op, fn)

    def _ensure_bucket_sync(self, *, check: bool = False) -> None:
        if self._bucket_ready and not check:
            return
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as exc:  # another replica created it first
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self._bucket_ready = True

    async def ensure_bucket(self) -> None:
        """Create the bucket if needed. A store that is down now is not an error yet: the bucket
        is checked again on the first write and by ping()."""
        try:
            await self._run("ensure_bucket", self._ensure_bucket_sync)
        except StoreUnavailable:
            pass

    # --- writing -------------------------------------------------------------------------------
    def _stat(self, key: str):
        try:
            return self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise

    def _put_sync(self, key: str, data: bytes, meta: ObjectMeta) -> bool:
        self._ensure_bucket_sync()
        try:
            return self._put_once(key, data, meta)
        except S3Error as exc:
            if exc.code != "NoSuchBucket":
                raise
            self._ensure_bucket_sync(check=True)  # the bucket went away (a wiped dev server)
            return self._put_once(key, data, meta)

    def _put_once(self, key: str, data: bytes, meta: ObjectMeta) -> bool:
        if self._stat(key) is not None:
            if expected_digest(key) != digest_of(data) or self._intact(key):
                return False
            # the stored bytes fail their name and these pass: overwrite (a re-fetch repairs)
        self.client.put_object(
            self.bucket,
            key,
            io.BytesIO(data),
            len(data),
            content_type=meta.content_type or "application/octet-stream",
            metadata=_meta_headers(meta),
            part_size=PART_SIZE,
        )
        return True

    def _intact(self, key: str) -> bool:
        digest = Digest(key, "s3")
        try:
            resp = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            raise
        try:
            for chunk in resp.stream(CHUNK):
                digest.update(chunk)
        finally:
            resp.close()
            resp.release_conn()
        return digest.matches()

    async def put_if_absent(self, key: str, data: bytes, meta: ObjectMeta) -> bool:
        check_key(key)
        return await self._run("put", lambda: self._put_sync(key, data, meta))

    # --- reading -------------------------------------------------------------------------------
    def _get_sync(self, key: str) -> bytes:
        try:
            resp = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                raise ObjectMissing(f"no object {key} in bucket {self.bucket}") from None
            raise
        digest = Digest(key, "s3")
        try:
            data = b"".join(digest.update(chunk) for chunk in resp.stream(CHUNK))
        finally:
            resp.close()
            resp.release_conn()
        digest.verify()
        return data

    async def get(self, key: str) -> bytes:
        check_key(key)
        return await self._run("get", lambda: self._get_sync(key))

    async def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> AsyncIterator[bytes]:
        """Stream an object in chunks; memory stays at one chunk whatever the object's size."""
        check_key(key)

        def open_() -> urllib3.BaseHTTPResponse:
            try:
                return self.client.get_object(self.bucket, key)
            except S3Error as exc:
                if exc.code in _MISSING:
                    raise ObjectMissing(f"no object {key} in bucket {self.bucket}") from None
                raise

        resp = await self._run("get", open_)
        digest = Digest(key, "s3")
        try:
            while chunk := await self._run("read", lambda: resp.read(chunk_size)):
                yield digest.update(chunk)
        finally:
            resp.close()
            resp.release_conn()
        digest.verify()  # after the last chunk: a reader must not act on what it was given

    open_stream = iter_chunks

    async def exists(self, key: str) -> bool:
        check_key(key)
        return await self._run("head", lambda: self._stat(key)) is not None

    async def keys(self, prefix: str = "raw/") -> list[str]:
        """Every object key under `prefix`."""

        def list_() -> list[str]:
            self._ensure_bucket_sync()
            return sorted(
                o.object_name
                for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
                if o.object_name and not o.is_dir
            )

        return await self._run("list", list_)

    async def head(self, key: str) -> ObjectMeta | None:
        check_key(key)
        stat = await self._run("head", lambda: self._stat(key))
        if stat is None:
            return None
        return _meta_of(key, stat)

    async def presigned_url(self, key: str, expires_s: int = 3600) -> str:
        check_key(key)
        return await self._run(
            "presign",
            lambda: self.client.presigned_get_object(
                self.bucket, key, expires=timedelta(seconds=expires_s)
            ),
        )

    async def ping(self) -> None:
        await self._run("ping", lambda: self._ensure_bucket_sync(check=True))

    async def close(self) -> None:
        self._http.clear()


def _meta_headers(meta: ObjectMeta) -> DictType:
    out: DictType = {}
    if meta.source_url:
        out["source-url"] = quote(meta.source_url, safe="")  # unquote() restores it exactly
    if meta.fetched_at is not None:
        out["fetched-at"] = repr(float(meta.fetched_at))
    if meta.etag:
        out["origin-etag"] = quote(meta.etag, safe="")
    if meta.last_modified:
        out["origin-last-modified"] = meta.last_modified
    return out


def _meta_of(key: str, stat) -> ObjectMeta:
    headers = {k.lower(): v for k, v in (stat.metadata or {}).items()}

    def amz(name: str) -> str | None:
        return headers.get("x-amz-meta-" + name)

    fetched = amz("fetched-at")
    source = amz("source-url")
    etag = amz("origin-etag")
    return ObjectMeta(
        key=key,
        size=int(stat.size or 0),
        source_url=unquote(source) if source else None,
        content_type=stat.content_type,
        fetched_at=float(fetched) if fetched else None,
        etag=unquote(etag) if etag else None,
        last_modified=amz("origin-last-modified"),
    )
