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
