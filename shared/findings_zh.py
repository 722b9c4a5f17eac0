"""Findings in Chinese: a message built from the format's own labels (contract.md `message_zh`).

`message_zh(rule, message, cells)` names the rule in Chinese, the cells by the labels the report
itself prints (「本年新收政府信息公开申请数量 / 自然人」, 「行政规范性文件 / 本年制发件数」, 「一、总体情况」)
and carries over the figures of the English message (「24 ≠ 23」, dates, quotes 「…」). It is filled
where findings are shown — `nianbao validate` JSON, `nianbao report` — by `with_zh`, not in the
validator's hot path (a report has ~45 findings; the pipeline's events and index do not need it).
Settings read: none.
"""

from __future__ import annotations

import functools
import re

from shared.report import Finding
from shared.schema import SCHEMAS, SECTION_TITLES, T3_COLS, T4_COLS, T4_GROUPS

RULE_ZH = {
    "S-001": "六个部分或三张表格不全",
    "S-002": "标题或行名与格式不同（已知别名）",
    "S-003": "表格单元格未能全部定位",
    "S-004": "表格格式与报告年度不符",
    "S-005": "引用的通知与所用格式不符",
    "S-006": "表格不可机读（图片或扫描件），需要OCR",
    "V-001": "计数单元格应为非负整数",
    "V-002": "有数字的表格中存在空白单元格",
    "V-003": "存在“—”“/”等标记，按0计算",
    "V-004": "收费金额单位（万元）可疑",
    "V-005": "收费金额小数位数超出设定",
    "V-006": "数字单元格中有文字",
    "T2-001": "不具有规章制定权的机关填报了规章",
    "T2-002": "本年制发件数大于现行有效件数与本年废止件数之和",
    "T2-003": "现行有效件数与上年不衔接",
    "T2-004": "本年新公开数量大于对外公开总数量，或项目数量为负",
    "T2-005": "总体情况中的数字与主动公开表格不一致",
    "T3-001": "勾稽关系不成立：第一项加第二项之和不等于第三项加第四项之和",
    "T3-002": "行合计不等于各类申请人之和",
    "T3-003": "办理结果总计不等于各项办理结果之和",
    "T3-004": "上年结转数与上年报告的结转下年度数不一致",
    "T3-005": "总体情况中的数字与申请表格不一致",
    "T3-006": "信息处理费情况与第六部分不符",
    "T3-007": "无申请却有办理结果（或相反），疑为套用模板",
    "T4-001": "行政复议总计不等于各项结果之和",
    "T4-002": "未经复议直接起诉总计不等于各项结果之和",
    "T4-003": "复议后起诉总计不等于各项结果之和",
    "T4-004": "总体情况中的数字与行政复议、行政诉讼表格不一致",
    "T4-005": "有复议后起诉而无行政复议",
    "M-001": "标题年度与统计期限不一致",
    "M-002": "发布日期晚于法定期限或不在次年",
    "M-003": "标题中的机关与发布机关不一致",
    "M-004": "标题不符合“机关+年度+政府信息公开工作年度报告”",
    "M-005": "汇总报告（含所属部门、单位）",
    "M-006": "第五部分为空或仅为“无”",
    "M-007": "第六部分未说明信息处理费",
    "X-001": "同一机关同一年度重复发布",
    "X-002": "内容雷同",
    "O-001": "OCR疑似误读：表格勾稽关系在OCR识别的数字上不成立",
}
_SECTION_NUM = dict(
    zip(
        (
            "overview",
            "active_disclosure",
            "applications",
            "review_litigation",
            "problems",
            "other_matters",
        ),
        "一二三四五六",
        strict=True,
    )
)
_FIELDS = {
    "title": "标题",
    "publish_date": "发布日期",
    "stat_period": "统计期限",
    "agency_name": "标题中的机关",
    "page_agency": "发布机关",
}
_EXTRA_COLS = {"legal_person_subtotal": "法人或其他组织小计"}
_EXTRA_ROWS = {
    "other_handling": "其他处理",
    "subtotal_denied": "不予公开小计",
    "subtotal_unable": "无法提供小计",
    "subtotal_not_processed": "不予处理小计",
    "subtotal_other": "其他处理小计",
}
# the figures a message states, each looked for only when its marker character is there (a
# validator run builds ~45 findings per report: one alternation scanned everywhere cost 25 µs)
_QUOTE = re.compile(r"「[^」]{1,60}」")
_COMPARISON = re.compile(r"-?\d[\d.,]*\s(?:≠|not [<>]=)\s-?\d[\d.,]*")  # sums.py's 「24 ≠ 23」
_DATE = re.compile(r"\d{4}-\d\d-\d\d")


@functools.cache
def _labels() -> dict[str, str]:
    """key → printed label for every row, column and group of both formats."""
    out: dict[str, str] = {}
    for schema in SCHEMAS.values():
        for block in schema.t2_blocks:
            for lab in (*block.rows, *block.cols):
                out.setdefault(f"active_disclosure:{lab.key}", lab.label)
        for lab in schema.t3_rows:
            out.setdefault(f"applications:{lab.key}", lab.label)
    for lab in T3_COLS:
        out[f"applications:col:{lab.key}"] = lab.label
    for lab in T4_GROUPS:
        out[f"review_litigation:{lab.key}"] = lab.label
    for lab in T4_COLS:
        out[f"review_litigation:col:{lab.key}"] = lab.label
    return out


@functools.lru_cache(maxsize=4096)
def cell_label(path: str) -> str:
    """「本年新收政府信息公开申请数量 / 自然人」 for `applications.new_received.natural_person`."""
    parts = path.split(".")
    if parts[0] == "sections" and len(parts) == 2 and parts[1] in _SECTION_NUM:
        return f"{_SECTION_NUM[parts[1]]}、{SECTION_TITLES[parts[1]][0]}"
    if len(parts) == 1:
        return _FIELDS.get(path, {"active_disclosure": "主动公开表格", "applications": "申请表格",
                                  "review_litigation": "复议诉讼表格"}.get(path, path))  # fmt: skip
    if len(parts) != 3:
        return path
    table, row, col = parts
    labels = _labels()
    row_label = _EXTRA_ROWS.get(row) or labels.get(f"{table}:{row}", row)
    col_label = (
        _EXTRA_COLS.get(col)
        or labels.get(f"{table}:col:{col}")
        or labels.get(f"{table}:{col}", col)
    )
    return f"{row_label} / {col_label}"


def message_zh(rule: str, message: str, cells: list[str] | tuple[str, ...] = ()) -> str:
    """The finding in Chinese: rule, the cells by their printed labels, the message's figures."""
    head = RULE_ZH.get(rule, rule)
    named = "；".join(dict.fromkeys(cell_label(c) for c in cells[:6]))
    if len(cells) > 6:
        named += f" 等{len(cells)}处"
    found: list[str] = []
    if "「" in message:
        found += _QUOTE.findall(message)
    for mark in ("≠", "not <=", "not >="):  # search only around the sign, not the whole text
        i = message.find(mark)
        if i >= 0:
            found += _COMPARISON.findall(message, max(0, i - 24), i + len(mark) + 24)
    if "-" in message:
        found += _DATE.findall(message)
    figures = "，".join(dict.fromkeys(found))
    out = head
    if named:
        out += f"（{named}）"
    if figures:
        out += f"：{figures}"
    return out


def with_zh(findings: list[Finding]) -> list[Finding]:
    """Fill `message_zh` of every finding that has none (in place; returns the list)."""
    for f in findings:
        if not f.message_zh:
            f.message_zh = message_zh(f.rule, f.message, f.cells)
    return findings
