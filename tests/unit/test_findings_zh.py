"""shared/findings_zh.py: findings in Chinese, cells named by the format's own labels."""

from __future__ import annotations

from shared.findings_zh import cell_label, message_zh, with_zh
from shared.report import Finding


def test_cells_are_named_by_the_labels_the_report_prints():
    assert cell_label("applications.new_received.natural_person") == (
        "本年新收政府信息公开申请数量 / 自然人"
    )
    assert (
        cell_label("active_disclosure.normative_documents.issued")
        == "行政规范性文件 / 本年制发件数"
    )
    assert cell_label("review_litigation.litigation_direct.total") == "未经复议直接起诉 / 总计"
    assert cell_label("sections.overview") == "一、总体情况"
    assert cell_label("applications.subtotal_denied.total") == "不予公开小计 / 总计"


def test_a_message_in_chinese_keeps_the_figures_of_the_english_one():
    zh = message_zh(
        "T3-001",
        "column natural_person: new_received + carried_over_in = results_total + carried_over_out: 24 ≠ 23 (difference 1)",
        ["applications.new_received.natural_person", "applications.results_total.natural_person"],
    )
    assert zh.startswith("勾稽关系不成立")
    assert "本年新收政府信息公开申请数量 / 自然人" in zh and zh.endswith("24 ≠ 23")


def test_with_zh_fills_only_empty_messages():
    done = Finding(rule="M-006", severity="warning", message="x", message_zh="已有")
    todo = Finding(
        rule="M-006", severity="warning", message="section 五 empty", cells=["sections.problems"]
    )
    with_zh([done, todo])
    assert done.message_zh == "已有"
    assert todo.message_zh == "第五部分为空或仅为“无”（五、存在的主要问题及改进情况）"
