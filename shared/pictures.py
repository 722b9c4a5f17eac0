"""How large a picture must be to hold a page of a report, shared by the parser (a smaller
picture is not a report) and the fetcher (an `<img>` declared smaller is not fetched).

A picture smaller than this on its short or long side cannot hold a page of report text or a
table: a logo, an icon, a QR code, a tracking pixel. (A phone photo or a scan of one page is
≥ 600 px across; a screenshot of a table ≥ 400 px wide.)
"""

from __future__ import annotations

MIN_REPORT_SIDE = 300
MIN_REPORT_LONG_SIDE = 400


def too_small(width: int, height: int) -> bool:
    """True when a width × height picture cannot be a page of a report."""
    short, long_ = sorted((width, height))
    return short < MIN_REPORT_SIDE or long_ < MIN_REPORT_LONG_SIDE


# How much of a picture report is read at all, shared by the parser's OCR
# (services/parser/extract/ocr_pages.py, whose equal constants a unit test pins to these) and the
# fetcher, which bundles a report's pictures into one document and refuses what OCR would refuse.
MAX_OCR_PAGES = 60  # a report is 5–30 pages; a scan of more is something else (or an attack)
MAX_PAGE_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 Mpx; a 1 GB frame is not a page
DEFAULT_DPI = 200.0  # a picture that states no dpi (or an implausible one)


def plausible_dpi(dpi: float) -> float:
    """A stated dpi outside 100–600 is a default of the software (72, 96, 1), not the scan's."""
    return dpi if 100 <= dpi <= 600 else DEFAULT_DPI
