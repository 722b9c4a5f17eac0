"""A 「图片版」 page and its picture bundle are one report (services/parser/picture_page.py): what
the page states fills what the pictures do not, a site's name is never taken for a title, and only
a page that is nothing but the bundled pictures is refused."""

from __future__ import annotations

import pytest

from services.parser import parse
from services.parser.api import read_page
from services.parser.picture_page import Page, ReadAsPictures, only_pictures, with_page
from shared.events import DocFetched, DocRef
from shared.report import ParsedReport

TITLE = "某某县人民政府2021年政府信息公开工作年度报告"
OCR_TITLE = "某某县2021年度政府信息公开工作年度报告"


def page(head: str, body: str) -> Page:
    html = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return Page(*read_page(html.encode(), content_type="text/html"))


def fetched(pictures_doc: str | None) -> DocFetched:
    ref = DocRef(doc_id="p", version="v", portal="t", url="http://x/a.html", object_key="raw/v")
    return DocFetched(ref=ref, size=1, pictures_doc=pictures_doc)


PICTURES = '<div class="trs_editor_view"><p><img src="/W1.jpg"></p><p><img src="/W2.jpg"></p></div>'


def test_a_page_naming_only_the_site_leaves_the_ocr_title_and_states_its_date_in_text():
    site = page(
        "<title>某某县人民政府门户网站</title>", f"<div>发布日期：2022-01-28</div>{PICTURES}"
    )
    read = ParsedReport(title=OCR_TITLE, report_year=2021, agency_name="某某县")

    got = with_page(read, site)

    assert (got.title, got.agency_name, got.publish_date) == (OCR_TITLE, "某某县", "2022-01-28")


def test_nothing_stated_anywhere_stays_unknown():
    bare = page("<title>首页</title>", PICTURES)

    got = with_page(ParsedReport(), bare)

    assert (got.title, got.report_year, got.agency_name, got.publish_date, got.page_agency) == (
        None,
        None,
        None,
        None,
        None,
    )


def test_the_page_s_report_title_wins_over_the_ocr_d_one_and_fills_year_and_agency():
    stated = page(
        f'<title>x</title><meta name="ArticleTitle" content="{TITLE}">'
        '<meta name="PubDate" content="2022-01-28 09:30"><meta name="ContentSource" content="县政府办">',
        PICTURES,
    )

    got = with_page(ParsedReport(title=OCR_TITLE), stated)

    assert (got.title, got.report_year, got.agency_name) == (TITLE, 2021, "某某县人民政府")
    assert (got.publish_date, got.page_agency) == ("2022-01-28", "县政府办")


def test_only_a_page_of_the_bundled_pictures_is_refused():
    html = (
        f"<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1>{PICTURES}</body></html>"
    )
    pictures_page = parse(html.encode(), content_type="text/html")
    assert pictures_page.source_modality == "image"

    with pytest.raises(ReadAsPictures) as refused:
        only_pictures(fetched("b" * 64), pictures_page)
    assert refused.value.reason == "read_as_pictures" and "b" * 64 in str(refused.value)
    only_pictures(fetched(None), pictures_page)  # pictures not bundled: read as before
    only_pictures(fetched("b" * 64), ParsedReport(source_modality="text"))  # a text report stays
