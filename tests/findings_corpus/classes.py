"""The eleven kinds of real document of issue #19 that turned into false or silent findings, one or
more corpus documents each (see the issue for what real reports do). Settings read: none.
"""

from __future__ import annotations

import html as _html

from nianbao.samples.render import render_docx, render_html, render_pdf, render_text
from shared.report import ParsedReport
from shared.schema import SCHEMAS, T3_COLS
from tests.findings_corpus.builder import (
    DEPT,
    DOCX,
    HTML,
    PDF,
    PNG,
    TEXT,
    CorpusDoc,
    base,
    cells_of,
    chromium_print,
    office_convert,
    png,
    put,
    resync,
    scanned_pdf,
    val,
)

T2, T3, T4 = "active_disclosure", "applications", "review_litigation"


def _doc(name: str, data: bytes, ct: str, expect=(), allow=(), **kw) -> CorpusDoc:
    return CorpusDoc(name, name.split(":")[0], data, ct, frozenset(expect), frozenset(allow), **kw)


def class1_line_backgrounds() -> list[CorpusDoc]:
    """WPS / 极速PDF exports paint a filled rectangle behind every text line."""
    out = []
    for fmt, seed in (("2021", 11), ("2019", 12)):
        r = base(fmt, seed)
        out.append(
            _doc(
                f"class 1: PDF with painted line backgrounds {fmt}",
                render_pdf(r, line_backgrounds=True),
                PDF,
                cells=cells_of(r),
                agency=DEPT,
            )
        )
    return out


_SUBHEADED = (
    "（一）主动公开政府信息情况",
    "（二）依申请公开情况",
    "（三）政府信息管理",
    "（四）平台建设",
    "（五）监督保障",
)


def _subheaded(r: ParsedReport, marker: str = "") -> ParsedReport:
    """Overview with its five parts under short sub-headings 「（一）主动公开政府信息情况」…"""
    parts = r.sections["overview"].text.split("\n")
    lines = [parts[0]]
    for head, body in zip(_SUBHEADED, parts[1:], strict=False):
        lines += [marker + head, body.split("。", 1)[-1] or body]
    r.sections["overview"].text = "\n".join(lines)
    return r


def class2_subheadings() -> list[CorpusDoc]:
    r = _subheaded(base("2021", 21))
    md = _subheaded(base("2021", 22), "### ")
    return [
        _doc("class 2: sub-headings （一） in HTML", render_html(r), HTML, cells=cells_of(r)),
        _doc(
            "class 2: markdown ### (一) sub-headings",
            render_text(md, "markdown").encode(),
            TEXT,
            cells=cells_of(md),
        ),
    ]


def class3_markdown_groups() -> list[CorpusDoc]:
    """Markdown rendition: a T3 row group's label in a line of its own above its rows, and a
    dash-only header row `| - | - |` under each table's first line."""
    r = base("2021", 31)
    lines = render_text(r, "markdown").split("\n")
    out: list[str] = []
    for line in lines:
        if line.startswith("|") and "---|" in line:
            n = line.count("---|")
            out.append("| " + " | ".join(["-"] * n) + " |")
            continue
        if line.startswith("|") and "属于国家秘密" in line:
            out += ["", "**（三）不予公开**", ""]
            line = line.replace("（三）不予公开", "")
        if line.startswith("|") and "本机关不掌握相关政府信息" in line:
            out += ["", "#### （四）无法提供", ""]
            line = line.replace("（四）无法提供", "")
        out.append(line)
    r2 = base("2021", 32)
    labelled: list[str] = []
    for line in render_text(r2, "markdown").split("\n"):
        if line.startswith("|") and ("二、上年结转" in line or "四、结转下年度" in line):
            # the row's label as a heading, its numbers in a one-row table below it
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            label = next(c for c in cells if c and not c.replace(".", "").isdigit())
            values = [c for c in cells if c.replace(".", "").isdigit()]
            labelled += ["", f"#### {label}", "", "| " + " | ".join(values) + " |", ""]
            continue
        labelled.append(line)
    return [
        _doc(
            "class 3: markdown row labels as headings, numbers in a table below",
            "\n".join(labelled).encode(),
            TEXT,
            cells=cells_of(r2),
        ),
        _doc(
            "class 3: markdown group labels in headings, dash header rows",
            "\n".join(out).encode(),
            TEXT,
            cells=cells_of(r),
        ),
    ]


