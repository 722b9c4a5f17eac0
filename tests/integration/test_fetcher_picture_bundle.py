"""A report published as several pictures (a 「图片版」 article whose body is one picture per page)
reaches the pipeline as ONE document: the crawler against a loopback portal (tests/support/
fakeportal.py) stores one image-only PDF of the pictures in page order and emits one doc.fetched
for it, never one per picture; the site's logo and QR code are never part of it; a single picture
stays a document of its own. The pictures are rendered at test time (nianbao.samples.scans)."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from nianbao.samples.scans import as_image, scan_pages
from nianbao.samples.synth import synth_report
from services.fetcher.canonical import doc_id
from services.fetcher.crawl import CrawlIncomplete
from shared.events import bundle_version, doc_id_for, version_for
from shared.report import ParsedReport
from shared.schema import cell_path
from tests.integration.test_fetcher_portal import Harness
from tests.support.columns import COLUMN, REPORT_2021, serve_column
from tests.support.fakeportal import FakePortal, Reply

PAGE = f"{COLUMN}/202201/t20220128_1.html"
FOLDER = f"{COLUMN}/202201"
CHROME = ["/images/logo.png", f"{FOLDER}/W020220128_ewm.png"]


@pytest.fixture(scope="module")
def scans():
    """The two pages of a 2021-format report, scanned at 200 dpi: page 1 JPEG, page 2 PNG."""
    report = synth_report("2021", 3)
    pages = scan_pages(report, dpi=200)
    assert len(pages) == 2
    return report, as_image(pages[0], "jpeg", dpi=200), as_image(pages[1], "png", dpi=200)


@pytest.fixture
def portal():
    with FakePortal() as p:
        yield p


@pytest.fixture
async def harness(portal, tmp_path):
    h = Harness(portal, tmp_path)
    yield h
    await h.crawler.close()


PUBDATE = "2022-01-28"
SOURCE = "某某县人民政府办公室"


def picture_page(names: list[str], pubdate: str = PUBDATE, title: str = REPORT_2021) -> bytes:
    """A TRS article whose body is only pictures, with the site's logo and a QR code around; its
    head states the title, publication date and publisher as TRS pages do (ArticleTitle, PubDate,
    ContentSource), the site's name in <title>."""
    imgs = "".join(f'<p style="text-align:center"><img src="./{n}"></p>' for n in names)
    return (
        "<html><head><meta charset='utf-8'><title>某某县人民政府门户网站</title>"
        f'<meta name="ArticleTitle" content="{title}">'
        f'<meta name="PubDate" content="{pubdate} 09:30">'
        f'<meta name="ContentSource" content="{SOURCE}"></head><body>'
        '<div class="header"><img src="/images/logo.png" alt="某某县人民政府"></div>'
        f'<h1>{title}</h1><div class="info">发布日期：{pubdate} 来源：{SOURCE}</div>'
        f'<div class="trs_editor_view">{imgs}'
        '<p><img src="./W020220128_ewm.png" alt="扫一扫在手机打开当前页"></p></div>'
        "</body></html>"
    ).encode()


def serve(
    portal: FakePortal,
    pictures: dict[str, bytes],
    *,
    etags: bool = True,
    pubdate: str = PUBDATE,
    title: str = REPORT_2021,
) -> None:
    page = picture_page(list(pictures), pubdate, title)
    serve_column(portal, {PAGE: Reply(body=page, etag=f'"{version_for(page)[:12]}"')})
    for name, data in pictures.items():
        kind = "image/jpeg" if name.endswith(".jpg") else "image/png"
        etag = f'"{version_for(data)[:12]}"' if etags else None
        portal.add(f"{FOLDER}/{name}", Reply(body=data, content_type=kind, etag=etag))
    for path in CHROME:
        portal.add(path, Reply(body=b"\x89PNG chrome", content_type="image/png"))


