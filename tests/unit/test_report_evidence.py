"""shared/report.py's Evidence: where a cell was read, an optional, additive part of a Cell."""

import msgspec

from shared.report import Cell, Evidence, ParsedReport


def as_json(obj: object) -> object:
    return msgspec.json.decode(msgspec.json.encode(obj))


def test_a_cell_without_evidence_serialises_as_before():
    assert msgspec.json.encode(Cell(value=3, raw="3", kind="number")) == (
        b'{"value":3,"raw":"3","kind":"number"}'
    )


def test_evidence_carries_only_the_fields_its_kind_knows():
    pdf = Evidence(kind="pdf", page=2, box=(72.0, 100.5, 110.0, 118.0))
    html = Evidence(kind="html", table=1, row=4, col=3, path="body>div>table[2]>tr[5]>td[4]")
    text = Evidence(kind="text", line=37)
    assert as_json(pdf) == {"kind": "pdf", "page": 2, "box": [72.0, 100.5, 110.0, 118.0]}
    assert as_json(html) == {
        "kind": "html",
        "table": 1,
        "row": 4,
        "col": 3,
        "path": "body>div>table[2]>tr[5]>td[4]",
    }
    assert as_json(text) == {"kind": "text", "line": 37}


def test_a_report_with_evidence_round_trips_through_json():
    cell = Cell(
        value=12, raw="12", kind="number", evidence=Evidence(kind="ocr", page=1, box=(1, 2, 3, 4))
    )
    report = ParsedReport(tables={"applications": {"new_received": {"total": cell}}})
    back = msgspec.json.decode(msgspec.json.encode(report), type=ParsedReport)
    got = back.tables["applications"]["new_received"]["total"]  # type: ignore[index]
    assert got.evidence == Evidence(kind="ocr", page=1, box=(1.0, 2.0, 3.0, 4.0))
    assert got.value == 12


def test_a_report_written_before_evidence_existed_still_decodes():
    old = b'{"tables": {"applications": {"new_received": {"total": {"value": 1, "raw": "1", "kind": "number"}}}}}'
    back = msgspec.json.decode(old, type=ParsedReport)
    assert back.tables["applications"]["new_received"]["total"].evidence is None  # type: ignore[index]


def test_the_parser_records_where_each_cell_was_read_in_every_rendering():
    from pathlib import Path

    from nianbao.samples.render import render
    from services.parser.api import parse

    seed = Path("nianbao/samples/seeds/000_bac61c4872424ad3.txt").read_bytes()
    text = parse(seed)
    got = {}
    for kind in ("html", "pdf", "docx", "xlsx"):
        data, content_type = render(text, kind)
        cell = parse(data, content_type=content_type).tables["applications"]["new_received"][
            "total"
        ]  # type: ignore[index]
        got[kind] = cell.evidence
    assert got["html"] is not None and got["html"].path is not None
    assert (got["html"].kind, got["html"].table, got["html"].row, got["html"].col) == (
        "html",
        1,
        3,
        9,
    )
    assert (got["docx"].kind, got["docx"].table, got["docx"].row, got["docx"].col) == (
        "docx",
        1,
        3,
        9,
    )
    # a sheet: the table's number in the workbook, the sheet's name, the row and column in it
    assert (got["xlsx"].kind, got["xlsx"].table, got["xlsx"].path) == ("sheet", 1, "年度报告")
    assert (got["xlsx"].row, got["xlsx"].col) == (37, 9)
    assert (got["pdf"].kind, got["pdf"].page) == ("pdf", 2)
    total = text.tables["applications"]["new_received"]["total"]  # type: ignore[index]
    assert total.evidence == Evidence(kind="text", table=1, row=3, col=7)


def test_sheet_evidence_names_the_sheet_and_the_row_and_column_the_cell_is_at():
    """Every cell read from a workbook (a notes sheet before the report's) points at the sheet
    cell holding its text."""
    import io
    from pathlib import Path

    import openpyxl

    from nianbao.samples.render import render
    from services.parser.api import parse

    text = parse(Path("nianbao/samples/seeds/000_bac61c4872424ad3.txt").read_bytes())
    data, content_type = render(text, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    notes = book.create_sheet("填报说明", 0)
    notes.append(["本表由办公室填报"])
    notes.append([])
    notes.append(["项目", "数量"])
    notes.append(["附件", 2])
    out = io.BytesIO()
    book.save(out)
    got = parse(out.getvalue(), content_type=content_type)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    checked = 0
    for table in got.tables.values():
        for cols in (table or {}).values():
            for cell in cols.values():
                if cell.kind != "number":
                    continue
                ev = cell.evidence
                assert ev is not None and ev.kind == "sheet" and ev.path == "年度报告"
                at = book[ev.path].cell(ev.row + 1, ev.col + 1).value
                assert str(at) == cell.raw, (ev, cell.raw)
                assert ev.table >= 1  # the notes sheet's table is table 0
                checked += 1
    assert checked > 150
