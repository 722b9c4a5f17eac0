"""Blocks → T2/T3/T4: real-world layouts (report-format.md §7) with non-zero numbers, exact values.

Fixtures are small inline copies of the layouts seen in real reports (numbers made up): PDF plain text with stacked row-group labels, HTML grids with blank cells,
2019 tables with signs, dashes, units and template notes, a 2021 report printing the 2019
（六）其他处理 row, tables split over pages, rows short of values.
"""

from __future__ import annotations

from services.parser import interpret
from services.parser.document import Document, Grid, Paragraph
from services.parser.extract.textgrid import text_blocks

N = None  # a grid position covered by a merged cell


def from_text(text: str):
    return interpret(Document(blocks=text_blocks(text), kind="text"))


def values(table: dict, row: str) -> list:
    return [c.value if c.kind == "number" else c.kind for c in table[row].values()]


def notes(report, code: str):
    return [n for n in report.notes if n.code == code]


PDF_TEXT = """某某市某某区财政局2021年政府信息公开工作年度报告
二、主动公开政府信息情况
第二十条第（一）项
信息内容 本年制发件数 本年废止件数 现行有效件数
规章 0 0 0
行政规范性文件 5 2 31
第二十条第（五）项
信息内容 本年处理决定数量
行政许可 1,203
第二十条第（六）项
信息内容 本年处理决定数量
行政处罚 56
行政强制 3
第二十条第（八）项
信息内容 本年收费金额（单位：万元）
行政事业性收费 12.5
三、收到和处理政府信息公开申请情况
（本列数据的勾稽关系为：第一项加第二项之和， 法人或其他组织
等于第三项加第四项之和）
自然人 总计
商业企 科研机 社会公益 法律服务
其他
业 构 组织 机构
一、本年新收政府信息公开申请数量 120 7 0 0 3 1 131
二、上年结转政府信息公开申请数量 4 0 0 0 0 0 4
（一）予以公开 61 2 0 0 1 0 64
（二）部分公开（区分处理的，只计这一情
15 1 0 0 0 0 16
形，不计其他情形）
1.属于国家秘密 0 0 0 0 0 0 0
三、
本 2.其他法律行政法规禁止公开 1 0 0 0 0 0 1
年
度 3.危及“三安全一稳定” 0 0 0 0 0 0 0
办 （三）不 4.保护第三方合法权益 2 0 0 0 0 0 2
理 予公开 5.属于三类内部事务信息 0 0 0 0 0 0 0
结 6.属于四类过程性信息 3 0 0 0 0 0 3
果 7.属于行政执法案卷 0 0 0 0 0 0 0
8.属于行政查询事项 1 0 0 0 0 0 1
（四）无 1.本机关不掌握相关政府信息 20 2 0 0 1 0 23
法提供 2.没有现成信息需要另行制作 2 0 0 0 0 0 2
3.补正后申请内容仍不明确 1 0 0 0 0 0 1
1.信访举报投诉类申请 5 1 0 0 0 0 6
（五）不 2.重复申请 3 0 0 0 0 0 3
予处理 3.要求提供公开出版物 0 0 0 0 0 0 0
4.无正当理由大量反复申请 1 0 0 0 0 0 1
5.要求行政机关确认或重新出具已 0 0 0 0 0 0 0
获取信息
（六）其 1.申请人无正当理由逾期不补正、行政机关不再处理 2 0 0 0 0 1 3
他处理 其政府信息公开申请
2.申请人逾期未按收费通知要求缴纳费用、行 0 0 0 0 0 0 0
政机关不再处理其政府信息公开申请
3.其他 1 0 0 0 0 0 1
（七）总计 118 6 0 0 1 1 126
四、结转下年度继续办理 6 1 0 0 2 0 9
四、政府信息公开行政复议、行政诉讼情况
行政复议 行政诉讼
结 结 其 尚
结 结 其 尚 结 结 其 尚
果 果 他 未
总计 果 果 他 未 总 果 果 他 未 总
维 纠 结 审
持 正 果 结 计 持 正 果 结 计
2 1 0 1 4 1 0 0 0 1 0 0 0 0 0
五、存在的主要问题及改进情况
一是公开不够及时。
"""


def test_pdf_plain_text_t2_rows_read_label_then_numbers():
    t2 = from_text(PDF_TEXT).tables["active_disclosure"]
    assert values(t2, "regulations") == [0, 0, 0]
    assert values(t2, "normative_documents") == [5, 2, 31]
    assert values(t2, "administrative_licensing") == [1203]
    assert values(t2, "administrative_penalty") == [56]
    assert values(t2, "administrative_coercion") == [3]
    assert values(t2, "administrative_fees") == [12.5]