def pdf_images(data: bytes) -> list:
    doc = pdfium.PdfDocument(data)
    out = []
    for i in range(len(doc)):
        (image,) = list(doc[i].get_objects())
        out.append(image)
    return out


async def test_two_pictures_of_one_report_are_one_stored_pdf_and_one_doc_fetched(
    portal, harness, scans
):
    _, jpeg, png = scans
    serve(portal, {"W020220128_p1.jpg": jpeg, "W020220128_p2.png": png})

    events, exc = await harness.crawl()

    assert exc is None
    page_url = portal.url + PAGE
    assert [e.ref.url for e in events] == [page_url, page_url + "#pictures"]
    bundle = events[1]
    assert bundle.ref.doc_id == doc_id_for(page_url + "#pictures") != events[0].ref.doc_id
    assert (bundle.content_type, bundle.parent_url, bundle.companion) == (
        "application/pdf",
        page_url,
        "图片版",
    )
    assert bundle.title_hint == REPORT_2021
    assert bundle.pictures == [portal.url + f"{FOLDER}/W020220128_p{n}" for n in ("1.jpg", "2.png")]
    # one PDF of two pages, in page order: the JPEG as it was fetched, the PNG's exact pixels
    pdf = await harness.objects.get(bundle.ref.object_key)
    assert bundle.ref.object_key == f"raw/{version_for(pdf)}" and bundle.size == len(pdf)
    # the report's version: its PDF and the page stating its metadata (stored, named by the bundle)
    page = events[0]
    assert bundle.page_object_key == page.ref.object_key
    assert bundle.ref.version == bundle_version(version_for(pdf), page.ref.version)
    assert page.pictures_doc == bundle.ref.doc_id and bundle.pictures_doc is None
    first, second = pdf_images(pdf)
    assert bytes(first.get_data(decode_simple=False)) == jpeg
    original = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert np.array_equal(np.asarray(second.get_bitmap().to_pil().convert("RGB")), original)
    # nothing stored or emitted for a picture alone: the page and the bundle
    assert len(harness.stored()) == 2
    # each picture fetched once, the site's chrome never
    for name in ("W020220128_p1.jpg", "W020220128_p2.png"):
        assert [h.status for h in portal.hits(f"{FOLDER}/{name}")] == [200]
        rec = await harness.state.get(doc_id(portal.url + f"{FOLDER}/{name}"))
        assert (rec.status, rec.bundle, rec.parent_url) == ("bundled", bundle.ref.url, page_url)
    assert not set(portal.paths()) & set(CHROME)
    assert harness.rejected == []


async def test_a_recrawl_sends_nothing_and_a_changed_picture_is_a_new_version_of_the_same_document(
    portal, harness, scans
):
    _, jpeg, png = scans
    serve(portal, {"W020220128_p1.jpg": jpeg, "W020220128_p2.png": png})
    first, _ = await harness.crawl()

    second, exc = await harness.crawl()

    assert exc is None and second == []
    assert [h.status for h in portal.hits(f"{FOLDER}/W020220128_p2.png")] == [200, 304]

    changed = as_image(Image.open(io.BytesIO(png)).rotate(180), "png")
    portal.add(
        f"{FOLDER}/W020220128_p2.png",
        Reply(body=changed, content_type="image/png", etag='"p2-new"'),
    )
    third, exc = await harness.crawl()

    assert exc is None and [e.ref.url for e in third] == [first[1].ref.url]
    assert third[0].ref.doc_id == first[1].ref.doc_id
    assert third[0].ref.version != first[1].ref.version
    page1, page2 = pdf_images(await harness.objects.get(third[0].ref.object_key))
    assert bytes(page1.get_data(decode_simple=False)) == jpeg  # unchanged page fetched again
    assert np.array_equal(
        np.asarray(page2.get_bitmap().to_pil().convert("RGB")),
        np.asarray(Image.open(io.BytesIO(changed)).convert("RGB")),
    )
    assert [h.status for h in portal.hits(f"{FOLDER}/W020220128_p1.jpg")] == [200, 304, 304, 200]


