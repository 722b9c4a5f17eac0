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