def test_pdf_plain_text_t3_with_stacked_group_labels_and_wrapped_labels():
    r = from_text(PDF_TEXT)
    t3 = r.tables["applications"]
    assert values(t3, "new_received") == [120, 7, 0, 0, 3, 1, 131]
    assert values(t3, "carried_over_in") == [4, 0, 0, 0, 0, 0, 4]
    assert values(t3, "granted") == [61, 2, 0, 0, 1, 0, 64]
    assert values(t3, "partially_granted") == [
        15,
        1,
        0,
        0,
        0,
        0,
        16,
    ]  # numbers on the line after the label
    assert values(t3, "denied_prohibited_by_law") == [
        1,
        0,
        0,
        0,
        0,
        0,
        1,
    ]  # 「本」 of 本年度 before it
    assert values(t3, "denied_third_party_rights") == [2, 0, 0, 0, 0, 0, 2]
    assert values(t3, "denied_process_info") == [3, 0, 0, 0, 0, 0, 3]
    assert values(t3, "denied_admin_inquiry") == [1, 0, 0, 0, 0, 0, 1]
    assert values(t3, "unable_not_held") == [20, 2, 0, 0, 1, 0, 23]
    assert values(t3, "not_processed_petition") == [5, 1, 0, 0, 0, 0, 6]
    assert values(t3, "not_processed_confirm_reissue") == [0] * 7  # label wrapped after its numbers
    assert values(t3, "other_no_correction") == [2, 0, 0, 0, 0, 1, 3]
    assert values(t3, "other_fee_unpaid") == [0] * 7
    assert values(t3, "other_other") == [1, 0, 0, 0, 0, 0, 1]
    assert values(t3, "results_total") == [118, 6, 0, 0, 1, 1, 126]
    assert values(t3, "carried_over_out") == [6, 1, 0, 0, 2, 0, 9]
    assert all(c.kind == "number" for row in t3.values() for c in row.values())
    assert r.notes == []


def test_vertical_t4_header_text_then_fifteen_numbers():
    t4 = from_text(PDF_TEXT).tables["review_litigation"]
    assert values(t4, "admin_review") == [2, 1, 0, 1, 4]
    assert values(t4, "litigation_direct") == [1, 0, 0, 0, 1]
    assert values(t4, "litigation_after_review") == [0, 0, 0, 0, 0]


def test_t4_header_split_in_two_character_chunks():
    text = (
        "本年制发件数\n四、政府信息公开行政复议、行政诉讼情况\n行政复议 行政诉讼\n结果 结果 其他 尚未 总\n维持 纠正 结果 审结 计\n"
        "3 0 0 0 3 0 1 0 1 2 0 0 0 0 0\n五、存在的主要问题及改进情况\n"
    )
    t4 = from_text(text).tables["review_litigation"]
    assert values(t4, "admin_review") == [3, 0, 0, 0, 3]
    assert values(t4, "litigation_direct") == [0, 1, 0, 1, 2]


# --- exact grids (HTML/DOCX) -----------------------------------------------------------------

T3_HEADER = [
    [
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        N,
        N,
        "申请人情况",
        N,
        N,
        N,
        N,
        N,
        N,
    ],
    [N, N, N, "自然人", "法人或其他组织", N, N, N, N, "总计"],
    [N, N, N, N, "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", N],
]


def test_exact_grid_blank_cells_stay_blank_in_their_own_column():
    rows = T3_HEADER + [
        ["一、本年新收政府信息公开申请数量", N, N, "801", "15", "", "\xa0", "3", "2", "821"],
        ["二、上年结转政府信息公开申请数量", N, N, "18", "", "", "", "", "", "18"],
        ["三、本年度办理结果", "（一）予以公开", N, "258", "12", "", "", "1", "1", ""],
        [
            N,
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            N,
            "",
            "3",
            "",
            "",
            "",
            "",
            "3",
        ],
    ]
    r = interpret(
        Document(blocks=[Paragraph("三、收到和处理政府信息公开申请情况"), Grid(rows, exact=True)])
    )
    t3 = r.tables["applications"]
    assert values(t3, "new_received") == [801, 15, "blank", "blank", 3, 2, 821]
    assert values(t3, "carried_over_in") == [18, "blank", "blank", "blank", "blank", "blank", 18]
    assert values(t3, "granted") == [
        258,
        12,
        "blank",
        "blank",
        1,
        1,
        "blank",
    ]  # Shanghai 2019: blank 总计
    assert values(t3, "partially_granted") == ["blank", 3, "blank", "blank", "blank", "blank", 3]
    assert values(t3, "results_total") == ["missing"] * 7


def test_exact_continuation_page_without_header_keeps_the_columns():
    page1 = Grid(
        T3_HEADER + [["一、本年新收政府信息公开申请数量", N, N, "5", "", "1", "", "", "", "6"]],
        exact=True,
    )
    page2 = Grid(
        [
            [N, "（七）总计", N, "", "4", "", "", "", "", "4"],
            ["四、结转下年度继续办理", N, N, "2", "", "", "", "", "", "2"],
        ],
        exact=True,
    )
    r = interpret(Document(blocks=[Paragraph("三、收到和处理政府信息公开申请情况"), page1, page2]))
    t3 = r.tables["applications"]
    assert values(t3, "new_received") == [5, "blank", 1, "blank", "blank", "blank", 6]
    assert values(t3, "results_total") == ["blank", 4, "blank", "blank", "blank", "blank", 4]
    assert values(t3, "carried_over_out") == [2, "blank", "blank", "blank", "blank", "blank", 2]


def test_repeated_header_on_a_continuation_page_is_not_a_row():
    page1 = Grid(
        T3_HEADER + [["一、本年新收政府信息公开申请数量", N, N, "5", "0", "0", "0", "0", "0", "5"]],
        exact=True,
    )
    page2 = Grid(
        T3_HEADER + [["四、结转下年度继续办理", N, N, "1", "0", "0", "0", "0", "0", "1"]],
        exact=True,
    )
    r = interpret(Document(blocks=[page1, page2]))
    assert values(r.tables["applications"], "carried_over_out") == [1, 0, 0, 0, 0, 0, 1]
    assert notes(r, "unknown_row") == [] and notes(r, "duplicate_row") == []