async def test_a_page_with_one_picture_keeps_the_picture_as_its_own_document(
    portal, harness, scans
):
    _, jpeg, _ = scans
    serve(portal, {"W020220128_p1.jpg": jpeg})

    events, exc = await harness.crawl()

    assert exc is None
    assert [e.ref.url.rsplit("/", 1)[1] for e in events] == [
        "t20220128_1.html",
        "W020220128_p1.jpg",
    ]
    assert (events[1].content_type, events[1].companion, events[1].pictures) == (
        "image/jpeg",
        "图片版",
        [],
    )
    assert events[1].ref.version == version_for(jpeg)


async def test_a_missing_picture_is_a_rejection_naming_the_page_never_a_report_short_of_it(
    portal, harness, scans
):
    _, jpeg, png = scans
    serve(portal, {"W020220128_p1.jpg": jpeg, "W020220128_p2.png": png})
    portal.add(f"{FOLDER}/W020220128_p2.png", Reply(status=404, body=b"not found"))

    events, exc = await harness.crawl()

    assert exc is None
    assert [e.ref.url for e in events] == [portal.url + PAGE]  # the page, no bundle
    (rejected,) = harness.rejected
    assert (rejected.reason, rejected.url) == ("page_missing", portal.url + PAGE + "#pictures")
    assert "page 2 of 2" in rejected.detail and "W020220128_p2.png" in rejected.detail
    picture = await harness.state.get(doc_id(portal.url + f"{FOLDER}/W020220128_p2.png"))
    assert picture.status == "gone"
    assert len(harness.stored()) == 1


async def test_a_picture_failing_transiently_retries_the_job_and_the_bundle_comes_with_the_retry(
    portal, harness, scans
):
    _, jpeg, png = scans
    serve(portal, {"W020220128_p1.jpg": jpeg, "W020220128_p2.png": png})
    portal.add(
        f"{FOLDER}/W020220128_p2.png",
        [Reply(status=503, body=b"busy"), Reply(body=png, content_type="image/png")],
    )

    events, exc = await harness.crawl()

    assert isinstance(exc, CrawlIncomplete) and "page_unavailable" in str(exc)
    assert [e.ref.url for e in events] == [portal.url + PAGE]
    assert harness.rejected == []

    retry, exc = await harness.crawl()

    assert exc is None and [e.ref.url for e in retry] == [portal.url + PAGE + "#pictures"]
    assert len(pdf_images(await harness.objects.get(retry[0].ref.object_key))) == 2


async def test_more_pictures_than_ocr_reads_are_refused_before_any_is_fetched(portal, harness):
    names = [f"W020220128_p{n}.png" for n in range(61)]
    serve(portal, dict.fromkeys(names, b"\x89PNG never fetched"))

    events, exc = await harness.crawl()

    assert exc is None and [e.ref.url for e in events] == [portal.url + PAGE]
    (rejected,) = harness.rejected
    assert rejected.reason == "too_large" and "61 pictures" in rejected.detail
    assert not [p for p in portal.paths() if "W020220128_p" in p]


async def test_a_picture_too_small_to_be_a_page_is_left_out_and_rejected_by_name(
    portal, harness, scans
):
    _, jpeg, png = scans
    divider = as_image(Image.new("RGB", (900, 12), "red"), "png")  # an uploaded divider line
    names = ["W020220128_p1.jpg", "W020220128_line.png", "W020220128_p2.png"]
    serve(portal, dict(zip(names, [jpeg, divider, png], strict=True)))

    events, exc = await harness.crawl()

    assert exc is None
    bundle = events[-1]
    assert bundle.pictures == [portal.url + f"{FOLDER}/{n}" for n in (names[0], names[2])]
    assert len(pdf_images(await harness.objects.get(bundle.ref.object_key))) == 2
    (rejected,) = harness.rejected
    assert (rejected.reason, rejected.url) == ("too_small", portal.url + f"{FOLDER}/{names[1]}")
    assert "picture 2" in rejected.detail and "900×12 px" in rejected.detail
    rec = await harness.state.get(doc_id(portal.url + f"{FOLDER}/{names[1]}"))
    assert (rec.status, rec.reason) == ("rejected", "too_small")


