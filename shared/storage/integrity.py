"""Objects are named by the sha256 of their bytes (`raw/<sha256>`); every read proves it.

The stores hash while they read (`Digest`, chunk by chunk, no second pass) and raise
CorruptObject instead of returning bytes that do not match their name — a flipped bit on disk
or a truncated copy must never be parsed into wrong numbers — and count it in
`nianbao_objects_corrupt_total{store}`. A key that names no digest (not `raw/<64 hex>`) is not
checked. Settings read: none.
"""

from __future__ import annotations

import hashlib
import re

from shared import metrics
from shared.errors import CorruptObject

_RAW = re.compile(r"(?:^|/)([0-9a-f]{64})$")


def expected_digest(key: str) -> str | None:
    """The sha256 hex a key promises, or None when the key names no digest."""
    m = _RAW.search(key)
    return m.group(1) if m else None


class Digest:
    """sha256 of an object's bytes as they stream past; `verify()` once the last chunk is in."""

    __slots__ = ("key", "expected", "store", "_hash", "size")

    def __init__(self, key: str, store: str) -> None:
        self.key = key
        self.store = store
        self.expected = expected_digest(key)
        self._hash = hashlib.sha256() if self.expected else None
        self.size = 0

    def update(self, chunk: bytes) -> bytes:
        if self._hash is not None:
            self._hash.update(chunk)
        self.size += len(chunk)
        return chunk

    def matches(self) -> bool:
        return self._hash is None or self._hash.hexdigest() == self.expected

    def verify(self) -> None:
        if self.matches():
            return
        assert self._hash is not None
        metrics.OBJECTS_CORRUPT.labels(self.store).inc()
        raise CorruptObject(
            f"object {self.key} is corrupt: its {self.size:,} bytes hash to"
            f" {self._hash.hexdigest()[:16]}…, not to its name (re-fetch the URL to repair it)"
        )


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