def test_2019_t2_signed_changes_dashes_units_template_notes_and_extra_rows():
    rows = [
        ["第二十条第（一）项", N, N, N],
        ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        ["規章(設區的市、自治州人民政府應提供相關數據)", "13", "13", "120"],
        ["规范性文件", "60", "60", "\xa0"],
        ["其他主动公开文件(含以本单位名义正式签发的)", "7", "7", "7"],
        ["第二十条第（五）项", N, N, N],
        [
            "信息内容",
            "上一年项目数量",
            "本年增/减(指2019年增加或减少的事项数,减用负值表示,如-8)",
            "处理决定数量(指2019年办件量)",
        ],
        ["行政许可", "35", "-3", "1,280"],
        ["其他对外管理服务事项", "4", "+1036", "52"],
        ["第二十条第（六）项", N, N, N],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政处罚", "12", "0", "9"],
        ["行政强制", "4", "4", "-"],
        ["第二十条第（八）项", N, N, N],
        ["信息内容", "上一年项目数量", "本年增/减", N],
        ["行政事业性收费", "", "", N],
        ["第二十条第（九）项", N, N, N],
        ["信息内容", "采购项目数量", "采购总金额", N],
        ["政府集中采购", "3", "251000元", N],
    ]
    r = interpret(
        Document(blocks=[Paragraph("2019年某某局政府信息公开工作年度报告"), Grid(rows, exact=True)])
    )
    assert r.format_version == "2019"
    t2 = r.tables["active_disclosure"]
    assert values(t2, "regulations") == [13, 13, 120]
    assert values(t2, "normative_documents") == [60, 60, "blank"]
    assert values(t2, "administrative_licensing") == [35, -3, 1280]
    assert values(t2, "other_external_services") == [4, 1036, 52]
    assert values(t2, "administrative_coercion") == [4, 4, "na_dash"]
    assert values(t2, "administrative_fees") == ["blank", "blank"]
    assert values(t2, "centralized_procurement") == [3, 251000]
    assert t2["centralized_procurement"]["procurement_amount"].unit == "元"
    assert t2["administrative_licensing"]["items_change"].note is None
    (dropped,) = notes(r, "unknown_row")
    assert "其他主动公开文件" in dropped.message


def test_t4_as_an_exact_grid_keeps_blank_cells_in_place():
    rows = [
        ["行政复议", N, N, N, N, "行政诉讼", N, N, N, N, N, N, N, N, N],
        [
            "结果维持",
            "结果纠正",
            "其他结果",
            "尚未审结",
            "总计",
            "未经复议直接起诉",
            N,
            N,
            N,
            N,
            "复议后起诉",
            N,
            N,
            N,
            N,
        ],
        [
            N,
            N,
            N,
            N,
            N,
            "结果维持",
            "结果纠正",
            "其他结果",
            "尚未审结",
            "总计",
            "结果维持",
            "结果纠正",
            "其他结果",
            "尚未审结",
            "总计",
        ],
        ["", "", "", "2", "7", "6", "\xa0", "", "1", "7", "2", "", "", "", "2"],
    ]
    r = interpret(
        Document(
            blocks=[Paragraph("四、政府信息公开行政复议、行政诉讼情况"), Grid(rows, exact=True)]
        )
    )
    t4 = r.tables["review_litigation"]
    assert values(t4, "admin_review") == ["blank", "blank", "blank", 2, 7]
    assert values(t4, "litigation_direct") == [6, "blank", "blank", 1, 7]
    assert values(t4, "litigation_after_review") == [2, "blank", "blank", "blank", 2]


# --- text rows short of values, extra rows, single （六） ---------------------------------------------


def test_a_text_row_short_of_values_gets_a_missing_tail_and_never_shifts_the_next_row():
    text = (
        "三、收到和处理政府信息公开申请情况\n"
        "一、本年新收政府信息公开申请数量 | 9 | 1 | 0 | 0 | 0 |\n"
        "二、上年结转政府信息公开申请数量 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
    )
    r = from_text(text)
    t3 = r.tables["applications"]
    assert values(t3, "new_received") == [9, 1, 0, 0, 0, "missing", "missing"]
    assert values(t3, "carried_over_in") == [2, 0, 0, 0, 0, 0, 2]
    (note,) = notes(r, "unsure_cell")
    assert note.cells == ["applications.new_received.other_org", "applications.new_received.total"]


def test_pipe_rows_with_colspan_artefacts():
    text = (
        "二、主动公开政府信息情况\n第二十条第(一)项 | |||\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n"
        "| 规章 | 2 | 0 | 2 |\n| 行政规范性文件 | 4 | 1 | 17 |\n第二十条第(五)项 | |||\n行政许可 | 32 | ||\n"
        "第二十条第(八)项 | |||\n行政事业性收费 | |||||\n"
    )
    r = from_text(text)
    t2 = r.tables["active_disclosure"]
    assert values(t2, "regulations") == [2, 0, 2]
    assert values(t2, "normative_documents") == [4, 1, 17]
    assert values(t2, "administrative_licensing") == [32]
    assert values(t2, "administrative_fees") == ["missing"]
    assert values(t2, "administrative_penalty") == ["missing"]
    assert any(
        n.cells == ["active_disclosure.administrative_fees.fee_amount_wan_yuan"]
        for n in notes(r, "unsure_cell")
    )