async def test_pictures_beyond_the_document_size_cap_are_refused_and_no_more_are_fetched(
    portal, tmp_path, scans
):
    _, jpeg, png = scans
    harness = Harness(portal, tmp_path, max_doc_bytes=len(jpeg) + len(png) - 1)
    names = ["W020220128_p1.jpg", "W020220128_p2.png", "W020220128_p3.png"]
    serve(portal, dict(zip(names, [jpeg, png, png], strict=True)))
    try:
        events, exc = await harness.crawl()
    finally:
        await harness.crawler.close()

    assert exc is None and [e.ref.url for e in events] == [portal.url + PAGE]
    (rejected,) = harness.rejected
    assert rejected.reason == "too_large" and "bytes" in rejected.detail
    assert not portal.hits(f"{FOLDER}/{names[2]}")
    assert len(harness.stored()) == 1


async def test_the_same_pictures_under_two_report_pages_are_one_document(portal, harness, scans):
    _, jpeg, png = scans
    serve(portal, {"W020220128_p1.jpg": jpeg, "W020220128_p2.png": png})
    other = f"{FOLDER}/t20220128_2.html"
    body = picture_page(["W020220128_p1.jpg", "W020220128_p2.png"]).replace(b"<h1>", b"<h1>(2)")
    serve_column(
        portal,
        {
            PAGE: Reply(body=picture_page(["W020220128_p1.jpg", "W020220128_p2.png"])),
            other: Reply(body=body),
        },
    )

    events, exc = await harness.crawl()

    assert exc is None
    bundles = [e for e in events if e.ref.url.endswith("#pictures")]
    assert len(bundles) == 1
    (page_url,) = {portal.url + PAGE, portal.url + other} - {bundles[0].parent_url}
    rec = await harness.state.get(doc_id(page_url + "#pictures"))
    assert (rec.status, rec.duplicate_of) == ("duplicate", bundles[0].ref.url)


async def test_a_picture_page_is_not_a_second_report_and_its_bundle_carries_what_it_states(
    portal, harness, scans
):
    from services.parser.handlers import handle_fetched
    from services.parser.picture_page import ReadAsPictures, page_metadata, with_page

    _, jpeg, png = scans
    serve(portal, {"W020220128_p1.jpg": jpeg, "W020220128_p2.png": png})
    (page, bundle), _ = await harness.crawl()

    # the page: only pictures, read as the bundle: rejected with that reason, never an image-only
    # report of its own asking for OCR (S-006) beside the bundle's
    with pytest.raises(ReadAsPictures) as refused:
        await handle_fetched(page, harness.objects)
    assert refused.value.reason == "read_as_pictures"
    assert bundle.ref.doc_id in str(refused.value) and bundle.ref.url in str(refused.value)
    # the bundle: handed to OCR, naming the page whose metadata its report takes
    (out,) = await handle_fetched(bundle, harness.objects)
    assert out.subject.startswith("doc.ocr.") and out.event.fetched == bundle
    assert (out.event.scan_pages, out.event.source_modality) == ([1, 2], "image")
    stated = await page_metadata(bundle, harness.objects)
    assert (stated.stated.title, stated.stated.publish_date, stated.stated.page_agency) == (
        REPORT_2021,
        PUBDATE,
        SOURCE,
    )
    # pictures that state nothing: the page's values; nothing else is made up
    blank = with_page(ParsedReport(), stated)
    assert (blank.title, blank.report_year, blank.agency_name) == (
        REPORT_2021,
        2021,
        "某某县人民政府",
    )
    assert (blank.publish_date, blank.page_agency, blank.stat_period) == (PUBDATE, SOURCE, None)
    assert blank.sections == {}  # a page of pictures holds no narrative
    # what the pictures state wins, except the title (the page's, when it names a report)
    read = ParsedReport(
        title="某某县2021年度政府信息公开工作年度报告",
        report_year=2021,
        agency_name="某某县",
        publish_date="2022-01-20",
    )
    mixed = with_page(read, stated)
    assert (mixed.title, mixed.agency_name, mixed.publish_date, mixed.page_agency) == (
        REPORT_2021,
        "某某县",
        "2022-01-20",
        SOURCE,
    )
    assert with_page(read, None) is read  # any other document: as read


