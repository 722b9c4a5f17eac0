"""Judging OCR'd cells: a sure number passes; a low score, or words where a number belongs, is
withheld as unsure and named in one note — never passed on as a value."""

from __future__ import annotations

from services.parser.document import Document
from services.parser.read.cells import parse_cell
from services.parser.read.confidence import UNSURE_BELOW, judge_ocr_cells
from shared.report import Evidence, ParsedReport


def scanned(raw: str, score: float) -> ParsedReport:
    cell = parse_cell(raw)
    cell.score = score
    cell.evidence = Evidence(kind="ocr", page=1, box=(10.0, 10.0, 30.0, 20.0))
    report = ParsedReport()
    report.tables = {"active_disclosure": {"regulations": {"issued": cell}}}
    return report


def judged(raw: str, score: float):
    report = scanned(raw, score)
    notes = judge_ocr_cells(report, Document(kind="image", image_only=True, scan_pages=[1]))
    return report.tables["active_disclosure"]["regulations"]["issued"], notes


def test_a_number_read_surely_is_kept():
    cell, notes = judged("12", 0.999)
    assert (cell.kind, cell.value, notes) == ("number", 12, [])


def test_a_number_read_below_the_threshold_is_withheld_and_named():
    cell, notes = judged("12", UNSURE_BELOW - 0.01)
    assert (cell.kind, cell.value, cell.raw) == ("unreadable", None, "12")
    assert [(n.code, n.cells) for n in notes] == [
        ("ocr_unsure", ["active_disclosure.regulations.issued"])
    ]


def test_two_numbers_where_one_is_printed_are_withheld_even_when_read_surely():
    cell, notes = judged("92 2496", 0.999)  # 92.2496 with its decimal point lost
    assert (cell.kind, cell.value) == ("unreadable", None)
    assert "not one number" in cell.note
    assert notes[0].cells == ["active_disclosure.regulations.issued"]


def blank_on_page_1(box: tuple[float, float, float, float]) -> ParsedReport:
    cell = parse_cell("")
    cell.evidence = Evidence(kind="pdf", page=1, box=box)
    report = ParsedReport()
    report.tables = {"active_disclosure": {"regulations": {"issued": cell}}}
    return report


def test_a_blank_is_sure_only_where_ocr_saw_a_ruled_cell_without_ink():
    box = (100.0, 200.0, 180.0, 220.0)
    doc = Document(kind="pdf", image_only=True, scan_pages=[1], ocr=True)
    doc.ocr_empty_cells = [(1, (100.5, 199.6, 180.2, 220.4))]
    seen_empty = blank_on_page_1(box)
    assert judge_ocr_cells(seen_empty, doc) == []
    assert seen_empty.tables["active_disclosure"]["regulations"]["issued"].kind == "blank"

    elsewhere = blank_on_page_1((300.0, 200.0, 380.0, 220.0))  # a cell OCR did not see empty
    notes = judge_ocr_cells(elsewhere, doc)
    cell = elsewhere.tables["active_disclosure"]["regulations"]["issued"]
    assert cell.kind == "unreadable" and "may have been missed" in cell.note
    assert notes[0].cells == ["active_disclosure.regulations.issued"]


def test_a_number_read_from_a_text_line_of_an_ocr_page_is_judged_by_its_word():
    cell = parse_cell("4")
    cell.evidence = Evidence(kind="pdf", page=1, box=(10.0, 10.0, 30.0, 20.0))  # a text-line table
    report = ParsedReport()
    report.tables = {"active_disclosure": {"regulations": {"issued": cell}}}
    doc = Document(kind="pdf", image_only=True, scan_pages=[1], ocr=True)
    doc.ocr_words = [(1, "4", (12.0, 11.0, 16.0, 19.0), 0.6)]
    judge_ocr_cells(report, doc)
    assert (cell.kind, cell.score) == ("unreadable", 0.6)


def test_a_text_line_cell_takes_the_score_of_the_word_inside_its_own_box():
    cell = parse_cell("0")
    cell.evidence = Evidence(kind="pdf", page=1, box=(100.0, 100.0, 140.0, 115.0))
    report = ParsedReport()
    report.tables = {"active_disclosure": {"regulations": {"issued": cell}}}
    doc = Document(kind="pdf", image_only=True, scan_pages=[1], ocr=True)
    # the same text elsewhere on the page, read with low confidence, is another cell's
    doc.ocr_words = [
        (1, "0", (118.0, 102.0, 124.0, 113.0), 0.999),
        (1, "0", (300, 102, 306, 113), 0.5),
    ]
    assert judge_ocr_cells(report, doc) == []
    assert (cell.kind, cell.value, cell.score) == ("number", 0, 0.999)
    assert cell.evidence.box == (118.0, 102.0, 124.0, 113.0)
