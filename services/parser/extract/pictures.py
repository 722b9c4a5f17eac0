"""Is a report's content only in pictures? (「图片版」 pages, scans pasted into Word.)

An extractor that counts images calls `pictures_only(blocks, images)`; a reason string means the
document should be `image_only` (the validator then reports S-006 instead of missing tables):
- pictures and almost no text: the whole report is images;
- pictures, the section titles of the 2019/2021 formats, but no table anywhere and none of the
  tables' labels in the text: the tables are images (narrative as text, tables as screenshots).
Settings read: none.
"""

from __future__ import annotations

from services.parser.document import Block, Grid, Paragraph
from shared.pictures import too_small

MAX_CHARS_FOR_PICTURE_PAGE = 300
_SECTION_TITLES = ("主动公开政府信息情况", "收到和处理政府信息公开申请情况")
_TABLE_LABELS = ("信息内容", "本年新收政府信息公开申请", "申请人情况", "结果维持", "第二十条")


def pictures_only(blocks: list[Block], images: int) -> str | None:
    if not images or any(isinstance(b, Grid) for b in blocks):
        return None
    text = "".join(b.text for b in blocks if isinstance(b, Paragraph))
    if len(text) <= MAX_CHARS_FOR_PICTURE_PAGE:
        return f"{images} pictures, no tables and {len(text)} characters of text"
    compact = text.replace(" ", "")
    if all(t in compact for t in _SECTION_TITLES) and not any(
        label in compact for label in _TABLE_LABELS
    ):
        return f"{images} pictures and the report's sections, but no table and no table labels in the text"
    return None


# How small a picture is too small to be a report: shared/pictures.py (the fetcher does not fetch
# an <img> declared that small either).


def picture_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, GIF, BMP or JPEG header; None when it cannot be told."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:2] == b"BM" and len(data) >= 26:
        return int.from_bytes(data[18:22], "little"), abs(
            int.from_bytes(data[22:26], "little", signed=True)
        )
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(
                    data[i + 5 : i + 7], "big"
                )
            i += 2 + length
    return None


def too_small_for_a_report(data: bytes) -> tuple[int, int] | None:
    """The picture's size when it is too small to be a report (logo, QR code, icon), else None."""
    size = picture_size(data)
    if size is None:
        return None
    return size if too_small(*size) else None