async def test_a_page_with_its_narrative_as_text_and_its_tables_as_pictures_gives_its_sections(
    portal, harness, scans
):
    from services.parser.handlers import handle_fetched
    from services.parser.picture_page import ReadAsPictures, page_metadata, with_page

    _, jpeg, png = scans
    serve(portal, {"W020220128_p1.jpg": jpeg, "W020220128_p2.png": png})
    narrative = (
        "<p>一、总体情况</p><p>2021年，某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。</p>"
        "<p>二、主动公开政府信息情况</p><p><img src='./W020220128_p1.jpg'></p>"
        "<p>三、收到和处理政府信息公开申请情况</p><p><img src='./W020220128_p2.png'></p>"
        "<p>四、政府信息公开行政复议、行政诉讼情况</p>"
        "<p>五、存在的主要问题及改进情况</p><p>"
        + "公开工作仍有不足，下一步将加强培训。" * 20
        + "</p><p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p>"
    )
    body = picture_page([]).replace(
        b'<div class="trs_editor_view">', f'<div class="trs_editor_view">{narrative}'.encode()
    )
    serve_column(portal, {PAGE: Reply(body=body)})
    (page, bundle), _ = await harness.crawl()

    # before: indexed as an image-only report (S-006, needs OCR) beside the bundle's OCR'd one
    with pytest.raises(ReadAsPictures):
        await handle_fetched(page, harness.objects)
    read = with_page(
        ParsedReport(format_version="2021"), await page_metadata(bundle, harness.objects)
    )
    assert list(read.sections) == [
        "overview",
        "active_disclosure",
        "applications",
        "review_litigation",
        "problems",
        "other_matters",
    ]
    assert "下一步将加强培训" in read.sections["problems"].text
    assert read.publish_date == PUBDATE


async def test_a_page_with_one_picture_is_still_read_as_it_was(portal, harness, scans):
    from services.parser.handlers import handle_fetched
    from services.parser.outputs import NoContent

    _, jpeg, _ = scans
    serve(portal, {"W020220128_p1.jpg": jpeg})
    (page, picture), _ = await harness.crawl()

    assert page.pictures_doc is None and picture.page_object_key is None
    with pytest.raises(NoContent) as refused:  # as before: no tables, no sections
        await handle_fetched(page, harness.objects)
    assert refused.value.reason == "not_a_report"
    (ocr,) = await handle_fetched(picture, harness.objects)  # the picture: a document to OCR
    assert ocr.subject.startswith("doc.ocr.") and ocr.event.fetched.page_object_key is None


async def test_a_corrected_page_is_a_new_version_of_its_bundle_and_page_chrome_is_not(
    portal, harness, scans
):
    _, jpeg, png = scans
    pictures = {"W020220128_p1.jpg": jpeg, "W020220128_p2.png": png}
    serve(portal, pictures)
    (_, first), _ = await harness.crawl()

    serve(portal, pictures, pubdate="2022-01-29")  # the page's date corrected, same pictures
    events, exc = await harness.crawl()

    assert exc is None and [e.ref.url for e in events] == [portal.url + PAGE, first.ref.url]
    page, bundle = events
    assert bundle.ref.doc_id == first.ref.doc_id and bundle.ref.version != first.ref.version
    assert bundle.ref.object_key == first.ref.object_key  # the same PDF, stored once
    assert bundle.page_object_key == page.ref.object_key != first.page_object_key
    assert b"2022-01-29" in await harness.objects.get(bundle.page_object_key)
    assert len(harness.stored()) == 3  # two versions of the page, one PDF

    # only the page's chrome moves (a visit counter in a script): nothing goes downstream
    body = picture_page(list(pictures), "2022-01-29").replace(
        b"</body>", b"<script>var visits = 42;</script></body>"
    )
    serve_column(portal, {PAGE: Reply(body=body, etag='"chrome"')})
    again, exc = await harness.crawl()
    assert exc is None and again == []


