"""The official table layout drawn from a report: merged headers, row groups, data positions."""

from __future__ import annotations

import pytest

from nianbao.samples.layout import T3_CORNER_NOTE, LayoutCell, expand, table_layouts, width
from nianbao.samples.synth import synth_report
from shared.schema import SCHEMAS


def _data_paths(layout) -> list[str]:
    return [c.path for row in layout for c in row if c.path]


@pytest.mark.parametrize("fmt", ["2021", "2019"])
def test_every_cell_of_the_format_appears_exactly_once(fmt):
    report = synth_report(fmt, 3)
    layouts = table_layouts(report)
    counts = SCHEMAS[fmt].cell_count()
    for table, layout in layouts.items():
        paths = _data_paths(layout)
        assert len(paths) == len(set(paths)) == counts[table]


@pytest.mark.parametrize("fmt", ["2021", "2019"])
def test_every_layout_row_fills_the_full_width(fmt):
    for layout in table_layouts(synth_report(fmt, 4)).values():
        grid = expand(layout)
        w = width(layout)
        covered = [[False] * w for _ in grid]
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if cell is not None:
                    for dr in range(cell.rowspan):
                        for dc in range(cell.colspan):
                            assert not covered[r + dr][c + dc]
                            covered[r + dr][c + dc] = True
        assert all(all(row) for row in covered)


def test_t3_corner_spans_three_rows_and_three_columns_with_the_check_note():
    t3 = table_layouts(synth_report("2021", 1))["applications"]
    assert t3[0][0] == LayoutCell(T3_CORNER_NOTE, 3, 3, header=True)
    assert t3[0][1].text == "申请人情况" and t3[0][1].colspan == 7
    assert [(c.text, c.rowspan, c.colspan) for c in t3[1]] == [
        ("自然人", 2, 1),
        ("法人或其他组织", 1, 5),
        ("总计", 2, 1),
    ]
    assert [c.text for c in t3[2]] == [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ]


def test_t3_result_groups_are_rowspans_without_numbers_of_their_own():
    t3 = table_layouts(synth_report("2021", 1))["applications"]
    result_start = t3[5]
    assert (result_start[0].text, result_start[0].rowspan) == ("三、本年度办理结果", 22)
    labels = {c.text: c for row in t3 for c in row if c.header}
    assert labels["（三）不予公开"].rowspan == 8
    assert labels["（四）无法提供"].rowspan == 3
    assert labels["（五）不予处理"].rowspan == 5
    assert labels["（六）其他处理"].rowspan == 3
    assert labels["（七）总计"].colspan == 2
    assert labels["四、结转下年度继续办理"].colspan == 3
    # no data cell is attached to a group label row by itself: 28 rows = 3 header + 25 data rows
    assert len(t3) == 28


def test_2019_t3_has_a_single_other_handling_row():
    t3 = table_layouts(synth_report("2019", 1))["applications"]
    labels = {c.text: c for row in t3 for c in row if c.header}
    assert labels["（六）其他处理"].colspan == 2 and labels["（六）其他处理"].rowspan == 1
    assert labels["三、本年度办理结果"].rowspan == 20
    assert len(t3) == 26


def test_t4_has_two_header_levels_over_fifteen_numbers():
    report = synth_report("2021", 2)
    t4 = table_layouts(report)["review_litigation"]
    assert [(c.text, c.rowspan, c.colspan) for c in t4[0]] == [
        ("行政复议", 2, 5),
        ("行政诉讼", 1, 10),
    ]
    assert [c.text for c in t4[1]] == ["未经复议直接起诉", "复议后起诉"]
    assert len(t4[2]) == 15 and len(t4[3]) == 15
    assert t4[3][4].path == "review_litigation.admin_review.total"
    assert t4[3][4].text == str(report.tables["review_litigation"]["admin_review"]["total"].value)


def test_narrow_t2_blocks_let_their_last_column_span_the_rest():
    t2 = table_layouts(synth_report("2021", 1))["active_disclosure"]
    licensing = next(row for row in t2 if row[0].text == "行政许可")
    assert licensing[1].colspan == 3
    assert t2[0][0].text == "第二十条第（一）项" and t2[0][0].colspan == 4


def test_pre2019_report_has_no_layout():
    report = synth_report("2021", 1)
    report.format_version = "pre2019"
    with pytest.raises(ValueError, match="no national tables"):
        table_layouts(report)
