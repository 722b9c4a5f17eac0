"""Coverage of a 年报 column: what its list pages say they hold, against what the crawl reached.
Pure functions.

A column that lists 10 of its 20 documents on the static page and fills the rest by script looks
complete to a crawler that only reads links: nothing else says that 10 are missing. Most CMSs
state the size of the list somewhere on the page, and that statement is what this module reads:

- TRS: `recordCount: '20'` (listModel / 动静结合 pages), `countPage = 3`, `createPageHTML(3, …)`;
- Hanweb JCMS: `totalRecord` / `<totalrecord>` of the jpage data store;
- JSON list APIs: `total`, `totalCount`, `recordCount`, `count` next to the records;
- the words on the pager: 「共20条」「共 3 页」.

Records are preferred to pages (a page count says only that the column reaches its last page,
not how many documents it holds). A statement that cannot be read gives no figure: the coverage
is then unknown, never assumed complete.

Reads no settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RECORDS = (
    re.compile(
        r"\b(?:recordCount|totalRecord|totalrecord|totalCount|total_count|record_count|"
        r"totalRecords|rowCount)\b[\"']?\s*[=:]\s*[\"']?(\d+)",
        re.I,
    ),
    re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I),
    re.compile(r"共\s*(?:有\s*)?(\d+)\s*(?:条|篇|个|项)(?:记录|信息|数据)?"),
)
_PAGES = (
    re.compile(
        r"\b(?:countPage|pageCount|totalPage|totalPages|page_count|totalpage)\b[\"']?\s*[=:]\s*[\"']?(\d+)",
        re.I,
    ),
    re.compile(r"createPageHTML\(\s*[\"']?(\d+)"),
    re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>", re.I),
    re.compile(r"共\s*(\d+)\s*页"),
)
_PER_PAGE = re.compile(
    r"\b(?:prepage|perpage|pageSize|page_size|perPage|pagesize)\b[\"']?\s*[=:]\s*[\"']?(\d+)", re.I
)
MAX_DECLARED = 100_000  # a bigger figure is a misread (a page id, a timestamp), not a column size


@dataclass(frozen=True, slots=True)
class Declared:
    """What a list page states about its list (None: not stated)."""

    records: int | None = None
    pages: int | None = None
    per_page: int | None = None

    @property
    def known(self) -> bool:
        return self.records is not None or self.pages is not None


def _first(patterns, text: str) -> int | None:
    for pattern in patterns:
        for match in pattern.finditer(text):
            value = int(match.group(1))
            if 0 <= value <= MAX_DECLARED:
                return value
    return None


def declared(text: str) -> Declared:
    """The list size `text` (a list page's HTML or script, or an XML/JSON list) states."""
    if not text:
        return Declared()
    records = _first(_RECORDS, text)
    pages = _first(_PAGES, text)
    per_page = _first((_PER_PAGE,), text)
    if per_page == 0:
        per_page = None
    return Declared(records, pages, per_page)


@dataclass(frozen=True, slots=True)
class Coverage:
    """One column: `declared` and `reached`, both counted in `unit` (documents, else pages)."""

    declared: int | None
    reached: int
    unit: str = "documents"  # documents | pages

    @property
    def ratio(self) -> float | None:
        """reached / declared, at most 1 (a list may link more than it counts: 解读 pages); None
        when the column states nothing; 1 for a column that declares itself empty."""
        if self.declared is None:
            return None
        if self.declared == 0:
            return 1.0
        return min(1.0, self.reached / self.declared)

    @property
    def complete(self) -> bool | None:
        ratio = self.ratio
        return None if ratio is None else ratio >= 1.0

    def describe(self) -> str:
        if self.declared is None:
            return f"{self.reached} {self.unit} reached, size not stated"
        return f"{self.reached}/{self.declared} {self.unit}"


def coverage(first: Declared, documents: int, pages: int) -> Coverage:
    """The coverage of a column whose first list page declared `first`, after reaching
    `documents` listed entries on `pages` list pages."""
    if first.records is not None:
        return Coverage(first.records, documents, "documents")
    if first.pages is not None:
        return Coverage(first.pages, pages, "pages")
    return Coverage(None, documents, "documents")


def merge(columns: list[Coverage]) -> Coverage:
    """A portal's coverage over its columns (list URLs): sums, in documents when every column
    states documents; unknown when any column states nothing (its share cannot be counted)."""
    if not columns:
        return Coverage(None, 0)
    if len(columns) == 1:
        return columns[0]
    if any(c.declared is None for c in columns) or len({c.unit for c in columns}) > 1:
        return Coverage(None, sum(c.reached for c in columns if c.unit == "documents"))
    return Coverage(
        sum(c.declared or 0 for c in columns), sum(c.reached for c in columns), columns[0].unit
    )