@pytest.mark.ocr
@pytest.mark.timeout(600)
async def test_a_picture_page_is_one_report_in_the_index_read_by_ocr_with_the_page_s_date(
    portal, harness, scans, tmp_path
):
    """The stages' handlers as the pipeline runs them (fetcher → parser → OCR stage → validator →
    indexer, a real SQLite index): the page is rejected read_as_pictures, the bundle is one report
    with the tables of both pictures and the date, title and publisher the page states."""
    from services.indexer.handlers import handle_validated
    from services.parser.extract.budget import Limits
    from services.parser.handlers import handle_fetched
    from services.parser.ocr_handlers import handle_needs_ocr
    from services.parser.picture_page import ReadAsPictures
    from services.parser.sandbox import Sandbox
    from services.validator.handlers import handle_parsed
    from shared.pictures import MAX_OCR_PAGES
    from shared.storage.sqlite import SqliteSearchStore

    report, jpeg, png = scans  # its pictures hold its tables; the page states its title and date
    pictures = {"W020220128_p1.jpg": jpeg, "W020220128_p2.png": png}
    serve(portal, pictures, pubdate="2023-01-20", title=report.title)
    (page, bundle), _ = await harness.crawl()
    search = await SqliteSearchStore(str(tmp_path / "index.db")).open()
    sandbox = Sandbox(Limits().for_ocr(MAX_OCR_PAGES))
    try:
        with pytest.raises(ReadAsPictures):  # rejected with its reason: not a report of its own
            await handle_fetched(page, harness.objects)
        (handover,) = await handle_fetched(bundle, harness.objects)
        (parsed,) = await handle_needs_ocr(handover.event, harness.objects, sandbox)
        (validated,) = await handle_parsed(parsed.event, search)
        (indexed,) = await handle_validated(validated.event, search)
        assert indexed.event.changed
        assert await search.count() == 1
        row = await search.get_report(bundle.ref.doc_id)
    finally:
        await sandbox.close()
        await search.close()

    got = parsed.event.report
    assert (got.format_version, got.source_modality, got.scan_pages) == ("2021", "ocr", [1, 2])
    # what the page states, the pictures do not: its title, date and publisher
    assert (got.title, got.publish_date, got.page_agency) == (report.title, "2023-01-20", SOURCE)
    assert (got.report_year, got.agency_name) == (report.report_year, report.agency_name)
    assert (row["title"], row["publish_date"], row["url"]) == (
        report.title,
        "2023-01-20",
        bundle.ref.url,
    )
    assert validated.event.status != "needs_ocr"
    assert not [f for f in validated.event.findings if f.rule == "S-006"]
    pages_read: set[int] = set()
    right = 0
    unsure = {c for n in got.notes if n.code == "ocr_unsure" for c in n.cells}
    for key, table in report.tables.items():
        if table is None:
            continue
        assert got.tables[key] is not None, key
        for row_key, cols in table.items():
            for col, cell in cols.items():
                read = got.tables[key][row_key][col]
                if read.evidence is not None:
                    pages_read.add(read.evidence.page)
                if read.kind == "unreadable":  # withheld as unsure, and named so
                    assert cell_path(key, row_key, col) in unsure
                    continue
                # never a different number passed on as read
                assert (read.kind, read.value) == (cell.kind, cell.value), (key, row_key, col)
                right += 1
    assert pages_read == {1, 2}  # one report, tables from both pictures
    assert right >= 100
