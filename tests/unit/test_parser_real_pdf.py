"""A real PDF (text layer, no ruling lines) whose table rows are label + right-aligned numbers.

Rendered here with reportlab and a CJK font, read back through parse() — so the PDF text
extraction (services/parser/extract/pdf.py) and the interpretation of its lines (joined rows,
stacked group labels, vertical T4 header) are checked together.
"""

from __future__ import annotations

import io

import pytest

from nianbao.samples.render import cjk_font_path
from services.parser import parse

LINES = """某某县交通运输局2022年政府信息公开工作年度报告
本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。
一、总体情况
2022年，本局认真贯彻落实条例。
二、主动公开政府信息情况
第二十条第（一）项
信息内容 本年制发件数 本年废止件数 现行有效件数
规章 0 0 0
行政规范性文件 3 1 12
第二十条第（五）项
信息内容 本年处理决定数量
行政许可 2,417
第二十条第（六）项
信息内容 本年处理决定数量
行政处罚 88
行政强制 2
第二十条第（八）项
信息内容 本年收费金额（单位：万元）
行政事业性收费 3.2
三、收到和处理政府信息公开申请情况
（本列数据的勾稽关系为：第一项加第二项之和， 法人或其他组织
等于第三项加第四项之和）
自然人 总计
商业企 科研机 社会公益 法律服务
其他
业 构 组织 机构
一、本年新收政府信息公开申请数量 30 2 0 0 1 0 33
二、上年结转政府信息公开申请数量 1 0 0 0 0 0 1
（一）予以公开 20 1 0 0 1 0 22
（二）部分公开（区分处理的，只计这一情
2 0 0 0 0 0 2
形，不计其他情形）
1.属于国家秘密 0 0 0 0 0 0 0
三、
本 2.其他法律行政法规禁止公开 0 0 0 0 0 0 0
年
度 3.危及“三安全一稳定” 0 0 0 0 0 0 0
办 （三）不 4.保护第三方合法权益 1 0 0 0 0 0 1
理 予公开 5.属于三类内部事务信息 0 0 0 0 0 0 0
结 6.属于四类过程性信息 0 0 0 0 0 0 0
果 7.属于行政执法案卷 0 0 0 0 0 0 0
8.属于行政查询事项 0 0 0 0 0 0 0
（四）无 1.本机关不掌握相关政府信息 5 1 0 0 0 0 6
法提供 2.没有现成信息需要另行制作 0 0 0 0 0 0 0
3.补正后申请内容仍不明确 0 0 0 0 0 0 0
1.信访举报投诉类申请 1 0 0 0 0 0 1
（五）不 2.重复申请 0 0 0 0 0 0 0
予处理 3.要求提供公开出版物 0 0 0 0 0 0 0
4.无正当理由大量反复申请 0 0 0 0 0 0 0
5.要求行政机关确认或重新出具已 0 0 0 0 0 0 0
获取信息
（六）其 1.申请人无正当理由逾期不补正、行政机关不再处理 1 0 0 0 0 0 1
他处理 其政府信息公开申请
2.申请人逾期未按收费通知要求缴纳费用、行 0 0 0 0 0 0 0
政机关不再处理其政府信息公开申请
3.其他 0 0 0 0 0 0 0
（七）总计 30 2 0 0 1 0 33
四、结转下年度继续办理 1 0 0 0 0 0 1
四、政府信息公开行政复议、行政诉讼情况
行政复议 行政诉讼
结 结 其 尚
结 结 其 尚 结 结 其 尚
果 果 他 未
总计 果 果 他 未 总 果 果 他 未 总
维 纠 结 审
持 正 果 结 计 持 正 果 结 计
1 0 0 0 1 0 0 0 1 1 0 0 0 0 0
五、存在的主要问题及改进情况
一是公开不够及时。
六、其他需要报告的事项
本年度未收取信息处理费。
""".splitlines()


def _unruled_pdf() -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("cjk-test", cjk_font_path()))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    c.setFont("cjk-test", 10)
    y = 800
    for line in LINES:
        parts = line.split(" ")
        nums: list[str] = []
        while parts and parts[-1].replace(",", "").replace(".", "").isdigit():
            nums.insert(0, parts.pop())
        c.drawString(50, y, " ".join(parts))
        for i, n in enumerate(nums):  # numbers right-aligned in columns that end at the margin
            c.drawRightString(545 - (len(nums) - 1 - i) * 30, y, n)
        y -= 14
        if y < 50:
            c.showPage()
            c.setFont("cjk-test", 10)
            y = 800
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def report():
    if not cjk_font_path():
        pytest.skip("no CJK font installed to render the PDF")
    return parse(_unruled_pdf(), content_type="application/pdf")


def vals(table, row):
    return [c.value if c.kind == "number" else c.kind for c in table[row].values()]


def test_unruled_pdf_metadata_and_sections(report):
    assert (report.format_version, report.agency_name, report.report_year) == (
        "2021",
        "某某县交通运输局",
        2022,
    )
    assert report.stat_period.end == "2022-12-31"
    assert len(report.sections) == 6


def test_unruled_pdf_t2(report):
    t2 = report.tables["active_disclosure"]
    assert vals(t2, "normative_documents") == [3, 1, 12]
    assert vals(t2, "administrative_licensing") == [2417]
    assert vals(t2, "administrative_penalty") == [88]
    assert vals(t2, "administrative_fees") == [3.2]


def test_unruled_pdf_t3_every_row(report):
    t3 = report.tables["applications"]
    assert vals(t3, "new_received") == [30, 2, 0, 0, 1, 0, 33]
    assert vals(t3, "granted") == [20, 1, 0, 0, 1, 0, 22]
    assert vals(t3, "partially_granted") == [2, 0, 0, 0, 0, 0, 2]
    assert vals(t3, "denied_third_party_rights") == [1, 0, 0, 0, 0, 0, 1]
    assert vals(t3, "unable_not_held") == [5, 1, 0, 0, 0, 0, 6]
    assert vals(t3, "not_processed_petition") == [1, 0, 0, 0, 0, 0, 1]
    assert vals(t3, "other_no_correction") == [1, 0, 0, 0, 0, 0, 1]
    assert vals(t3, "results_total") == [30, 2, 0, 0, 1, 0, 33]
    assert vals(t3, "carried_over_out") == [1, 0, 0, 0, 0, 0, 1]
    assert all(c.kind == "number" for row in t3.values() for c in row.values())


def test_unruled_pdf_t4_under_a_vertical_header(report):
    t4 = report.tables["review_litigation"]
    assert vals(t4, "admin_review") == [1, 0, 0, 0, 1]
    assert vals(t4, "litigation_direct") == [0, 0, 0, 1, 1]
    assert vals(t4, "litigation_after_review") == [0] * 5
