"""Pictures for tests that only need what a picture declares, not its pixels."""

from __future__ import annotations

import struct
import zlib


def png_declaring(width: int, height: int, *, colour_type: int = 0, data: bytes = b"") -> bytes:
    """A PNG whose header declares `width`×`height` pixels (grey by default), with only `data`
    (compressed) behind it: a decompression bomb in a few hundred bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(data))
        + chunk(b"IEND", b"")
    )