def class4_damaged_labels() -> list[CorpusDoc]:
    """Row labels damaged in print: a character missing, a stacked group character glued on."""
    r = base("2021", 41)
    text = render_text(r, "tabs")
    for a, b in (
        ("1.属于国家秘密", "1.属于国家秘"),
        ("3.补正后申请内容仍不明确", "3.补正后申请内容不明确"),
        ("2.重复申请", "度2.重复申"),
        ("4.无正当理由大量反复申请", "办4.无正当理由大量反复申"),
    ):
        assert a in text, a
        text = text.replace(a, b, 1)
    return [
        _doc(
            "class 4: damaged row labels (tabs text)",
            text.encode(),
            TEXT,
            cells=cells_of(r, T3),
        )
    ]


def class5_t2_two_of_three() -> list[CorpusDoc]:
    """A T2 row printed with 2 of its 3 values; the middle one pulled out above the table as an
    annotated line 「22（其中修订16件）」. Never shift the last value into the middle column."""
    r = base("2021", 51)
    put(r, f"{T2}.normative_documents.issued", "5", 5)
    put(r, f"{T2}.normative_documents.repealed", "22", 22)
    put(r, f"{T2}.normative_documents.in_force", "40", 40)
    resync(r)
    text = render_text(r, "cell_per_line")
    head, sep, rest = text.partition("\t行政规范性文件\n\t5\n\t22\n\t40\n")
    assert sep, "layout changed"
    head = head.replace("\t第二十条第（一）项", "22（其中修订16件）\n\t第二十条第（一）项", 1)
    text = head + "\t行政规范性文件\n\t5\n\t40\n" + rest
    return [
        _doc(
            "class 5: T2 row with 2 of 3 values and an annotated number",
            text.encode(),
            TEXT,
            allow={"S-003"},  # the parser may say it is unsure of the row
            cells={
                f"{T2}.normative_documents.issued": 5,
                f"{T2}.normative_documents.repealed": 22,
                f"{T2}.normative_documents.in_force": 40,
            },
            lenient=True,
        )
    ]


_SUBTOTAL_GROUPS = ("denied_", "unable_", "not_processed_")
_GROUP_LABEL = {
    "denied_": "（三）不予公开",
    "unable_": "（四）无法提供",
    "not_processed_": "（五）不予处理",
}


def provincial_t3(r: ParsedReport, *, break_subtotal: bool = False) -> str:
    """The provincial T3 variant: 28 rows × 8 columns, a 「法人或其他组织小计」 column and a 小计 row
    after the items of （三）（四）（五）."""
    schema = SCHEMAS["2021"]
    t3 = r.tables[T3]
    persons = [c.key for c in T3_COLS[1:6]]

    def values(row: dict) -> list[str]:
        legal = sum(row[k] for k in persons)
        return [
            str(row["natural_person"]),
            *(str(row[k]) for k in persons),
            str(legal),
            str(row["total"]),
        ]

    def plain(key: str) -> dict:
        return {c: t3[key][c].value for c in t3[key]}

    tr = []
    head = (
        '<tr><td rowspan="3" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>'
        '<td colspan="8">申请人情况</td></tr>'
        '<tr><td rowspan="2">自然人</td><td colspan="6">法人或其他组织</td><td rowspan="2">总计</td></tr>'
        "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td><td>小计</td></tr>"
    )
    labels = {x.key: x.label for x in schema.t3_rows}

    def row(label_cells: str, vals: list[str]) -> str:
        return "<tr>" + label_cells + "".join(f"<td>{v}</td>" for v in vals) + "</tr>"

    tr.append(
        row(f'<td colspan="3">一、{labels["new_received"]}</td>', values(plain("new_received")))
    )
    tr.append(
        row(
            f'<td colspan="3">二、{labels["carried_over_in"]}</td>',
            values(plain("carried_over_in")),
        )
    )
    result_keys = [
        x.key
        for x in schema.t3_rows
        if x.key not in ("new_received", "carried_over_in", "results_total", "carried_over_out")
    ]
    body = []
    body.append(("（一）予以公开", None, "granted"))
    body.append(
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None, "partially_granted")
    )
    for prefix in (*_SUBTOTAL_GROUPS, "other_"):
        items = [k for k in result_keys if k.startswith(prefix)]
        group = _GROUP_LABEL.get(prefix, "（六）其他处理")
        for i, k in enumerate(items, 1):
            body.append((group, f"{i}.{labels[k]}", k))
        if prefix in _SUBTOTAL_GROUPS:
            body.append((group, "小计", "subtotal:" + prefix))
    body.append(("（七）总计", None, "results_total"))
    first = True
    n_rows = len(body)
    prev_group = None
    for group, item, key in body:
        cells = ""
        if first:
            cells += f'<td rowspan="{n_rows}">三、本年度办理结果</td>'
            first = False
        if item is None:
            cells += f'<td colspan="2">{_html.escape(group)}</td>'
        elif group != prev_group:
            span = sum(1 for g, it, _ in body if g == group)
            cells += f'<td rowspan="{span}">{group}</td><td>{_html.escape(item)}</td>'
        else:
            cells += f"<td>{_html.escape(item)}</td>"
        prev_group = group
        if key.startswith("subtotal:"):
            prefix = key.split(":")[1]
            items = [k for k in result_keys if k.startswith(prefix)]
            summed = {c: sum(t3[k][c].value for k in items) for c in t3["granted"]}
            if break_subtotal and prefix == "unable_":
                summed["natural_person"] += 1
            vals = values(summed)
        else:
            vals = values(plain(key))
        tr.append(row(cells, vals))
    tr.append(
        row(
            f'<td colspan="3">四、{labels["carried_over_out"]}</td>',
            values(plain("carried_over_out")),
        )
    )
    table = '<table border="1"><tbody>' + head + "".join(tr) + "</tbody></table>"
    page = render_html(r).decode()
    start = page.index("<table", page.index("三、收到和处理政府信息公开申请情况"))
    end = page.index("</table>", start) + len("</table>")
    return page[:start] + table + page[end:]


