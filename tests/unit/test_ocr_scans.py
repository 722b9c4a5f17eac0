"""Scanned reports as they come: each variant of scan is read into the national tables with every
cell either the printed value or withheld as unsure — never another number, never a blank where a
number is printed.

The scans are made at test time (nianbao.samples.scans) from synthetic reports of both formats:
image-only PDFs (JPEG pages) at 150, 200 and 300 dpi, skewed, blurred, with a red seal over the
numbers, with faint rulings, turned by 90° and 180°, a PNG and a JPEG picture, and a mixed PDF
(a text page and a scanned page). Each case states how many cells at least must be read exactly;
the rest may only be unsure (named in the `ocr_unsure` note) or not located (a named finding).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from nianbao.samples.scans import Degrade, as_image, as_image_pdf, scan_pages
from nianbao.samples.synth import synth_report
from services.parser import parse
from shared.report import ParsedReport
from shared.schema import cell_path

pytestmark = [pytest.mark.ocr, pytest.mark.timeout(600)]


@dataclass(frozen=True)
class Case:
    name: str
    fmt: str
    dpi: int
    degrade: Degrade
    carrier: str = "pdf"  # pdf (image-only, JPEG pages) | png | jpeg (page 2 as a picture)
    at_least_right: float = 0.97
    tables: tuple[str, ...] | None = None  # the tables judged (a picture of page 2 holds T4)


T4 = ("review_litigation",)
CASES = [
    Case("150 dpi flatbed scan, specks", "2021", 150, Degrade(skew=0.8, noise=0.003)),
    Case("300 dpi, skewed 3°", "2019", 300, Degrade(skew=-3.0, noise=0.003)),
    Case("200 dpi, blurred", "2021", 200, Degrade(skew=0.5, blur=0.8)),
    Case("200 dpi, red seal over the numbers", "2019", 200, Degrade(skew=0.5, seal=True)),
    # at 150 dpi a seal's edges, blurred by JPEG, once read as characters and hid a minus sign
    # (「-2」 read 「2」, sure)
    Case(
        "150 dpi, red seal over the numbers",
        "2019",
        150,
        Degrade(skew=0.5, seal=True),
        at_least_right=0.98,
    ),
    # rulings printed light grey: found whole at the faint look, every row and column located
    Case("200 dpi, faint rulings", "2021", 200, Degrade(skew=0.5, faint_rules=True)),
    Case("150 dpi, faint rulings", "2019", 150, Degrade(skew=0.5, faint_rules=True)),
    Case("200 dpi, page upside down", "2019", 200, Degrade(rotate=180)),
    Case("200 dpi picture turned 90°, PNG", "2021", 200, Degrade(rotate=90), "png", tables=T4),
    Case("150 dpi picture, JPEG", "2019", 150, Degrade(skew=0.4), "jpeg", tables=T4),
]


def read(case: Case) -> tuple[ParsedReport, ParsedReport]:
    want = synth_report(case.fmt, 7)
    pages = scan_pages(want, dpi=case.dpi, degrade=case.degrade)
    if case.carrier == "pdf":
        data = as_image_pdf(pages, case.dpi)
    else:
        data = as_image(pages[1], case.carrier, dpi=case.dpi)
    return want, parse(data, ocr=True)


def outcomes(want: ParsedReport, got: ParsedReport, tables: tuple[str, ...] | None = None) -> dict:
    """Each printed cell's outcome: right, unsure, not_located — or wrong (the defect)."""
    unsure_named = {c for n in got.notes if n.code == "ocr_unsure" for c in n.cells}
    out: dict[str, list[str]] = {"right": [], "unsure": [], "not_located": [], "wrong": []}
    for table, rows in want.tables.items():
        if tables is not None and table not in tables:
            continue
        for row, cols in (rows or {}).items():
            for col, cell in cols.items():
                path = cell_path(table, row, col)
                read = ((got.tables.get(table) or {}).get(row) or {}).get(col)
                if read is None or read.kind == "missing":
                    out["not_located"].append(path)
                elif read.kind == "unreadable":
                    assert path in unsure_named, f"{path} withheld but not named in the note"
                    out["unsure"].append(path)
                elif (read.kind, read.value) == (cell.kind, cell.value):
                    out["right"].append(path)
                else:
                    out["wrong"].append(f"{path}: printed {cell.raw!r}, read {read.raw!r}")
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_scanned_cell_is_right_or_withheld_never_wrong(case):
    want, got = read(case)
    assert got.source_modality == "ocr"
    o = outcomes(want, got, case.tables)
    assert o["wrong"] == []
    total = sum(len(v) for v in o.values())
    assert total >= 15  # T4 alone has 15
    assert len(o["right"]) >= case.at_least_right * total, {k: v[:8] for k, v in o.items()}


def test_a_mixed_pdf_reads_its_text_page_and_ocrs_only_its_scanned_page():
    import pypdfium2 as pdfium

    from nianbao.samples.pdfdoc import render_pdf

    want = synth_report("2021", 11)
    text = pdfium.PdfDocument(render_pdf(want))
    scanned = pdfium.PdfDocument(as_image_pdf(scan_pages(want, dpi=200)[1:2], 200))
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(text, [0])
    mixed.import_pages(scanned, [0])
    buf = io.BytesIO()
    mixed.save(buf)

    got = parse(buf.getvalue(), ocr=True)
    assert got.scan_pages == [2]
    o = outcomes(want, got)
    assert o["wrong"] == [] and o["not_located"] == []
    # page 1's cells come from its text layer (no OCR score); T4, on page 2, from OCR
    t2 = [c for cols in got.tables["active_disclosure"].values() for c in cols.values()]
    t4 = [c for cols in got.tables["review_litigation"].values() for c in cols.values()]
    assert all(c.score is None for c in t2)
    assert all(c.evidence is not None and c.evidence.kind == "ocr" for c in t4)
    assert len(o["right"]) >= 0.98 * sum(len(v) for v in o.values())


@pytest.mark.parametrize("name", ["001_de27d4d4802e9364.txt", "003_fd629941e7a907e0.txt"])
def test_a_real_report_printed_and_scanned_reads_back_as_its_text_did(seeds, name):
    want = parse(seeds[name])
    pages = scan_pages(want, dpi=200, degrade=Degrade(skew=0.6, noise=0.002, seed=3))
    got = parse(as_image_pdf(pages, 200), ocr=True)
    assert (got.report_year, got.format_version, got.title, got.agency_name) == (
        want.report_year,
        want.format_version,
        want.title,
        want.agency_name,
    )
    o = outcomes(want, got)
    assert o["wrong"] == []
    assert len(o["right"]) >= 0.97 * sum(len(v) for v in o.values()), o["unsure"]


def test_a_lone_zero_the_model_doubts_is_vouched_for_by_the_pages_sure_zeros():
    # blurred at 150 dpi, the recogniser scores this lone 「0」 0.78 (withheld until session 17);
    # the page's other zeros, printed the same, it read at 0.99 and more
    want = synth_report("2021", 100)
    pages = scan_pages(want, dpi=150, degrade=Degrade(skew=0.5, blur=0.8, seed=0))
    got = parse(as_image_pdf(pages, 150), ocr=True)
    cell = got.tables["applications"]["not_processed_petition"]["natural_person"]
    assert (cell.kind, cell.value) == ("number", 0)
    assert cell.score is not None and cell.score >= 0.97
    assert outcomes(want, got)["wrong"] == []
