"""Reports as scans: a rendered report's pages as page images, degraded like real scans.

`scan_pages(report, dpi=…)` renders the report as a PDF (nianbao.samples.pdfdoc), rasterises its
pages with PDFium and degrades each page the way scanners, phones and 「图片版」 exports do:
`Degrade` skews (± a few degrees), rotates by 90/180°, adds noise, blurs, stamps a red seal over
the numbers and fades the table rulings; `as_image` encodes one page (PNG, JPEG at a quality,
TIFF, GIF, BMP) and `as_image_pdf` wraps pages into a PDF without any text layer. The tests
and bench/bench_ocr.py build their scans with it at run time (no binary fixtures).
Settings read: none.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from shared.report import ParsedReport


@dataclass(frozen=True)
class Degrade:
    """How a page is spoiled; the defaults leave it as rendered."""

    skew: float = 0.0  # degrees, counter-clockwise
    rotate: int = 0  # 0, 90, 180 or 270: a page scanned the wrong way round
    noise: float = 0.0  # share of pixels flipped to a random grey (salt and pepper)
    blur: float = 0.0  # Gaussian blur radius in pixels
    seal: bool = False  # a red round seal stamped over the last table's numbers
    faint_rules: bool = False  # table rulings printed light grey
    seed: int = 0


def render_pages(pdf: bytes, dpi: int) -> list:
    """The pages of `pdf` as RGB PIL images at `dpi`."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            try:
                out.append(page.render(scale=dpi / 72).to_pil().convert("RGB"))
            finally:
                page.close()
        return out
    finally:
        doc.close()


def scan_pages(report: ParsedReport, *, dpi: int = 200, degrade: Degrade = Degrade()) -> list:
    """`report` rendered to A4 pages and scanned at `dpi`, each page spoiled by `degrade`."""
    from nianbao.samples.pdfdoc import render_pdf

    pages = render_pages(render_pdf(report), dpi)
    return [spoil(p, degrade, dpi, i) for i, p in enumerate(pages)]


def spoil(image, d: Degrade, dpi: int, page_index: int = 0):
    """One page image degraded as `d` says (a new image; the input is not changed)."""
    from PIL import Image, ImageFilter

    rng = random.Random(d.seed * 1000 + page_index)
    img = image.convert("RGB")
    if d.faint_rules:
        img = _fade_rules(img)
    if d.seal:
        img = _stamp_seal(img, dpi, rng)
    if d.blur:
        img = img.filter(ImageFilter.GaussianBlur(d.blur))
    if d.skew:
        img = img.rotate(d.skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    if d.noise:
        img = _noise(img, d.noise, rng)
    if d.rotate:
        img = img.rotate(d.rotate, expand=True)
    return img


def _fade_rules(img):
    """Long dark horizontal/vertical runs (the rulings) → light grey; text strokes stay black."""
    import numpy as np

    a = np.asarray(img).copy()
    dark = a.mean(axis=2) < 128
    h, w = dark.shape
    rows = dark.sum(axis=1) > w * 0.3
    cols = dark.sum(axis=0) > h * 0.15
    mask = np.zeros_like(dark)
    mask[rows, :] = True
    mask[:, cols] = True
    a[mask & dark] = (190, 190, 190)
    from PIL import Image

    return Image.fromarray(a)


def _stamp_seal(img, dpi: int, rng: random.Random):
    """A translucent red ring with a star and text, as official seals are, over the page's lower half."""
    from PIL import Image, ImageDraw

    w, h = img.size
    r = int(dpi * 0.8)  # a 4 cm seal
    cx = int(w * rng.uniform(0.55, 0.75))
    cy = int(h * rng.uniform(0.45, 0.7))
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    red = (220, 30, 30, 150)
    width = max(3, r // 18)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=width)
    star = r // 4
    draw.regular_polygon((cx, cy, star), 5, fill=red)
    draw.ellipse(
        (cx - r + 3 * width, cy - r + 3 * width, cx + r - 3 * width, cy + r - 3 * width),
        outline=red,
        width=max(1, width // 2),
    )
    return Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")


def _noise(img, amount: float, rng: random.Random):
    import numpy as np
    from PIL import Image

    a = np.asarray(img).copy()
    gen = np.random.default_rng(rng.randrange(2**32))
    mask = gen.random(a.shape[:2]) < amount
    a[mask] = gen.integers(0, 256, size=(int(mask.sum()), 1), dtype=np.uint8)
    return Image.fromarray(a)


def as_image(img, fmt: str = "png", *, quality: int = 80, dpi: int | None = None) -> bytes:
    """One page encoded as png | jpeg (at `quality`) | tiff | gif | bmp."""
    buf = io.BytesIO()
    kw: dict = {"dpi": (dpi, dpi)} if dpi and fmt in ("png", "jpeg", "tiff") else {}
    if fmt == "jpeg":
        img.convert("RGB").save(buf, "JPEG", quality=quality, **kw)
    elif fmt == "gif":
        img.convert("P", palette=1).save(buf, "GIF")  # 1 = Image.Palette.ADAPTIVE
    else:
        img.save(buf, fmt.upper(), **kw)
    return buf.getvalue()


def as_image_pdf(pages: list, dpi: int, *, jpeg_quality: int = 80) -> bytes:
    """Pages wrapped into a PDF of images only (no text layer), as scanners save them."""
    from PIL import Image

    jpegs = [Image.open(io.BytesIO(as_image(p, "jpeg", quality=jpeg_quality))) for p in pages]
    buf = io.BytesIO()
    jpegs[0].save(buf, "PDF", save_all=True, append_images=jpegs[1:], resolution=float(dpi))
    return buf.getvalue()
