"""What extractors hand to the table interpreter: a document as ordered blocks.

Every input kind (HTML, DOCX, PDF, XLSX, text renditions) is turned into a `Document`, so the
interpretation of the national tables (services/parser/read/tables.py) is written once.

- `Paragraph`: a line or paragraph of running text (titles, section headings, narrative).
- `Grid`: a table as rows of cells with merged cells expanded. A position covered by a
  rowspan/colspan of another cell holds `None`; a truly empty cell holds `""`. Text renditions
  cannot tell the two apart, so grids built from text use `""` only and set `exact=False`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Paragraph:
    text: str
    page: int | None = None
    line: int | None = None  # 1-based line of a plain-text rendition (cell evidence)
    box: tuple[float, float, float, float] | None = None  # PDF: x0, top, x1, bottom in points


@dataclass
class Grid:
    rows: list[list[str | None]]
    exact: bool = True  # True when cell positions are trustworthy (HTML/DOCX/XLSX/ruled PDF)
    page: int | None = None
    # where the grid is in the source, for cell evidence (shared.report.Evidence):
    index: int | None = None  # 0-based table number in the document (HTML: among all <table>)
    path: str | None = None  # the HTML table's XPath, a sheet's name
    source_rows: list[int] | None = None  # each row's index in the source grid (rows dropped)
    lines: list[int] | None = None  # text grids: each row's 1-based line
    # ruled PDF grids: each row's page (a table may run over pages) and each cell's box (x0, top,
    # x1, bottom in points from the page's top-left; the ruled cell, spans included; None where
    # a span covers the position)
    pages: list[int] | None = None
    boxes: list[list[tuple[float, float, float, float] | None]] | None = None


Block = Paragraph | Grid


class OcrText(str):
    """A table cell's text as OCR read it, carrying where and how surely: `page` (1-based), `box`
    (x0, top, x1, bottom in PDF points of that page) and `score` (the lowest recognition score of
    its characters, 0–1). It is a `str`, so the table reader reads it like any cell text; the
    reader keeps the object of every cell it assigns, and services.parser.read.confidence turns
    the scores into sure / unsure cells."""

    page: int
    box: tuple[float, float, float, float]
    score: float

    @classmethod
    def make(
        cls, text: str, page: int, box: tuple[float, float, float, float], score: float
    ) -> OcrText:
        out = cls(text)
        out.page, out.box, out.score = page, box, score
        return out


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)
    kind: str = "unknown"  # html | text | pdf | docx | xlsx | xls | doc | image …
    encoding: str | None = None
    title: str | None = None  # <title>/ArticleTitle when the container states it
    publish_date: str | None = None  # PubDate / 发布日期 when the container states it
    page_agency: str | None = None  # 发布机构 / 来源 when the container states it
    image_only: bool = False  # scanned PDF, image file, or tables present only as pictures
    scan_pages: list[int] = field(default_factory=list)  # pages without a text layer (1-based)
    ocr: bool = False  # text of the scan pages was read by OCR (services/parser/extract/ocr.py)
    # every word OCR read, for cells the table reader built from text lines (where no OcrText
    # survives): (page, text, box in points, score)
    ocr_words: list[tuple[int, str, tuple[float, float, float, float], float]] = field(
        default_factory=list
    )
    # ruled cells of OCR'd pages seen to hold no ink: (page, box in points); a blank elsewhere on
    # an OCR'd page may be a number OCR missed
    ocr_empty_cells: list[tuple[int, tuple[float, float, float, float]]] = field(
        default_factory=list
    )
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """All text in reading order (grids as tab-separated rows)."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            else:
                out.extend(map(row_text if not b.exact else covered_row_text, b.rows))
        return "\n".join(out)


def row_text(row: list[str | None]) -> str:
    """A grid row as TAB-separated text, a covered (None) position as an empty cell."""
    try:
        return "\t".join(row)  # type: ignore[arg-type]  # text grids have no None: no copy
    except TypeError:
        return covered_row_text(row)


def covered_row_text(row: list[str | None]) -> str:
    """`row_text` for rows that likely hold covered positions (exact grids: HTML/DOCX spans)."""
    return "\t".join([c or "" for c in row])
