"""PDF (text layer) → Document, page by page, with ruled tables as exact grids.

- Ruled tables: pdfplumber's table finder (line strategy) → `Grid(exact=True)`, covered positions
  None. Characters and ruling lines are read with PDFium (services/parser/extract/pdfpage.py), ~10× faster
  than pdfplumber's own pdfminer backend; the table and word algorithms are pdfplumber's. A table
  that continues on the next page (same left/right edges, nothing but page numbers or running
  heads in between) is stitched into one grid (services/parser/extract/pdf_table.py).
- Text outside tables: words with x/y → lines (→ `Paragraph`); a line that runs to the right
  edge continues on the next line, so wrapped paragraphs come back whole. Page-number lines are
  dropped (counted in `Document.notes`), and so are running heads/feet repeated in the margins.
- No text layer, or almost none (scans): `Document(image_only=True)`.
- Truncated or corrupt files → UnreadableDocument; more than `limits.max_pdf_pages` pages or more
  than `limits.max_seconds` of work → TooLarge (a clear error, never a silently partial report).
Settings read: none (limits come from services/parser/extract/dispatch.py).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from services.parser.document import Block, Document, Paragraph
from services.parser.extract.pdf_table import PageTable, cell_texts, merge_parts
from services.parser.extract.pdfpage import PdfiumPage, read_page
from services.parser.extract.pictures import pictures_only
from shared.errors import TooLarge, UnreadableDocument

_PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*(\d{1,4}|第\s*\d+\s*页(\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)[-—–－\s]*$"
)
MIN_CHARS_PER_PAGE = 20  # below this on average the PDF is a scan with stray text
MARGIN_BAND = 60.0  # points from the top/bottom edge


@dataclass
class _Line:
    text: str
    top: float
    x0: float
    x1: float
    page: int
    height: float = 10.0
    margin: bool = False  # in the top or bottom band of the page, where running heads live


def extract_pdf(data: bytes, limits, *, ocr: bool = False) -> Document:
    """`ocr`: read pages without a text layer (scans) by OCR, page by page, instead of marking
    the document image-only (the OCR stage does; the parser stage never waits for it)."""
    if b"%%EOF" not in data[-4096:]:
        raise UnreadableDocument("truncated PDF: no %%EOF marker at the end of the file")
    import pypdfium2 as pdfium

    started = time.monotonic()
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:  # corrupt, encrypted with a password, not a PDF after all
        raise UnreadableDocument(f"PDF could not be opened: {e}") from e
    doc = Document(kind="pdf")
    try:
        n_pages = len(pdf)
        if n_pages > limits.max_pdf_pages:
            raise TooLarge(f"PDF has {n_pages} pages (limit {limits.max_pdf_pages})")
        pages: list[PdfiumPage] = []
        chars = images = 0
        for number in range(1, n_pages + 1):
            try:
                page = pdf[number - 1]
                try:
                    plain = read_page(page, number)
                    if len(plain.chars) < MIN_CHARS_PER_PAGE and plain.images:
                        doc.scan_pages.append(number)  # a scanned page: no text layer to speak of
                        if ocr:
                            plain = _ocr(page, number, doc)
                finally:
                    page.close()
            except (TooLarge, UnreadableDocument):
                raise
            except Exception as e:  # a corrupt page object or content stream
                raise UnreadableDocument(
                    f"PDF page {number} could not be read: {type(e).__name__}: {e}"
                ) from e
            pages.append(plain)
            chars += len(plain.chars)
            images += plain.images
            if time.monotonic() - started > limits.max_seconds * (10 if ocr else 1):
                raise TooLarge(
                    f"PDF extraction exceeded {limits.max_seconds:.0f} s at page {number} of {n_pages}"
                )
        title = pdf.get_metadata_dict(skip_empty=True).get("Title")
    finally:
        pdf.close()
    doc.title = title.strip() if title and title.strip() else None
    # almost no text is a scan only when there are pictures to scan: a page saying "hello" (or
    # nothing) has neither tables nor pictures of them, and is not a report (NotAReport later)
    if chars < MIN_CHARS_PER_PAGE * max(1, n_pages) and images:
        doc.image_only = True
        doc.notes.append(
            f"PDF has almost no text layer ({chars} characters on {n_pages} pages, {images} images)"
        )
    return document_from_pages(doc, pages, images)


def _ocr(page, number: int, doc: Document) -> PdfiumPage:
    from services.parser.extract.ocr_pages import MAX_OCR_PAGES, ocr_page, render_scan_page

    if len(doc.scan_pages) > MAX_OCR_PAGES:
        raise TooLarge(f"PDF has more than {MAX_OCR_PAGES} scanned pages to OCR")
    rgb, dpi = render_scan_page(page)
    doc.ocr = True
    plain = ocr_page(rgb, dpi, number, doc)
    plain.images = 1
    return plain


def document_from_pages(doc: Document, pages: list[PdfiumPage], images: int = 0) -> Document:
    """Pages (read from a text layer, or OCR'd into the same shape) → the document's blocks."""
    items: list[PageTable | _Line] = []
    dropped = 0
    for plain in pages:
        try:
            page_items, page_dropped = _page(plain)
        except Exception as e:  # a corrupt page object or content stream
            raise UnreadableDocument(
                f"PDF page {plain.page_number} could not be read: {type(e).__name__}: {e}"
            ) from e
        items.extend(page_items)
        dropped += page_dropped
    running = _running_heads(items, len(pages))
    if running:
        items = [
            it
            for it in items
            if not (isinstance(it, _Line) and (it.text, round(it.top / 4)) in running)
        ]
        doc.notes.append(f"dropped running header/footer lines: {sorted({t for t, _ in running})}")
    doc.blocks = _stitch(items)
    if doc.ocr and doc.blocks:
        doc.image_only = False  # the scan's text was read
    reason = None if doc.image_only or doc.ocr else pictures_only(doc.blocks, images)
    if reason:
        doc.image_only = True  # text pages with the tables pasted in as images
        doc.notes.append(f"PDF has {reason}")
    if dropped:
        doc.notes.append(f"dropped {dropped} page-number lines")
    return doc


def _page(page: PdfiumPage) -> tuple[list, int]:
    from pdfplumber.table import TableFinder
    from pdfplumber.utils import extract_words

    tables = []
    for t in TableFinder(page).tables:  # type: ignore[arg-type]  # duck-typed page: chars, edges, bbox
        texts = cell_texts(t.cells, page.chars)
        rows = [
            [
                None if bbox is None else (texts.get(bbox, ""), bbox[0], bbox[2], bbox[1], bbox[3])
                for bbox in row.cells
            ]
            for row in t.rows
        ]
        if all(sum(c is not None for c in row) <= 1 for row in rows):
            # one column: a filled rectangle painted behind a text line or paragraph (WPS /
            # 「极速PDF」 exports), not a table — its text is read as lines, like any prose
            continue
        x0, top, x1, bottom = t.bbox
        tables.append(PageTable(top, bottom, x0, x1, rows, page.page_number))

    def outside(obj) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(t.x0 <= cx <= t.x1 and t.top <= cy <= t.bottom for t in tables)

    words = extract_words([c for c in page.chars if outside(c)])
    lines, dropped = _lines(words, page.page_number)
    for line in lines:
        line.margin = line.top < MARGIN_BAND or line.top > page.height - MARGIN_BAND
    items: list = sorted([*tables, *lines], key=lambda it: it.top)
    return items, dropped


def _running_heads(items: list, n_pages: int) -> set[tuple[str, int]]:
    """Lines repeated in the page margins of at least half the pages (and two): running heads/feet.

    They would otherwise sit between the two halves of a table split across pages.
    """
    if n_pages < 2:
        return set()
    pages: dict[tuple[str, int], set[int]] = {}
    for it in items:
        if isinstance(it, _Line) and it.margin:
            pages.setdefault((it.text, round(it.top / 4)), set()).add(it.page)
    return {key for key, seen in pages.items() if len(seen) >= max(2, n_pages // 2)}


def _lines(words: list[dict], page: int) -> tuple[list[_Line], int]:
    rows: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - w["top"]) <= 3:
            rows[-1].append(w)
        else:
            rows.append([w])
    lines, dropped = [], 0
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        text = row[0]["text"]
        for prev, w in zip(row, row[1:], strict=False):
            size = max(1.0, (w["bottom"] - w["top"]))
            text += (" " if w["x0"] - prev["x1"] > size * 0.25 else "") + w["text"]
        if _PAGE_NUMBER.match(text):
            dropped += 1
            continue
        height = max(w["bottom"] - w["top"] for w in row)
        lines.append(_Line(text, row[0]["top"], row[0]["x0"], row[-1]["x1"], page, height))
    return lines, dropped


def _stitch(items: list) -> list[Block]:
    """Lines → paragraphs (joining wrapped lines), tables → grids (joining page continuations)."""
    right = max((it.x1 for it in items if isinstance(it, _Line)), default=0.0)
    blocks: list[Block] = []
    tables: list[list[PageTable]] = []  # groups of parts; blocks hold a placeholder index
    prev_line: _Line | None = None
    for it in items:
        if isinstance(it, PageTable):
            last = blocks[-1] if blocks else None
            if (
                isinstance(last, _Placeholder)
                and tables[last.idx][-1].page == it.page - 1
                and abs(tables[last.idx][-1].x0 - it.x0) < 3
                and abs(tables[last.idx][-1].x1 - it.x1) < 3
            ):
                tables[last.idx].append(it)
            else:
                tables.append([it])
                blocks.append(_Placeholder(len(tables) - 1))
            prev_line = None
            continue
        if (
            prev_line is not None
            and isinstance(blocks[-1], Paragraph)
            and _continues(prev_line, it, right)
        ):
            joined = blocks[-1]
            box = joined.box and (min(joined.box[0], it.x0), joined.box[1],
                                  max(joined.box[2], it.x1), it.top + it.height)  # fmt: skip
            blocks[-1] = Paragraph(joined.text + it.text, page=joined.page, box=box)
        else:
            box = (it.x0, it.top, it.x1, it.top + it.height)
            blocks.append(Paragraph(it.text, page=it.page, box=box))
        prev_line = it
    return [(merge_parts(tables[b.idx]) if isinstance(b, _Placeholder) else b) for b in blocks]


_STANDALONE_NUMBER = re.compile(r"(^|\s)[-+]?\d[\d,.]*(\s|$)")
_ITEM_START = re.compile(
    r"^\s*([一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}[.．、]|第二十条)"
)


def _continues(prev: _Line, line: _Line, right: float) -> bool:
    """`line` is the wrapped rest of `prev`: prev ran (nearly) to the right edge, line follows it.

    Rows of an unruled table also reach the right edge: a line holding a number standing on its
    own (between spaces) is a table row, not prose, and a line opening with an item marker
    (二、 （一） 1. 第二十条) starts something new.
    """
    if line.page != prev.page or not 0 < line.top - prev.top < 2.5 * prev.height:
        return False
    if abs(line.height - prev.height) > 0.25 * prev.height:
        return False  # a heading over the first line of prose (a wide title is not wrapped text)
    if (
        _STANDALONE_NUMBER.search(prev.text)
        or _STANDALONE_NUMBER.search(line.text)
        or _ITEM_START.match(line.text)
    ):
        return False
    # CJK line breaking moves closing punctuation to the next line, so a full line can end ~2 chars short
    return prev.x1 >= right - 2.5 * prev.height or line.text[:1] in "，。；：、）」』”,.;:)"


@dataclass
class _Placeholder:
    idx: int
