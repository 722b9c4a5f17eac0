"""A report published as several pictures → one image-only PDF, one page per picture frame. Pure.

Many portals publish a 「图片版」 report as an article whose body is N pictures, one per page. Sent
downstream one by one they would be read as N partial reports, each missing most tables (a false
"missing table" finding per page); bundled into one PDF they are one report, pages in order, which
the parser hands to OCR like any scanned PDF.

- Lossless: a baseline or progressive JPEG in grey or RGB is embedded as it was fetched
  (DCTDecode, byte for byte, no re-encoding); every other frame (PNG, GIF, BMP, TIFF — each frame of
  a multi-page TIFF is a page; a CMYK JPEG) is stored as its decoded 8-bit pixels, Flate-compressed,
  exactly the pixels the parser would have read from the picture itself.
- Deterministic: the same pictures give the same bytes (no date, no random /ID), so a bundle built
  again from unchanged pictures has the same version, and the same pictures under two report pages
  are one document (the crawler's duplicate check by sha256).
- Sized for OCR: a page measures the picture at its stated dpi (100–600, else 200), so the parser
  renders it back at its own pixel size.
- Refused with a reason, never truncated: more than MAX_OCR_PAGES frames, a frame above
  MAX_PAGE_PIXELS (shared/pictures.py: the parser's OCR limits), a picture that does not decode.
  A frame too small to be a page of a report (a divider, an icon: shared/pictures.too_small) is
  left out and named in `Bundle.left_out`.

Reads no settings.
"""

from __future__ import annotations

import io
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.errors import DecompressionBomb, PermanentError, TooLarge
from shared.pictures import MAX_OCR_PAGES, MAX_PAGE_PIXELS, plausible_dpi, too_small

JPEG_MODES = {"L": "DeviceGray", "RGB": "DeviceRGB"}  # a JPEG in these modes is embedded as is


class UnreadablePicture(PermanentError):
    reason = "unreadable_picture"


@dataclass(frozen=True, slots=True)
class Frame:
    """One page's picture as the PDF holds it."""

    width: int  # px
    height: int
    dpi: float
    colorspace: str  # DeviceRGB | DeviceGray
    filter: str  # DCTDecode (the JPEG's own bytes) | FlateDecode (8-bit pixels)
    data: bytes

    @property
    def size_pt(self) -> tuple[float, float]:
        return self.width * 72.0 / self.dpi, self.height * 72.0 / self.dpi


@dataclass(slots=True)
class Bundle:
    pdf: bytes
    pages: int
    left_out: list[tuple[int, str]] = field(default_factory=list)  # (picture number, why)


def bundle_pdf(pictures: Sequence[bytes]) -> Bundle:
    """The pictures (in page order) as one image-only PDF; see the module docstring."""
    if len(pictures) > MAX_OCR_PAGES:
        raise TooLarge(f"{len(pictures)} pictures (limit {MAX_OCR_PAGES} pages)")
    frames: list[Frame] = []
    left_out: list[tuple[int, str]] = []
    for number, data in enumerate(pictures, start=1):
        kept = []
        for frame in picture_frames(data, number):
            if too_small(frame.width, frame.height):
                left_out.append((number, f"{frame.width}×{frame.height} px: not a page"))
            else:
                kept.append(frame)
        frames.extend(kept)
        if len(frames) > MAX_OCR_PAGES:
            raise TooLarge(f"more than {MAX_OCR_PAGES} pages in {number} pictures")
    return Bundle(image_pdf(frames) if frames else b"", len(frames), left_out)


def picture_frames(data: bytes, number: int = 1) -> list[Frame]:
    """Every frame of one JPG/PNG/GIF/BMP/TIFF picture as a page's `Frame`."""
    from PIL import Image, ImageSequence

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format == "JPEG" and img.mode in JPEG_MODES:
                    w, h = _checked_size(img.size, number)
                    return [Frame(w, h, _dpi(img.info), JPEG_MODES[img.mode], "DCTDecode", data)]
                frames = []
                for i, frame in enumerate(ImageSequence.Iterator(img)):
                    if i >= MAX_OCR_PAGES:
                        raise TooLarge(f"picture {number} has more than {MAX_OCR_PAGES} frames")
                    w, h = _checked_size(frame.size, number)
                    mode = "L" if frame.mode in ("1", "L") else "RGB"
                    pixels = frame.convert(mode).tobytes()
                    space = "DeviceGray" if mode == "L" else "DeviceRGB"
                    frames.append(
                        Frame(w, h, _dpi(frame.info), space, "FlateDecode", zlib.compress(pixels))
                    )
                return frames
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise DecompressionBomb(f"picture {number} refused: {e}") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise UnreadablePicture(f"picture {number} could not be decoded: {e}") from e


def _checked_size(size: tuple[int, int], number: int) -> tuple[int, int]:
    w, h = size
    if w * h > MAX_PAGE_PIXELS:
        raise TooLarge(f"picture {number} is {w}×{h} px (limit {MAX_PAGE_PIXELS:,} px per page)")
    return w, h


def _dpi(info: dict) -> float:
    dpi = info.get("dpi")
    try:
        return plausible_dpi(float(dpi[0])) if dpi else plausible_dpi(0.0)
    except (TypeError, ValueError, IndexError):
        return plausible_dpi(0.0)


def image_pdf(frames: Sequence[Frame]) -> bytes:
    """A PDF 1.4 of one full-page picture per frame: catalog, page tree, then per page its
    page, content stream and image objects; the same frames give the same bytes."""
    objects: list[bytes] = []
    kids = []
    for k, f in enumerate(frames):
        page, content, image = 3 + 3 * k, 4 + 3 * k, 5 + 3 * k
        kids.append(f"{page} 0 R")
        w, h = (_num(v) for v in f.size_pt)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] "
            f"/Resources << /XObject << /Im0 {image} 0 R >> >> /Contents {content} 0 R >>".encode()
        )
        objects.append(_stream(b"", f"q {w} 0 0 {h} 0 0 cm /Im0 Do Q".encode()))
        objects.append(
            _stream(
                f"/Type /XObject /Subtype /Image /Width {f.width} /Height {f.height} "
                f"/ColorSpace /{f.colorspace} /BitsPerComponent 8 /Filter /{f.filter} ".encode(),
                f.data,
            )
        )
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(frames)} >>".encode(),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(head + objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
    out.writelines(b"%010d 00000 n \n" % o for o in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(offsets) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _stream(entries: bytes, data: bytes) -> bytes:
    return b"<< " + entries + b"/Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _num(v: float) -> str:
    """A PDF number: fixed precision, so the bytes never depend on float printing."""
    return f"{v:.3f}".rstrip("0").rstrip(".")