def class6_provincial_t3() -> list[CorpusDoc]:
    r = base("2021", 61)
    ok = provincial_t3(r)
    broken = provincial_t3(r, break_subtotal=True)
    return [
        _doc("class 6: provincial T3 28×8 with 小计", ok.encode(), HTML, cells=cells_of(r, T3)),
        _doc(
            "class 6: provincial T3 with a wrong 小计 row",
            broken.encode(),
            HTML,
            expect={"T3-003"},
            cells=cells_of(r, T3),
        ),
    ]


def class7_agency_kind() -> list[CorpusDoc]:
    """Who reports for a government: deadline 31 March, not a department's 31 January."""
    out = []
    zone = "温州经济技术开发区管理委员会"
    r = base("2021", 71, agency=zone)
    r.publish_date = "2023-03-10"
    r.sections["overview"].text = (
        "全区共受理政府信息公开申请，汇总了各有关单位的数据。\n" + r.sections["overview"].text
    )
    out.append(_doc("class 7: 开发区管委会 publishes in March", render_html(r), HTML, agency=zone))

    office = "杭州市人民政府办公厅"
    r = base("2021", 72, agency=office)
    r.publish_date = "2023-03-20"
    r.sections["overview"].text = (
        "本报告由市政府办公厅代表市政府编制。\n" + r.sections["overview"].text
    )
    out.append(_doc("class 7: 办公厅 代表市政府 in March", render_html(r), HTML, agency=office))

    r = base("2021", 75, agency=office)
    put(r, f"{T2}.regulations.issued", "3", 3)
    put(r, f"{T2}.regulations.repealed", "1", 1)
    put(r, f"{T2}.regulations.in_force", "40", 40)
    resync(r)
    r.sections["overview"].text = (
        "本报告由市政府办公厅代表市政府编制。\n" + r.sections["overview"].text
    )
    out.append(_doc("class 7: 办公厅 代表市政府 reports the city's 规章", render_html(r), HTML))

    town_office = "平阳县人民政府办公室"
    r = base("2021", 76, agency=town_office)
    put(r, f"{T2}.regulations.issued", "2", 2)
    put(r, f"{T2}.regulations.in_force", "2", 2)
    resync(r)
    r.sections["overview"].text = (
        "本报告由县政府办公室代表县政府编制。\n" + r.sections["overview"].text
    )
    out.append(
        _doc(
            "class 7: county government office reports 规章",
            render_html(r),
            HTML,
            expect={"T2-001"},
        )
    )

    r = base("2021", 73)
    r.publish_date = "2023-02-20"
    out.append(
        _doc(
            "class 7: department late, registry says department",
            render_html(r),
            HTML,
            expect={"M-002"},
            agency_kind="department",
            agency_level="county",
        )
    )

    new_area = "温州市瓯江口新区管理委员会"
    r = base("2021", 74, agency=new_area)
    r.publish_date = "2023-03-05"
    out.append(
        _doc(
            "class 7: registry says government",
            render_html(r),
            HTML,
            agency_kind="government",
            agency_level="county",
        )
    )
    return out


