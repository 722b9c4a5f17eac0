"""The embedded object store: a directory, content-addressed (`raw/<sha256>`).

Writes are atomic: bytes go to a temp file in the target directory, are fsync'ed, and are then
hard-linked to their final name. `os.link` fails when the name exists, so two writers racing on the
same key cannot both "win" and a reader never sees a half-written object. Metadata (source URL,
content type, fetch time, HTTP validators) lives next to the object in `<key>.meta.json`, written
only by the writer that created the object.

Every read checks the bytes against the sha256 their key names (shared/storage/integrity.py):
CorruptObject, never wrong bytes. put_if_absent verifies an existing object before it declines
to write, and replaces one whose bytes fail verification (atomically, `os.replace`): re-fetching
the URL repairs it.

Settings read: none (the root comes from the `file://` URL, see factory.py).
"""

from __future__ import annotations

import asyncio
import errno
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec

from shared.errors import ObjectMissing, StoreUnavailable
from shared.storage.base import ObjectMeta
from shared.storage.integrity import Digest, digest_of, expected_digest

# errnos that describe the environment rather than the request: they may heal by themselves
_HEALABLE = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EIO,
    errno.EAGAIN,
    errno.ESTALE,
    errno.ENOTCONN,
    errno.EROFS,
}

CHUNK = 1 << 20


def check_key(key: str) -> str:
    """Keys are relative slash paths without `..`; anything else is a programming error."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        raise ValueError(f"bad object key {key!r}")
    if key.endswith(".meta.json") or ".tmp-" in parts[-1]:
        raise ValueError(f"reserved object key {key!r}")
    return key


def _unavailable(exc: OSError) -> Exception:
    if exc.errno in _HEALABLE:
        return StoreUnavailable(f"file store: {exc.strerror} ({exc.filename})")
    return exc


class FileObjectStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"FileObjectStore({str(self.root)!r})"

    def path_of(self, key: str) -> Path:
        return self.root / check_key(key)

    # --- writing -------------------------------------------------------------------------------
    def _put_sync(self, key: str, data: bytes, meta: ObjectMeta) -> bool:
        final = self.path_of(key)
        repair = False
        if final.exists():
            if self._intact(key) or expected_digest(key) != digest_of(data):
                return False
            repair = True  # the stored bytes fail their name, these bytes pass: replace them
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=final.name + ".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            try:
                if repair:
                    os.replace(tmp, final)
                    tmp = ""
                else:
                    os.link(tmp, final)
            except FileExistsError:
                return False  # another writer won the race with the same (content-addressed) bytes
            meta = msgspec.structs.replace(meta, key=key, size=len(data))
            self._write_meta(final, meta)
            _fsync_dir(final.parent)
            return True
        finally:
            if tmp:
                os.unlink(tmp)

    def _intact(self, key: str) -> bool:
        """Whether the stored object's bytes hash to its name (read in chunks)."""
        digest = Digest(key, "file")
        try:
            with open(self.path_of(key), "rb") as f:
                while chunk := f.read(CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            return False
        return digest.matches()

    def _write_meta(self, final: Path, meta: ObjectMeta) -> None:
        meta_path = final.with_name(final.name + ".meta.json")
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=final.name + ".tmp-meta-")
        with os.fdopen(fd, "wb") as f:
            f.write(msgspec.json.encode(meta))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, meta_path)

    async def put_if_absent(self, key: str, data: bytes, meta: ObjectMeta) -> bool:
        try:
            return await asyncio.to_thread(self._put_sync, key, data, meta)
        except OSError as exc:
            raise _unavailable(exc) from exc

    # --- reading -------------------------------------------------------------------------------
    def _get_sync(self, key: str) -> bytes:
        digest = Digest(key, "file")
        with open(self.path_of(key), "rb") as f:
            data = digest.update(f.read())
        digest.verify()
        return data

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._get_sync, key)
        except FileNotFoundError:
            raise ObjectMissing(f"no object {key}") from None
        except OSError as exc:
            raise _unavailable(exc) from exc

    async def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> AsyncIterator[bytes]:
        """Stream an object without holding it in memory."""
        path = self.path_of(key)
        try:
            f = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise ObjectMissing(f"no object {key}") from None
        except OSError as exc:
            raise _unavailable(exc) from exc
        digest = Digest(key, "file")
        try:
            while chunk := await asyncio.to_thread(f.read, chunk_size):
                yield digest.update(chunk)
        finally:
            f.close()
        digest.verify()  # after the last chunk: a reader must not act on what it was given

    open_stream = iter_chunks

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    async def keys(self, prefix: str = "raw/") -> list[str]:
        """Every object key under `prefix` (metadata and temp files are not objects)."""

        def walk() -> list[str]:
            base = self.root / prefix if prefix else self.root
            if not base.is_dir():
                return []
            out = []
            for path in base.rglob("*"):
                if path.is_file() and not path.name.endswith(".meta.json"):
                    if ".tmp-" not in path.name:
                        out.append(path.relative_to(self.root).as_posix())
            return sorted(out)

        try:
            return await asyncio.to_thread(walk)
        except OSError as exc:
            raise _unavailable(exc) from exc

    def _head_sync(self, key: str) -> ObjectMeta | None:
        path = self.path_of(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return None
        meta_path = path.with_name(path.name + ".meta.json")
        try:
            meta = msgspec.json.decode(meta_path.read_bytes(), type=ObjectMeta)
        except (FileNotFoundError, msgspec.DecodeError):
            # the object is the truth; metadata is a convenience and may be lost in a crash
            meta = ObjectMeta(key=key, size=size)
        return msgspec.structs.replace(meta, key=key, size=size)

    async def head(self, key: str) -> ObjectMeta | None:
        try:
            return await asyncio.to_thread(self._head_sync, key)
        except OSError as exc:
            raise _unavailable(exc) from exc

    async def presigned_url(self, key: str, expires_s: int = 3600) -> str:
        return self.path_of(key).resolve().as_uri()

    async def ping(self) -> None:
        def probe() -> None:
            if not self.root.is_dir():
                raise StoreUnavailable(f"file store root {self.root} is missing")
            if not os.access(self.root, os.W_OK | os.X_OK):
                raise StoreUnavailable(f"file store root {self.root} is not writable")

        await asyncio.to_thread(probe)

    async def close(self) -> None:
        return None


def _fsync_dir(path: Path) -> None:
    """Make the new directory entry durable (the link itself), not only the file's bytes."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
