"""Scanned pages → the same page objects the text-layer PDF reader uses, so tables read alike.

A page image (a scanned PDF page rendered by PDFium, or a JPG/PNG/TIFF/GIF/BMP picture, one page
per frame) is read by services/parser/extract/ocr.py into words with boxes and scores. Each
word becomes pdfplumber-style characters (boxes in PDF points, split evenly along the word, each
carrying the word's `score`) and each ruling line found in the image an edge, in a `PdfiumPage`:
services/parser/extract/pdf.py's page reader then finds the ruled tables, lines and paragraphs
exactly as for a PDF with a text layer, and table cells come back as `OcrText` (text + page +
box + lowest score).

Refused with a reason (PermanentError, never a silent partial report): more than
`MAX_OCR_PAGES` pages, a page above `MAX_PAGE_PIXELS`, and images that decompress beyond it
(PIL's decompression-bomb guard set to the same limit).
Settings read: none.
"""

from __future__ import annotations

import io

import numpy as np

from services.parser.document import Document
from services.parser.extract.ocr_cells import rule_edges
from services.parser.extract.pdfpage import PdfiumPage
from shared.errors import DecompressionBomb, TooLarge, UnreadableDocument
from shared.pictures import MAX_OCR_PAGES, MAX_PAGE_PIXELS  # the fetcher bundles within them too

RENDER_DPI = (150, 300)  # scanned PDF pages are rendered at their image's own dpi, within these
DEFAULT_DPI = 200.0  # a picture that states no dpi


def words_to_page(ocr_page, number: int) -> PdfiumPage:
    """An OCR'd page as the chars and edges pdfplumber's table finder reads (PDF points)."""
    k = ocr_page.scale
    page = PdfiumPage(number, ocr_page.width * k, ocr_page.height * k)
    for w in ocr_page.words:
        x0, top, x1, bottom = (v * k for v in w.box)
        n = len(w.text)
        step = (x1 - x0) / max(1, n)
        for i, ch in enumerate(w.text):
            if ch.isspace():
                continue
            cx0 = x0 + i * step
            page.chars.append(
                {
                    "text": ch,
                    "x0": cx0,
                    "x1": cx0 + step,
                    "top": top,
                    "bottom": bottom,
                    "doctop": top,
                    "width": step,
                    "height": bottom - top,
                    "size": bottom - top,
                    "upright": True,
                    "object_type": "char",
                    "page_number": number,
                    "score": w.score,
                }
            )
    page.edges.extend(rule_edges(ocr_page.rules, k))
    return page


def ocr_page(rgb: np.ndarray, dpi: float, number: int, doc: Document) -> PdfiumPage:
    """OCR one page image into a `PdfiumPage`; its words are also kept in `doc.ocr_words`."""
    from services.parser.extract import ocr

    h, w = rgb.shape[:2]
    if h * w > MAX_PAGE_PIXELS:
        raise TooLarge(f"page {number} is {w}×{h} px (limit {MAX_PAGE_PIXELS:,} px per page)")
    page = ocr.read_page(rgb, dpi)
    k = page.scale
    doc.ocr_words.extend(
        (number, wd.text, tuple(v * k for v in wd.box), wd.score)  # type: ignore[misc]
        for wd in page.words
    )
    doc.ocr_empty_cells.extend(
        (number, tuple(v * k for v in box))  # type: ignore[misc]
        for box in page.empty_cells
    )
    if page.rotation or abs(page.skew) > 0.05:
        doc.notes.append(f"OCR page {number}: turned {page.rotation}°, deskewed {page.skew:+.1f}°")
    return words_to_page(page, number)


def image_frames(data: bytes) -> list[tuple[np.ndarray, float]]:
    """Every frame of a JPG/PNG/TIFF/GIF/BMP picture as (RGB array, dpi)."""
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = MAX_PAGE_PIXELS  # beyond it PIL raises: a decompression bomb
    try:
        with Image.open(io.BytesIO(data)) as img:
            frames = []
            for i, frame in enumerate(ImageSequence.Iterator(img)):
                if i >= MAX_OCR_PAGES:
                    raise TooLarge(f"picture has more than {MAX_OCR_PAGES} frames (pages)")
                w, h = frame.size
                if w * h > MAX_PAGE_PIXELS:
                    raise TooLarge(f"frame {i + 1} is {w}×{h} px (limit {MAX_PAGE_PIXELS:,})")
                dpi = frame.info.get("dpi", (DEFAULT_DPI, DEFAULT_DPI))[0] or DEFAULT_DPI
                frames.append((np.asarray(frame.convert("RGB")), _plausible_dpi(float(dpi))))
            return frames
    except Image.DecompressionBombError as e:
        raise DecompressionBomb(f"picture refused: {e}") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise UnreadableDocument(f"picture could not be decoded: {e}") from e


def _plausible_dpi(dpi: float) -> float:
    """A stated dpi outside 100–600 is a default of the software (72, 96, 1), not the scan's."""
    return dpi if 100 <= dpi <= 600 else DEFAULT_DPI


def read_images(images: list[bytes]) -> Document:
    """One report published as one or several pictures (pages in the given order)."""
    from services.parser.extract.pdf import document_from_pages

    doc = Document(kind="image", image_only=True, ocr=True)
    frames = [f for data in images for f in image_frames(data)]
    if len(frames) > MAX_OCR_PAGES:
        raise TooLarge(f"{len(frames)} pictures (limit {MAX_OCR_PAGES} pages)")
    pages = [ocr_page(rgb, dpi, i, doc) for i, (rgb, dpi) in enumerate(frames, start=1)]
    doc.scan_pages = list(range(1, len(pages) + 1))
    return document_from_pages(doc, pages)


def render_scan_page(pdf_page) -> tuple[np.ndarray, float]:
    """A scanned PDF page rendered at its picture's own resolution (within RENDER_DPI)."""
    import pypdfium2.raw as pdfium_c

    width_pt, _ = pdf_page.get_size()
    dpi = DEFAULT_DPI
    for obj in pdf_page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
        px_w, _ = obj.get_px_size()
        left, _, right, _ = obj.get_bounds()
        if right - left > width_pt * 0.5:  # the page-sized picture: the scan itself
            dpi = px_w / ((right - left) / 72.0)
            break
    dpi = min(max(dpi, RENDER_DPI[0]), RENDER_DPI[1])
    scale = dpi / 72.0
    w, h = pdf_page.get_size()
    if w * scale * h * scale > MAX_PAGE_PIXELS:
        raise TooLarge(f"PDF page of {w:.0f}×{h:.0f} pt is too large to OCR at {dpi:.0f} dpi")
    bitmap = pdf_page.render(scale=scale)
    return np.asarray(bitmap.to_pil().convert("RGB")), dpi