def class8_metadata() -> list[CorpusDoc]:
    out = []
    r = base("2021", 81)
    page = render_html(r).decode()
    portal = "温州市鹿城区人民政府"
    page = page.replace(f"<span>来源：{DEPT}</span>", f"<span>来源：{portal}</span>")
    page = page.replace(
        '<meta name="SiteName"', f'<meta name="Author" content="{DEPT}">\n<meta name="SiteName"'
    )
    page = page.replace(
        f'<meta name="ContentSource" content="{DEPT}">',
        f'<meta name="ContentSource" content="{DEPT}">',
    )
    out.append(
        _doc("class 8: displayed 来源 is the CMS fallback", page.encode(), HTML, agency=DEPT)
    )

    r = base("2021", 82)
    page = render_html(r).decode().replace(f'<meta name="ContentSource" content="{DEPT}">', "")
    page = page.replace(f"<span>来源：{DEPT}</span>", f"<span>来源：{portal}</span>")
    page = page.replace(
        '<meta name="SiteName"', f'<meta name="Author" content="{DEPT}">\n<meta name="SiteName"'
    )
    out.append(_doc("class 8: Author meta, 来源 fallback", page.encode(), HTML, agency=DEPT))

    r = base("2021", 83)
    text = render_text(r, "tabs")
    crawler = (
        f"标题: {r.title}\n发布机构: \n来源：http://www.lucheng.gov.cn/art/2023/1/12/art_1229_5542.html\n"
        "栏目：政府信息公开年报\n\n"
    )
    out.append(_doc("class 8: crawler header lines", (crawler + text).encode(), TEXT, agency=DEPT))

    r = base("2021", 84)
    text = render_text(r, "tabs")
    year_title = r.title.replace(DEPT, "")
    text = text.replace(r.title, f"{DEPT}\n{year_title}", 1)
    out.append(_doc("class 8: title split over two lines", text.encode(), TEXT, agency=DEPT))

    r = base("2021", 85)
    out.append(
        _doc(
            "class 8: scan whose only name is a file name",
            scanned_pdf(
                r,
                file_title="C:\\Users\\admin\\Desktop\\鹿城区经信局2022年政府信息公开工作年度报告.docx",
            ),
            PDF,
            expect={"S-006"},
            status="needs_ocr",
            agency="",
        )
    )
    return out


def class9_t2_narrative() -> list[CorpusDoc]:
    out = []
    r = base("2021", 91)
    issued = val(r, f"{T2}.normative_documents.issued")
    r.sections["overview"].text += (
        f"\n全年印发部门规范性文件{issued + 6:g}件。组织开展规范性文件清理，共清理规范性文件{issued + 31:g}件，"
        f"其中废止{issued + 2:g}件。"
    )
    out.append(_doc("class 9: other counts of 规范性文件", render_html(r), HTML))

    r = base("2019", 92)
    prev = val(r, f"{T2}.administrative_licensing.items_prev_year")
    change = val(r, f"{T2}.administrative_licensing.items_change")
    r.sections["overview"].text += f"\n目前共有行政许可事项{prev + change:g}项。"
    out.append(
        _doc("class 9: 2019 narrative states the current number of items", render_html(r), HTML)
    )
    return out


def class10_saved_as() -> list[CorpusDoc]:
    """The portal page printed to PDF or saved as Word (LibreOffice): the cells of the HTML."""
    out = []
    r = base("2021", 103)
    out.append(
        _doc(
            "class 10: Word document saved as PDF by LibreOffice 2021",
            office_convert(render_docx(r), ".docx", "pdf"),
            PDF,
            cells=cells_of(r),
            agency=DEPT,
        )
    )
    for fmt, seed in (("2021", 101), ("2019", 102)):
        r = base(fmt, seed)
        page = render_html(r, chrome=False)
        for to, ct in (("pdf", PDF), ("docx", DOCX)):
            out.append(
                _doc(
                    f"class 10: HTML saved as {to.upper()} by LibreOffice {fmt}",
                    office_convert(page, ".html", to),
                    ct,
                    cells=cells_of(r),
                    agency=DEPT,
                )
            )
        # the portal page with its header, breadcrumb and byline, printed to PDF by a browser: the
        # byline runs on after the title in the text layer (「…年度报告发布日期：…来源：…字号：」)
        out.append(
            _doc(
                f"class 10: portal page printed to PDF by Chromium {fmt}",
                chromium_print(render_html(r)),
                PDF,
                cells=cells_of(r),
                agency=DEPT,
            )
        )
    return out


def class11_pictures() -> list[CorpusDoc]:
    r = base("2021", 111)
    return [
        _doc("class 11: 20×20 PNG", png((20, 20)), PNG, not_report=True),
        _doc("class 11: QR code PNG", png((210, 210), pattern=True), PNG, not_report=True),
        _doc("class 11: logo PNG served as HTML attachment", png((120, 40)), None, not_report=True),
        _doc("class 11: scanned report", scanned_pdf(r), PDF, expect={"S-006"}, status="needs_ocr"),
    ]


def build() -> list[CorpusDoc]:
    return [
        *class1_line_backgrounds(),
        *class2_subheadings(),
        *class3_markdown_groups(),
        *class4_damaged_labels(),
        *class5_t2_two_of_three(),
        *class6_provincial_t3(),
        *class7_agency_kind(),
        *class8_metadata(),
        *class9_t2_narrative(),
        *class10_saved_as(),
        *class11_pictures(),
    ]