def test_a_2021_report_printing_a_single_other_handling_row_keeps_it_as_extra_cells():
    text = (
        "某某区民政局2023年政府信息公开工作年度报告\n本年制发件数\n三、收到和处理政府信息公开申请情况\n"
        "（五）不予处理 | 5.要求行政机关确认或重新出具已获取信息 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n"
        "（六）其他处理 | 3 | 0 | 0 | 0 | 1 | 0 | 4 |\n"
        "（七）总计 | 40 | 2 | 0 | 0 | 1 | 0 | 43 |\n"
    )
    r = from_text(text)
    assert r.format_version == "2021"
    t3 = r.tables["applications"]
    for row in ("other_no_correction", "other_fee_unpaid", "other_other"):
        assert values(t3, row) == ["missing"] * 7
    assert r.extra_cells["applications.other_handling.natural_person"].value == 3
    assert r.extra_cells["applications.other_handling.legal_service_org"].value == 1
    assert r.extra_cells["applications.other_handling.total"].value == 4
    assert values(t3, "results_total") == [40, 2, 0, 0, 1, 0, 43]
    (note,) = notes(r, "single_other_handling")
    assert "applications.other_other.total" in note.cells


def test_2019_single_other_handling_row_is_a_row_of_its_own():
    text = (
        "某某局2020年政府信息公开工作年度报告\n本年新制作数量\n三、收到和处理政府信息公开申请情况\n"
        "\t（六）其他处理\t2\t0\t0\t0\t0\t0\t2\n\t（七）总计\t30\t1\t0\t0\t0\t0\t31\n"
    )
    r = from_text(text)
    assert r.format_version == "2019"
    t3 = r.tables["applications"]
    assert values(t3, "other_handling") == [2, 0, 0, 0, 0, 0, 2]
    assert values(t3, "results_total") == [30, 1, 0, 0, 0, 0, 31]
    assert "other_other" not in t3


def test_provincial_extra_t3_row_is_dropped_with_a_note():
    text = (
        "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n"
        "其中：依申请公开网上受理 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
        "二、上年结转政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n"
    )
    r = from_text(text)
    assert values(r.tables["applications"], "carried_over_in") == [1, 0, 0, 0, 0, 0, 1]
    (note,) = notes(r, "unknown_row")
    assert "依申请公开网上受理" in note.message


def test_tables_absent_from_the_document_are_null():
    text = "某某局2022年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第（一）项\n规章 0 0 0\n行政规范性文件 1 0 1\n"
    r = from_text(text)
    assert r.tables["active_disclosure"] is not None
    assert r.tables["applications"] is None
    assert r.tables["review_litigation"] is None


def test_t4_given_as_one_row_per_group():
    text = (
        "本年制发件数\n四、政府信息公开行政复议、行政诉讼情况\n行政复议 | 1 | 0 | 0 | 0 | 1 |\n未经复议直接起诉 | 0 | 1 | 0 | 0 | 1 |\n"
        "复议后起诉 | 0 | 0 | 0 | 1 | 1 |\n"
    )
    t4 = from_text(text).tables["review_litigation"]
    assert values(t4, "admin_review") == [1, 0, 0, 0, 1]
    assert values(t4, "litigation_direct") == [0, 1, 0, 0, 1]
    assert values(t4, "litigation_after_review") == [0, 0, 0, 1, 1]


def test_narrative_numbers_outside_tables_are_not_read_as_rows():
    text = (
        "某某局2021年政府信息公开工作年度报告\n一、总体情况\n本年度主动公开规章 3 件，行政许可 120 件。\n"
        "二、主动公开政府信息情况\n第二十条第（一）项\n规章 0 0 0\n"
    )
    r = from_text(text)
    assert values(r.tables["active_disclosure"], "regulations") == [0, 0, 0]
    assert values(r.tables["active_disclosure"], "administrative_licensing") == ["missing"]


def test_page_numbers_between_pdf_pages_are_not_read_as_values():
    text = (
        "本年制发件数\n四、政府信息公开行政复议、行政诉讼情况\n行政复议 行政诉讼\n结果 结果 其他 尚未 总\n维持 纠正 结果 审结 计\n"
        "- 7 -\n第 8 页 共 9 页\n1 0 0 0 1 0 0 0 0 0 0 0 0 0 0\n"
    )
    t4 = from_text(text).tables["review_litigation"]
    assert values(t4, "admin_review") == [1, 0, 0, 0, 1]


def test_a_group_label_row_with_empty_cells_is_a_group_not_an_unknown_row():
    rows = T3_HEADER + [
        ["三、本年度办理结果", N, N, "", "", "", "", "", "", ""],
        ["（一）予以公开", N, N, "4", "0", "0", "0", "0", "0", "4"],
        ["（五）不予处理", N, N, "", "", "", "", "", "", ""],
        ["5.要求行政机关确认或重新出具已获取信息", N, N, "", "", "", "", "", "", ""],
    ]
    r = interpret(Document(blocks=[Paragraph("本年制发件数"), Grid(rows, exact=True)]))
    t3 = r.tables["applications"]
    assert values(t3, "granted") == [4, 0, 0, 0, 0, 0, 4]
    assert values(t3, "not_processed_confirm_reissue") == ["blank"] * 7
    assert notes(r, "unknown_row") == []


