"""What a document really is, from its bytes: never from the extension or the declared type.

Portals serve `.doc` links that are OLE2 Word files, `.html` links that are PDFs, and attachments
as `application/octet-stream`; the declared type is at most a hint recorded in a note.

Kinds: pdf, docx, xlsx, odt, ods, zip (other zip), doc, xls, wps, ppt, ole (other OLE2), rtf,
png, jpeg, gif, tiff, bmp, webp, html, text, binary, empty. Settings read: none.
"""

from __future__ import annotations

import io
import re
import zipfile

import olefile

from shared.charset import utf16_without_bom

IMAGE_KINDS = ("png", "jpeg", "gif", "tiff", "bmp", "webp")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_HTML_RE = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|meta|title|table|div|p|span|br|h[1-6]|script|style)[\s>/]",
    re.IGNORECASE,
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}


def sniff(data: bytes) -> str:
    """The kind of document in `data` (see the module docstring for the list)."""
    if not data.strip():
        return "empty"
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    for magic, kind in _IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(b"BM") and len(data) > 26 and data[6:10] == b"\x00\x00\x00\x00":
        return "bmp"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    if data.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    return _markup_or_text(data)


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "mimetype" in names:
                info = z.getinfo("mimetype")
                if info.file_size < 200:
                    kind = _ODF_MIMETYPES.get(z.read("mimetype").strip())
                    if kind:
                        return kind
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError):
        pass
    return "zip"


def _ole_kind(data: bytes) -> str:
    try:
        ole = olefile.OleFileIO(data)
    except Exception:  # noqa: BLE001 — olefile raises many kinds on corrupt input; the kind is what matters
        return "ole"
    try:
        streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=True)}
    finally:
        ole.close()
    if any("wps" in s for s in streams):
        return "wps"
    if "worddocument" in streams:
        return "doc"
    if "workbook" in streams or "book" in streams:
        return "xls"
    if "powerpoint document" in streams:
        return "ppt"
    return "ole"


def _markup_or_text(data: bytes) -> str:
    sample = data[:8192]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with a BOM: look for tags in the decoded sample
        sample = sample.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    elif utf16 := utf16_without_bom(sample):
        # BOM-less UTF-16: its NULs would otherwise read as a binary's control bytes
        sample = (
            sample[: len(sample) // 2 * 2]
            .decode(utf16, errors="ignore")
            .encode("utf-8", errors="ignore")
        )
    if _HTML_RE.search(sample[:4096]):
        return "html"
    # NULs and other C0 controls (besides TAB/LF/CR/FF/ESC) are rare in text and common in binaries.
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > len(sample) * 0.05:
        return "binary"
    return "text"
