"""Bytes → Document: sniff what the bytes are, decode, and hand them to the right extractor.

`extract(data, content_type=..., source_url=...)` is the one entry point (`services.parser.parse`
calls it). The declared content type and the URL's extension are never trusted for choosing the
extractor; a disagreement is recorded in `Document.notes`. Failures are PermanentErrors with a
clear message: UnreadableDocument (empty, garbage, truncated/corrupt), MissingConverter (a legacy
format and no LibreOffice), TooLarge, DecompressionBomb, EncodingError.

Limits (`Limits` in services/parser/extract/budget.py, the one place of every budget) bound
bytes, inflated size, XML elements, expanded table cells, text size, PDF pages and time; each
document is extracted under its own meter of them.
Settings read: max_doc_bytes (through Limits.from_settings).
"""

from __future__ import annotations

from services.parser.document import Document
from services.parser.extract import sniff as sniffing
from services.parser.extract.budget import DEFAULT_LIMITS, Limits, metering
from services.parser.extract.textgrid import text_blocks
from shared.charset import charset_from_content_type, decode
from shared.errors import DecompressionBomb, NotAReport, TooLarge, UnreadableDocument

__all__ = ["DEFAULT_LIMITS", "Limits", "extract"]


_DECLARED = {
    "application/pdf": "pdf",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/rtf": "rtf",
    "image/png": "png",
    "image/jpeg": "jpeg",
}


def extract(
    data: bytes,
    *,
    content_type: str | None = None,
    source_url: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    ocr: bool = False,
) -> Document:
    """The document in `data` as ordered blocks; see the module docstring for the errors.

    `ocr`: read scanned pages and pictures by OCR (slow: the OCR stage and `--ocr` ask for it);
    without it they come back `image_only` / with `scan_pages` listed."""
    if len(data) > limits.max_bytes:
        raise TooLarge(f"document is {len(data)} bytes (limit {limits.max_bytes})")
    kind = sniffing.sniff(data)
    if kind == "empty":
        raise UnreadableDocument(f"empty document ({len(data)} bytes, no content)")
    with metering(limits):
        doc = _dispatch(kind, data, content_type, limits, ocr)
    doc.kind = doc.kind if doc.kind not in ("unknown", "") else kind
    declared = _DECLARED.get((content_type or "").split(";")[0].strip().lower())
    if declared and declared != kind and not (declared == "text" and kind == "html"):
        doc.notes.append(f"declared content type {content_type!r} but the bytes are {kind}")
    ext = _extension(source_url)
    if (
        ext
        and _EXTENSIONS.get(ext, kind) != kind
        and not (kind == "image" and ext in sniffing.IMAGE_KINDS)
    ):
        doc.notes.append(f"URL ends in .{ext} but the bytes are {kind}")
    return doc


_EXTENSIONS = {
    "pdf": "pdf",
    "doc": "doc",
    "docx": "docx",
    "xls": "xls",
    "xlsx": "xlsx",
    "wps": "wps",
    "rtf": "rtf",
    "odt": "odt",
    "html": "html",
    "htm": "html",
    "shtml": "html",
    "txt": "text",
}


def _extension(url: str | None) -> str | None:
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    return path.rsplit(".", 1)[-1].lower() if "." in path else None


def _dispatch(
    kind: str, data: bytes, content_type: str | None, limits: Limits, ocr: bool = False
) -> Document:
    if kind in ("html", "text"):
        return _textual(kind, data, content_type, limits)
    if kind == "pdf":
        from services.parser.extract.pdf import extract_pdf

        return extract_pdf(data, limits, ocr=ocr)
    if kind == "docx":
        from services.parser.extract.docx import extract_docx

        return extract_docx(data, limits)
    if kind in ("xlsx", "xls"):
        from services.parser.extract.sheets import extract_sheets

        return extract_sheets(data, kind, limits)
    if kind in ("doc", "wps", "rtf", "odt", "ods"):
        from services.parser.extract.legacy import extract_legacy

        return extract_legacy(data, kind, limits)
    if kind in sniffing.IMAGE_KINDS:
        from services.parser.extract.pictures import too_small_for_a_report

        small = too_small_for_a_report(data)
        if small is not None:  # a logo, QR code or icon: a picture, not a report
            raise NotAReport(
                f"{kind} picture of {small[0]}×{small[1]} px: too small to be a report"
            )
        if ocr:
            from services.parser.extract.ocr_pages import read_images

            return read_images([data])
        return Document(
            kind="image", image_only=True, scan_pages=[1], notes=[f"{kind} image: tables need OCR"]
        )
    if kind == "zip":
        raise UnreadableDocument(
            "zip archive that is not a DOCX/XLSX/ODT document (or a corrupt one)"
        )
    if kind in ("ole", "ppt"):
        raise UnreadableDocument(
            f"OLE2 container of an unsupported kind ({kind}); not a Word/Excel/WPS file"
        )
    raise UnreadableDocument(
        f"binary data of unknown type ({len(data)} bytes, starts {data[:8].hex()})"
    )


def _textual(kind: str, data: bytes, content_type: str | None, limits: Limits) -> Document:
    decoded = decode(
        data, http_charset=charset_from_content_type(content_type), html=kind == "html"
    )
    text = decoded.text.replace("\x00", "")
    if len(text) > limits.max_text_chars:
        raise TooLarge(
            f"document has {len(text)} characters of text (limit {limits.max_text_chars})"
        )
    if kind == "html":
        from services.parser.extract.html import extract_html

        tags = text.count("<")  # every element needs one: its tree's size, declared before parsing
        if tags > limits.max_xml_nodes:
            raise DecompressionBomb(
                f"HTML has {tags:,} tags (limit {limits.max_xml_nodes:,} elements)"
            )

        doc = extract_html(text)
    else:
        doc = Document(kind="text", blocks=text_blocks(text))
    if not doc.blocks and not doc.image_only:
        raise UnreadableDocument(f"{kind} document has no text")
    doc.encoding = decoded.encoding
    doc.notes.extend(decoded.notes)
    return doc
