"""Zip containers (DOCX/XLSX/ODT) are checked before anything decompresses them.

A zip bomb is a small file that inflates to gigabytes; python-docx and openpyxl would inflate it
into memory. The central directory states every member's sizes, so they are checked first. A
directory that understates a size does not help an attacker: Python's zipfile stops a member at
its stated size (and then fails the CRC check → UnreadableDocument). Settings read: none (limits are
passed in by services/parser/extract/dispatch.py).
"""

from __future__ import annotations

import io
import zipfile

from shared.errors import DecompressionBomb, UnreadableDocument


def check_zip(data: bytes, *, max_total: int, max_ratio: float, max_members: int = 10_000) -> None:
    """Raise DecompressionBomb when the stated sizes are too large; UnreadableDocument when corrupt."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise UnreadableDocument(f"corrupt or truncated zip container: {e}") from e
    if len(infos) > max_members:
        raise DecompressionBomb(f"zip container has {len(infos)} members (limit {max_members})")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > max_total:
        raise DecompressionBomb(
            f"zip container inflates to {total} bytes (limit {max_total}); refusing to decompress"
        )
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > max_ratio * max(1, i.compress_size):
            raise DecompressionBomb(
                f"zip member {i.filename!r} inflates {i.compress_size} → {i.file_size} bytes "
                f"(ratio {i.file_size / max(1, i.compress_size):.0f} > {max_ratio:.0f})"
            )
    if total > 1_000_000 and total > max_ratio * max(1, packed):
        raise DecompressionBomb(
            f"zip container compression ratio {total / max(1, packed):.0f} > {max_ratio:.0f}"
        )