def test_t4_grid_with_a_corner_column_reads_the_fifteen_columns_after_it():
    rows = [
        ["", "行政复议", N, N, N, N, "行政诉讼", N, N, N, N, N, N, N, N, N],
        [
            N,
            "结果维持",
            "结果纠正",
            "其他结果",
            "尚未审结",
            "总计",
            "未经复议直接起诉",
            N,
            N,
            N,
            N,
            "复议后起诉",
            N,
            N,
            N,
            N,
        ],
        [
            N,
            N,
            N,
            N,
            N,
            N,
            "结果维持",
            "结果纠正",
            "其他结果",
            "尚未审结",
            "总计",
            "结果维持",
            "结果纠正",
            "其他结果",
            "尚未审结",
            "总计",
        ],
        ["", "", "1", "", "", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"],
    ]
    r = interpret(
        Document(
            blocks=[
                Paragraph("本年制发件数"),
                Paragraph("四、政府信息公开行政复议、行政诉讼情况"),
                Grid(rows, exact=True),
            ]
        )
    )
    t4 = r.tables["review_litigation"]
    assert values(t4, "admin_review") == ["blank", 1, "blank", "blank", 1]
    assert values(t4, "litigation_after_review") == [0, 0, 0, 0, 0]
    assert notes(r, "extra_values") == []


def test_prose_under_a_section_heading_before_the_table_is_not_a_row():
    text = (
        "某某局2021年政府信息公开工作年度报告\n二、主动公开政府信息情况\n本年度办理行政许可 1203 件，行政处罚 56 件。\n"
        "第二十条第（一）项\n信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 0 0 0\n第二十条第（五）项\n"
        "信息内容 本年处理决定数量\n行政许可 1200\n"
    )
    r = from_text(text)
    assert values(r.tables["active_disclosure"], "administrative_licensing") == [1200]
    assert values(r.tables["active_disclosure"], "administrative_penalty") == ["missing"]
    assert notes(r, "duplicate_row") == []


def test_pdf_lines_joined_across_rows_and_stacked_characters_glued_to_numbers():
    # what a PDF text layer gives when lines reaching the right margin are joined (numbers sit there)
    paras = [
        "某某市某某区财政局2021年政府信息公开工作年度报告",
        "二、主动公开政府信息情况",
        "第二十条第（一）项",
        "信息内容 本年制发件数 本年废止件数 现行有效件数",
        "规章 0 0 0行政规范性文件 5 2 31第二十条第（五）项",
        "信息内容 本年处理决定数量",
        "行政许可 1,203第二十条第（六）项",
        "行政处罚 56行政强制 3第二十条第（八）项",
        "信息内容 本年收费金额（单位：万元）",
        "行政事业性收费 12.5三、收到和处理政府信息公开申请情况",
        "（本列数据的勾稽关系为：第一项加第二项之和， 法人或其他组织",
        "一、本年新收政府信息公开申请数量 120 7 0 0 3 1 131二、上年结转政府信息公开申请数量 4 0 0 0 0 0 4"
        "（一）予以公开 61 2 0 0 1 0 64（二）部分公开（区分处理的，只计这一情",
        "15 1 0 0 0 0 16形，不计其他情形）",
        "1.属于国家秘密 0 0 0 0 0 0 0三、",
        "本 2.其他法律行政法规禁止公开 1 0 0 0 0 0 1年",
        "度 3.危及“三安全一稳定” 0 0 0 0 0 0 0办 （三）不 4.保护第三方合法权益 2 0 0 0 0 0 2理 予公开 "
        "5.属于三类内部事务信息 0 0 0 0 0 0 0结 6.属于四类过程性信息 3 0 0 0 0 0 3果",
        "（六）其 1.申请人无正当理由逾期不补正、行政机关不再处理 2 0 0 0 0 1 3他处理 其政府信息公开申请",
        "3.其他 1 0 0 0 0 0 1（七）总计 118 6 0 0 1 1 126四、结转下年度继续办理 6 1 0 0 2 0 9"
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议 行政诉讼",
        "结 结 其 尚",
        "2 1 0 1 4 1 0 0 0 1 0 0 0 0 0五、存在的主要问题及改进情况",
        "一是公开不够及时。",
    ]
    r = interpret(Document(blocks=[Paragraph(p, page=1) for p in paras], kind="pdf"))
    t2, t3, t4 = (r.tables[k] for k in ("active_disclosure", "applications", "review_litigation"))
    assert values(t2, "normative_documents") == [5, 2, 31]
    assert values(t2, "administrative_licensing") == [1203]
    assert values(t2, "administrative_coercion") == [3]
    assert values(t2, "administrative_fees") == [12.5]
    assert values(t3, "carried_over_in") == [4, 0, 0, 0, 0, 0, 4]
    assert values(t3, "partially_granted") == [15, 1, 0, 0, 0, 0, 16]
    assert values(t3, "denied_prohibited_by_law") == [1, 0, 0, 0, 0, 0, 1]
    assert values(t3, "denied_process_info") == [3, 0, 0, 0, 0, 0, 3]
    assert values(t3, "other_no_correction") == [2, 0, 0, 0, 0, 1, 3]
    assert values(t3, "other_other") == [1, 0, 0, 0, 0, 0, 1]
    assert values(t3, "results_total") == [118, 6, 0, 0, 1, 1, 126]
    assert values(t3, "carried_over_out") == [6, 1, 0, 0, 2, 0, 9]
    assert values(t4, "admin_review") == [2, 1, 0, 1, 4]
    assert "problems" in r.sections and "applications" in r.sections


def test_rows_that_never_appear_are_missing_and_named_in_one_note():
    text = (
        "某某局2021年政府信息公开工作年度报告\n第二十条第（一）项\n信息内容 本年制发件数 本年废止件数 现行有效件数\n"
        "行政规范性文件 1 0 1\n"
    )
    r = from_text(text)
    assert values(r.tables["active_disclosure"], "regulations") == ["missing"] * 3
    (note,) = notes(r, "missing_row")
    assert (
        "regulations" in note.message
        and "active_disclosure.administrative_fees.fee_amount_wan_yuan" in note.cells
    )


def _one_grid(report) -> Grid:
    """T2, T3 and T4 of a synthetic report laid out officially (merged cells) in ONE exact grid."""
    from nianbao.samples.layout import expand, table_layouts

    rows: list[list[str | None]] = []
    layouts = table_layouts(report)
    width = max(len(r) for lay in layouts.values() for r in expand(lay))
    for name in ("active_disclosure", "applications", "review_litigation"):
        for r in expand(layouts[name]):
            cells = [None if c is None else c.text for c in r]
            rows.append(cells + [None] * (width - len(cells)))
    return Grid(rows, exact=True)


def test_all_three_tables_in_one_exact_grid_of_the_official_layout():
    from nianbao.samples.synth import synth_report

    for fmt, seed in (("2021", 11), ("2019", 12)):
        expected = synth_report(fmt, seed)
        r = interpret(Document(blocks=[Paragraph(expected.title), _one_grid(expected)]))
        assert r.format_version == fmt
        for name, table in expected.tables.items():
            for row in table:
                assert values(r.tables[name], row) == values(table, row), (fmt, name, row)
        assert r.notes == []


def test_values_continuing_on_the_next_text_line_complete_the_row():
    text = (
        "本年制发件数\n三、收到和处理政府信息公开申请情况\n（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n"
        "一、本年新收政府信息公开申请数量 120 7 0 0\n3 1 131\n二、上年结转政府信息公开申请数量 4 0 0 0 0 0\n"
        "（一）予以公开 61 2 0 0 1 0 64\n"
    )
    r = from_text(text)
    t3 = r.tables["applications"]
    assert values(t3, "new_received") == [120, 7, 0, 0, 3, 1, 131]
    assert values(t3, "carried_over_in") == [4, 0, 0, 0, 0, 0, "missing"]
    assert values(t3, "granted") == [61, 2, 0, 0, 1, 0, 64]
    (note,) = notes(r, "unsure_cell")
    assert note.cells == ["applications.carried_over_in.total"]


def test_cells_one_per_line_without_tabs():
    text = "本年制发件数\n第二十条第（一）项\n规章\n0\n0\n0\n行政规范性文件\n2\n1\n9\n第二十条第（五）项\n行政许可\n17\n"
    t2 = from_text(text).tables["active_disclosure"]
    assert values(t2, "regulations") == [0, 0, 0]
    assert values(t2, "normative_documents") == [2, 1, 9]
    assert values(t2, "administrative_licensing") == [17]


def test_captions_without_brackets_switch_the_t2_block():
    text = "本年制发件数\n第二十条第一项\n规章 1 0 1\n第二十条第五项\n行政许可 8\n"
    t2 = from_text(text).tables["active_disclosure"]
    assert values(t2, "regulations") == [1, 0, 1]
    assert values(t2, "administrative_licensing") == [8]


_PIECES = [
    "规章",
    "行政许可",
    "第二十条第（一）项",
    "信息内容",
    "本年制发件数",
    "自然人",
    "总计",
    "其他",
    "（六）其他处理",
    "一、本年新收政府信息公开申请数量",
    "（七）总计",
    "结果维持",
    "行政复议",
    "0",
    "12",
    "-",
    "/",
    "",
    "\xa0",
    "3.其他",
    "四、政府信息公开行政复议、行政诉讼情况",
    "1 2 3",
    "5.5万元",
    "无",
    None,
]


def test_arbitrary_blocks_never_crash_and_always_give_complete_tables():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as hs

    cell = hs.sampled_from(_PIECES)
    grid = hs.builds(
        lambda rows, exact: Grid(
            [[c if exact else (c or "") for c in r] for r in rows], exact=exact
        ),
        hs.lists(hs.lists(cell, max_size=12), max_size=12),
        hs.booleans(),
    )
    para = hs.builds(
        lambda ps: Paragraph(" ".join(p or "" for p in ps)), hs.lists(cell, max_size=10)
    )

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(hs.lists(hs.one_of(grid, para), max_size=8))
    def check(blocks):
        r = interpret(Document(blocks=[Paragraph("本年制发件数")] + blocks))
        for name, table in r.tables.items():
            if table is not None:
                assert all(
                    c.kind in ("number", "blank", "na_dash", "na_slash", "text", "missing")
                    for cols in table.values()
                    for c in cols.values()
                ), name

    check()


def test_every_cell_on_its_own_line_separated_by_blank_lines():
    # HTML copied as text: 「…总计\n\n商业\n\n企业…」 and 「(三)\n\n不予公开\n\n1.属于国家秘密」 (report-format.md §7 ex. 1)
    cells = [
        "三、收到和处理政府信息公开申请情况",
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        "申请人情况",
        "自然人",
        "法人或其他组织",
        "总计",
        "商业",
        "企业",
        "科研",
        "机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "一、本年新收政府信息公开申请数量",
        "3",
        "1",
        "0",
        "0",
        "0",
        "0",
        "4",
        "(三)",
        "不予公开",
        "1.属于国家秘密",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
        "1",
        "(七)总计",
        "2",
        "1",
        "0",
        "0",
        "0",
        "0",
        "3",
    ]
    r = from_text("本年制发件数\n\n" + "\n\n".join(cells))
    t3 = r.tables["applications"]
    assert values(t3, "new_received") == [3, 1, 0, 0, 0, 0, 4]
    assert values(t3, "denied_state_secret") == [1, 0, 0, 0, 0, 0, 1]
    assert values(t3, "results_total") == [2, 1, 0, 0, 0, 0, 3]
    assert notes(r, "unsure_cell") == []


def test_prose_citing_article_twenty_does_not_open_t2():
    text = (
        "某某局2021年政府信息公开工作年度报告\n一、总体情况\n依据条例第二十条第（一）项规定，本年度办理行政许可 1203 件，行政处罚 56 件。\n"
        "二、主动公开政府信息情况\n第二十条第（五）项\n信息内容 本年处理决定数量\n行政许可 1200\n"
    )
    r = from_text(text)
    assert values(r.tables["active_disclosure"], "administrative_licensing") == [1200]
    assert notes(r, "duplicate_row") == []


def test_a_table_row_beats_an_earlier_text_line_for_the_same_row():
    blocks = [
        Paragraph("第二十条第（五）项"),
        Paragraph("行政许可 9"),
        Grid([["信息内容", "本年处理决定数量"], ["行政许可", "1200"]], exact=True),
        Paragraph("本年制发件数"),
    ]
    r = interpret(Document(blocks=blocks))
    assert values(r.tables["active_disclosure"], "administrative_licensing") == [1200]
    assert "the table's row is kept" in notes(r, "duplicate_row")[0].message


def test_exact_t2_row_with_empty_cells_and_no_header_is_blank_not_missing():
    grid = Grid([["第二十条第（八）项", N], ["行政事业性收费", ""]], exact=True)
    r = interpret(Document(blocks=[Paragraph("本年制发件数"), grid]))
    assert values(r.tables["active_disclosure"], "administrative_fees") == ["blank"]


def test_header_rows_ending_in_an_empty_cell_are_headers():
    rows = [
        [
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
            "",
            "申请人情况",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        ["", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        ["", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
        ["一、本年新收政府信息公开申请数量", "", "2", "0", "0", "0", "0", "0", "2"],
    ]
    r = interpret(Document(blocks=[Paragraph("本年制发件数"), Grid(rows, exact=True)]))
    assert values(r.tables["applications"], "new_received") == [2, 0, 0, 0, 0, 0, 2]
    assert notes(r, "unknown_row") == []


def test_one_grid_with_blank_cells_and_merged_cells_given_as_empty_text_keeps_every_column():
    from nianbao.samples.synth import synth_report

    expected = synth_report("2021", 5)
    g = _one_grid(expected)
    # sloppy HTML: covered positions are plain empty cells, and zeros are left blank
    sloppy = Grid([["" if c is None or c == "0" else c for c in row] for row in g.rows], exact=True)
    r = interpret(Document(blocks=[Paragraph(expected.title), sloppy]))
    for name, table in expected.tables.items():
        for row in table:
            want = ["blank" if v == 0 else v for v in values(table, row)]
            assert values(r.tables[name], row) == want, (name, row)


def test_a_clean_pipe_export_with_one_cell_per_column_keeps_blank_cells_in_place():
    text = (
        "本年新制作数量\n三、收到和处理政府信息公开申请情况\n"
        "| （一）予以公开 | 258 | 12 | | | 1 | 1 | |\n"
        "| 二、上年结转政府信息公开申请数量 | 18 | | | | | | 18 |\n"
        "四、政府信息公开行政复议、行政诉讼情况\n| 5 | | | 2 | 7 | 6 | | | 1 | 7 | 2 | | | | 2 |\n"
    )
    r = from_text(text)
    t3 = r.tables["applications"]
    assert values(t3, "granted") == [258, 12, "blank", "blank", 1, 1, "blank"]
    assert values(t3, "carried_over_in") == [18, "blank", "blank", "blank", "blank", "blank", 18]
    t4 = r.tables["review_litigation"]
    assert values(t4, "admin_review") == [5, "blank", "blank", 2, 7]
    assert values(t4, "litigation_after_review") == [2, "blank", "blank", "blank", 2]


def test_an_unknown_line_closes_a_row_short_of_values():
    text = (
        "本年制发件数\n三、收到和处理政府信息公开申请情况\n（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n"
        "一、本年新收政府信息公开申请数量 120 7 0 0 3 1\n某行不明文字\n9 9 9 9 9 9 9\n"
    )
    r = from_text(text)
    assert values(r.tables["applications"], "new_received") == [120, 7, 0, 0, 3, 1, "missing"]


def test_the_provincial_t3_variant_maps_zongji_to_total_and_keeps_subtotals_apart():
    """28 rows × 8 columns: a 「法人或其他组织小计」 column after 其他 and a 小计 row under
    （三）（四）（五）. 总计 is the total; the subtotals are extra cells, never a national cell."""
    from services.parser.api import parse
    from tests.findings_corpus.builder import base
    from tests.findings_corpus.classes import provincial_t3

    r = base("2021", 61)
    got = parse(provincial_t3(r).encode(), content_type="text/html")
    t3, want = got.tables["applications"], r.tables["applications"]
    assert {k: {c: x.value for c, x in v.items()} for k, v in t3.items()} == {
        k: {c: x.value for c, x in v.items()} for k, v in want.items()
    }
    legal = sum(want["new_received"][c].value for c in list(want["new_received"])[1:6])
    assert got.extra_cells["applications.new_received.legal_person_subtotal"].value == legal
    denied = sum(want[k]["total"].value for k in want if k.startswith("denied_"))
    assert got.extra_cells["applications.subtotal_denied.total"].value == denied


def test_short_text_in_a_data_column_is_the_cells_text_not_a_row_label():
    from nianbao.samples.render import render_html
    from services.parser.api import parse
    from tests.findings_corpus.builder import base, put

    r = base("2021", 1)
    put(r, "active_disclosure.administrative_coercion.decisions", "见附件")
    cell = parse(render_html(r)).tables["active_disclosure"]["administrative_coercion"]["decisions"]
    assert (cell.kind, cell.raw, cell.value) == ("text", "见附件", None)


def test_damaged_sub_item_labels_are_read_by_number_position_and_likeness():
    """A character lost (「补正后申请内容不明确」), a stacked group character glued on and the end cut
    (「度2.重复申」): the row is still the one its number under the group names."""
    from nianbao.samples.render import render_text
    from services.parser.api import parse
    from tests.findings_corpus.builder import base

    r = base("2021", 41)
    text = render_text(r, "tabs")
    for a, b in (
        ("3.补正后申请内容仍不明确", "3.补正后申请内容不明确"),
        ("2.重复申请", "度2.重复申"),
        ("4.无正当理由大量反复申请", "办4.无正当理由大量反复申"),
    ):
        text = text.replace(a, b, 1)
    got = parse(text.encode()).tables["applications"]
    for row in ("unable_still_unclear", "not_processed_repeat", "not_processed_excessive"):
        assert {c: x.value for c, x in got[row].items()} == {
            c: x.value for c, x in r.tables["applications"][row].items()
        }


def test_a_label_like_no_sub_item_of_its_group_stays_unmatched():
    from services.parser.read.tables import TableReader, _State, _Table

    reader = TableReader("2021")
    st = _State(reader.schema, _Table("a", {}), _Table("applications", {}), _Table("c", {}))
    st.t3_group = "not_processed"
    assert reader._damaged_t3_label(st, "9.本机关自行决定事项") is None


def test_a_t2_row_short_by_one_with_a_number_printed_apart_is_unsure_never_shifted():
    from services.parser.api import parse
    from tests.findings_corpus.classes import class5_t2_two_of_three

    doc = class5_t2_two_of_three()[0]
    row = parse(doc.data).tables["active_disclosure"]["normative_documents"]
    assert {c.kind for c in row.values()} == {"unreadable"}
    assert all(c.value is None and "printed apart" in c.note for c in row.values())


def test_seed_000s_short_t2_row_without_a_number_apart_keeps_its_reading(seeds):
    from services.parser.api import parse

    row = parse(seeds["000_bac61c4872424ad3.txt"]).tables["active_disclosure"][
        "normative_documents"
    ]
    assert (row["issued"].value, row["repealed"].value, row["in_force"].kind) == (1, 2, "missing")


def test_a_tab_row_with_empty_label_columns_and_a_blank_total_keeps_the_blank_in_place():
    from nianbao.samples.render import render_text
    from services.parser.api import parse
    from shared.report import Cell
    from tests.findings_corpus.builder import base

    r = base("2021", 1)
    r.tables["applications"]["granted"]["total"] = Cell(raw="", kind="blank")
    row = parse(render_text(r, "tabs").encode()).tables["applications"]["granted"]
    assert row["total"].kind == "blank"
    assert (
        row["natural_person"].value == r.tables["applications"]["granted"]["natural_person"].value
    )


def test_a_tab_row_label_followed_by_short_text_is_a_row_with_text_cells():
    from nianbao.samples.render import render_text
    from services.parser.api import parse
    from tests.findings_corpus.builder import base, put

    r = base("2021", 1)
    put(r, "active_disclosure.administrative_coercion.decisions", "见附件")
    cell = parse(render_text(r, "tabs").encode()).tables["active_disclosure"][
        "administrative_coercion"
    ]["decisions"]
    assert (cell.kind, cell.raw) == ("text", "见附件")
