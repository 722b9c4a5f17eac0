"""A report published as pictures on a page (「图片版」) is one report: the pictures, read by OCR
as one document (the fetcher bundles them: DocFetched.pictures), with what the page states.

- The page itself is not a second report: when its DocFetched names the bundle its pictures went
  into (`pictures_doc`) and the parser finds the page to be only pictures (no table readable,
  source_modality "image"), it is rejected `read_as_pictures`, naming the bundle — not indexed as
  an empty image-only report asking for OCR (S-006) beside the bundle's OCR'd one.
- The bundle's report takes the page's stated metadata (`page_object_key`: the page's stored
  bytes, read as `parse` reads a page): its title (the OCR'd title only where the page states
  none), and its report year, agency, publication date and publisher where the pictures state
  none. Nothing is guessed: a value neither states stays None.
Settings read: none.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import msgspec

from services.parser.api import read_page
from services.parser.document import Document
from services.parser.read.metadata import Metadata, names_a_report
from services.parser.read.sections import find_sections
from shared.errors import NotAReport
from shared.events import DocFetched
from shared.report import ParsedReport
from shared.storage.base import ObjectStore


class ReadAsPictures(NotAReport):
    """A page whose report is its pictures, which are read as one document of their own."""

    reason = "read_as_pictures"


def only_pictures(event: DocFetched, report: ParsedReport) -> None:
    """Raise ReadAsPictures when `report` is a page that is only the pictures bundled as
    `event.pictures_doc` (a page holding the report as text or tables stays a report)."""
    if event.pictures_doc and report.source_modality == "image":
        raise ReadAsPictures(
            f"{event.ref.url} publishes its report as pictures, read as one document: "
            f"{event.pictures_doc} ({event.ref.url}#pictures)"
        )


@dataclass(frozen=True, slots=True)
class Page:
    """The page a bundle was published on, as the parser reads it."""

    document: Document
    stated: Metadata


async def page_metadata(event: DocFetched, objects: ObjectStore) -> Page | None:
    """The page a bundle was published on (None for any other document)."""
    if not event.page_object_key:
        return None
    data = await objects.get(event.page_object_key)
    meta = await objects.head(event.page_object_key)  # its declared charset, as fetched
    doc, stated = await asyncio.to_thread(
        read_page,
        data,
        source_url=event.parent_url,
        content_type=meta.content_type if meta is not None else None,
    )
    return Page(doc, stated)


def with_page(report: ParsedReport, page: Page | None) -> ParsedReport:
    """`report` (read from the pictures) with what its page states, where the pictures do not."""
    if page is None:
        return report
    stated = page.stated
    # a page's <title> may be only the site's name (「首页」「某某县人民政府门户网站」): the page's
    # title, and the agency read from it, count when it names a report
    titled = names_a_report(stated.title)
    return msgspec.structs.replace(
        report,
        title=stated.title if titled else report.title,
        report_year=report.report_year or stated.report_year,
        agency_name=report.agency_name or (stated.agency_name if titled else None),
        publish_date=report.publish_date or stated.publish_date,
        page_agency=report.page_agency or stated.page_agency,
        sections=report.sections or find_sections(page.document, report.format_version),
    )
