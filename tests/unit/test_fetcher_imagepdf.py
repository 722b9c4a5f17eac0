"""services/fetcher/imagepdf.py: a report's pictures → one image-only PDF, a page per picture in
order, JPEG embedded byte for byte, other pictures as their exact pixels, the same bytes every
time, and refused with a reason where OCR would refuse. Pictures are made at test time."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from services.fetcher.attachments import split_pictures
from services.fetcher.canonical import bundle_url, canonical_url, doc_id
from services.fetcher.discovery import Link
from services.fetcher.imagepdf import UnreadablePicture, bundle_pdf
from services.parser.extract import extract, ocr_pages
from shared import pictures
from shared.errors import TooLarge
from tests.support.pictures import png_declaring


def picture(fmt: str, size=(620, 877), text: str = "第1页", **save) -> bytes:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 40, size[0] - 40, 200), outline="black", width=3)
    draw.text((60, 60), text.encode("ascii", "replace").decode(), fill=(200, 0, 0))
    buf = io.BytesIO()
    img.save(buf, fmt, **save)
    return buf.getvalue()


def pdf_pages(data: bytes) -> list[tuple[tuple[float, float], object]]:
    """(page size in pt, its one image object) per page."""
    doc = pdfium.PdfDocument(data)
    out = []
    for i in range(len(doc)):
        page = doc[i]
        (image,) = list(page.get_objects())
        out.append((page.get_size(), image))
    return out


def test_each_picture_is_a_page_in_order_jpeg_byte_for_byte_and_png_pixel_for_pixel():
    jpeg = picture("JPEG", quality=80, dpi=(200, 200))
    png = picture("PNG", size=(700, 990), text="page 2")

    bundle = bundle_pdf([jpeg, png])

    assert (bundle.pages, bundle.left_out) == (2, [])
    (size1, img1), (size2, img2) = pdf_pages(bundle.pdf)
    assert bytes(img1.get_data(decode_simple=False)) == jpeg  # embedded, not re-encoded
    assert img1.get_px_size() == (620, 877)
    assert size1 == pytest.approx((620 * 72 / 200, 877 * 72 / 200), abs=0.01)
    assert img2.get_px_size() == (700, 990)
    pixels = np.asarray(img2.get_bitmap().to_pil().convert("RGB"))
    assert np.array_equal(pixels, np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))
    # no dpi stated: measured at 200 dpi, as the parser reads such a picture
    assert size2 == pytest.approx((700 * 72 / 200, 990 * 72 / 200), abs=0.01)


def test_the_same_pictures_give_the_same_bytes():
    pics = [picture("JPEG"), picture("PNG"), picture("GIF"), picture("BMP")]
    assert bundle_pdf(pics).pdf == bundle_pdf(list(pics)).pdf
    assert bundle_pdf(pics).pdf != bundle_pdf(pics[::-1]).pdf


def test_every_frame_of_a_multi_page_tiff_is_a_page_and_a_grey_scan_stays_grey():
    frames = [Image.new("L", (600, 800), shade) for shade in (255, 128, 0)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))

    bundle = bundle_pdf([picture("PNG"), buf.getvalue()])

    pages = pdf_pages(bundle.pdf)
    assert bundle.pages == len(pages) == 4
    greys = [np.asarray(img.get_bitmap().to_pil().convert("L")) for _, img in pages[1:]]
    assert [int(g.mean()) for g in greys] == [255, 128, 0]
    assert pages[1][0] == pytest.approx((600 * 72 / 300, 800 * 72 / 300), abs=0.01)


def test_the_bundle_reads_as_an_image_only_pdf_whose_pages_need_ocr():
    doc = extract(bundle_pdf([picture("JPEG"), picture("PNG")]).pdf)
    assert (doc.kind, doc.image_only, doc.scan_pages) == ("pdf", True, [1, 2])


def test_a_picture_too_small_to_be_a_page_is_left_out_and_named():
    bundle = bundle_pdf([picture("PNG"), picture("PNG", size=(120, 40)), picture("JPEG")])
    assert bundle.pages == 2 and len(pdf_pages(bundle.pdf)) == 2
    assert bundle.left_out == [(2, "120×40 px: not a page")]


def test_more_pictures_than_ocr_reads_are_refused_not_truncated():
    with pytest.raises(TooLarge, match="61 pictures"):
        bundle_pdf([b"x"] * 61)


def test_a_picture_above_the_pixel_limit_and_one_that_does_not_decode_are_refused_by_number():
    with pytest.raises(TooLarge, match=r"picture 2 is 8000×8000 px"):
        bundle_pdf([picture("PNG"), png_declaring(8000, 8000, colour_type=2)])
    with pytest.raises(UnreadablePicture, match="picture 2"):
        bundle_pdf([picture("PNG"), b"<html>not found</html>"])


def test_the_limits_are_the_parsers_ocr_limits():
    assert pictures.MAX_OCR_PAGES == ocr_pages.MAX_OCR_PAGES
    assert pictures.MAX_PAGE_PIXELS == ocr_pages.MAX_PAGE_PIXELS
    assert pictures.DEFAULT_DPI == ocr_pages.DEFAULT_DPI


def test_two_or_more_pictures_are_one_report_and_one_picture_stays_an_attachment():
    pdf = Link("http://x.gov.cn/P1.pdf", "年报", 2021, None, "pdf")
    p1, p2 = (Link(f"http://x.gov.cn/W0{n}.jpg", "", None, "图片版", "image") for n in (1, 2))
    assert split_pictures([p1, pdf, p2]) == ([p1, p2], [pdf])
    assert split_pictures([pdf, p1]) == ([], [pdf, p1])


def test_a_bundle_has_its_own_identity_beside_its_page():
    page = "HTTP://X.gov.cn:80/zwgk/t20220128_1.html?utm_source=a"
    assert bundle_url(page) == "http://x.gov.cn/zwgk/t20220128_1.html#pictures"
    assert doc_id(bundle_url(page)) != doc_id(page)
    assert doc_id(bundle_url(page)) == doc_id(bundle_url(canonical_url(page)))
    assert doc_id(page + "#top") == doc_id(page)  # any other fragment is still the page
