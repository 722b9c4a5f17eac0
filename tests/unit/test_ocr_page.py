"""OCR of one rendered page: a synthetic report's first page scanned at 200 dpi, read back.

The page image is made at test time (nianbao.samples.scans). Every OCR'd cell is either the
number that was printed, or withheld as unsure (kind unreadable, named in an `ocr_unsure` note):
never a different number passed on as read.
"""

from __future__ import annotations

import pytest

from nianbao.samples.scans import as_image, scan_pages
from nianbao.samples.synth import synth_report
from services.parser import parse

pytestmark = pytest.mark.ocr


@pytest.fixture(scope="module")
def first_page():
    report = synth_report("2021", 3)
    page = scan_pages(report, dpi=200)[0]
    return report, parse(as_image(page, "png", dpi=200), ocr=True)


def test_a_scanned_page_is_read_by_ocr_into_the_national_tables(first_page):
    _, got = first_page
    assert (got.format_version, got.source_modality, got.report_year) == ("2021", "ocr", 2022)
    assert got.tables["active_disclosure"] is not None
    assert got.scan_pages == [1]


def test_no_ocr_cell_passes_a_wrong_number_or_a_false_blank_as_sure(first_page):
    want, got = first_page
    right = unsure = 0
    for row, cols in want.tables["active_disclosure"].items():
        for col, cell in cols.items():
            read = got.tables["active_disclosure"][row][col]
            if read.kind == "unreadable":
                unsure += 1
                continue
            # a different number, or a blank where a number is printed, would be a wrong value
            assert (read.kind, read.value) == (cell.kind, cell.value), (row, col, read.raw)
            right += 1
    assert right >= 10
    named = {c for n in got.notes if n.code == "ocr_unsure" for c in n.cells}
    assert unsure == len([c for c in named if c.startswith("active_disclosure.")])


def test_every_ocr_cell_keeps_its_score_and_its_box_on_the_page(first_page):
    _, got = first_page
    cells = [c for cols in got.tables["active_disclosure"].values() for c in cols.values()]
    read = [c for c in cells if c.evidence is not None]
    assert read
    for c in read:
        assert c.evidence.kind == "ocr" and c.evidence.page == 1
        assert 0.0 <= c.score <= 1.0
        if c.evidence.box is not None:
            x0, top, x1, bottom = c.evidence.box
            assert 0 <= x0 < x1 <= 595.5 and 0 <= top < bottom <= 842.5  # A4 in points


def test_page_wide_detection_sees_only_the_rows_with_ink_and_finds_the_same_lines():
    import cv2
    import numpy as np

    from services.parser.extract.ocr import _ink_rows, _line_boxes, _page_line_boxes, engine

    dpi = 150
    page = np.full((1754, 1240), 255, dtype=np.uint8)
    for y in (300, 1500):
        cv2.putText(page, "2021 12345", (150, y), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    rng = np.random.default_rng(0)
    for x, y in zip(rng.integers(0, 1238, 400), rng.integers(0, 1752, 400), strict=True):
        page[y : y + 2, x : x + 2] = 0  # scanner grains, 2×2 px: not ink
    rows = _ink_rows(page, dpi)
    assert rows[300] and rows[1500] and rows[300 - 30]
    assert not rows[900] and not rows[50] and 0.05 < rows.mean() < 0.12
    eng = engine()
    banded = sorted(_page_line_boxes(eng, page, dpi), key=lambda b: b[1])
    whole = sorted(_line_boxes(eng, page), key=lambda b: b[1])
    assert len(banded) == len(whole) == 2
    for a, b in zip(banded, whole, strict=True):
        assert max(abs(p - q) for p, q in zip(a, b, strict=True)) <= 4, (a, b)
    assert banded[0][1] < 300 < banded[0][3] and banded[1][1] < 1500 < banded[1][3]


def test_orientation_reads_a_dozen_characters_of_a_long_line_cut_between_two_of_them():
    import numpy as np

    from services.parser.extract.ocr import WITNESS, _witness

    # a line 10 px thick of 8 px characters 2 px apart
    line = np.full((10, 600), 255, dtype=np.uint8)
    for x in range(0, 600, 10):
        line[:, x : x + 8] = 0
    cut = _witness(line)
    # cut where the paper between two characters begins, past 12 thicknesses: the 13th whole
    assert cut.shape == (10, WITNESS * 10 + 8)
    assert (line[:, cut.shape[1]] == 255).all() and (cut[:, -1] == 0).all()
    standing = _witness(np.ascontiguousarray(line.T))  # a line of a page turned by 90°
    assert standing.shape == (WITNESS * 10 + 8, 10)
    short = line[:, : WITNESS * 10]
    assert _witness(short) is short  # nothing to spare
