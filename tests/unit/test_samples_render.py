"""Renderers: deterministic bytes, realistic pages, the four text linearisations of the seeds."""

from __future__ import annotations

import hashlib

import pytest
from msgspec.structs import replace

from nianbao.samples.layout import cell_text
from nianbao.samples.render import (
    TEXT_STYLES,
    cjk_font_path,
    narrative_lines,
    render_docx,
    render_html,
    render_pdf,
    render_text,
    render_xlsx,
)
from nianbao.samples.synth import synth_report
from shared.report import Cell


@pytest.fixture(scope="module")
def report():
    return synth_report("2021", 8, agency="卫辉市人民政府", year=2022)


RENDERERS = {
    "html": render_html,
    "docx": render_docx,
    "xlsx": render_xlsx,
    "pdf": render_pdf,
    **{f"text-{s}": (lambda r, s=s: render_text(r, s).encode()) for s in TEXT_STYLES},
}


@pytest.mark.parametrize("kind", sorted(RENDERERS))
def test_same_report_renders_to_the_same_bytes(report, kind):
    if kind == "pdf" and cjk_font_path() is None:
        pytest.skip("needs a CJK font (fonts-wqy-zenhei)")
    first = hashlib.sha256(RENDERERS[kind](report)).hexdigest()
    again = hashlib.sha256(
        RENDERERS[kind](synth_report("2021", 8, agency="卫辉市人民政府", year=2022))
    ).hexdigest()
    assert first == again


def test_portal_page_has_chrome_meta_tags_and_merged_tables(report):
    page = render_html(report).decode("utf-8")
    assert (
        '<meta name="ArticleTitle" content="卫辉市人民政府2022年政府信息公开工作年度报告">' in page
    )
    assert f'<meta name="PubDate" content="{report.publish_date} 09:30">' in page
    assert 'class="trs_editor_view' in page and "当前位置" in page and "版权所有" in page
    assert 'rowspan="3" colspan="3"' in page  # the T3 corner
    assert 'rowspan="22"' in page  # 三、本年度办理结果 over the 2021 result rows
    assert "charset=utf-8" in page


def test_gbk_page_with_matching_missing_and_wrong_declarations(report):
    matching = render_html(report, encoding="gbk")
    assert b"charset=gbk" in matching and matching.decode("gbk")
    missing = render_html(report, encoding="gbk", declared=None)
    assert b"charset" not in missing
    wrong = render_html(report, encoding="gbk", declared="utf-8")
    assert b"charset=utf-8" in wrong
    with pytest.raises(UnicodeDecodeError):
        wrong.decode("utf-8")


def test_bare_page_has_no_chrome(report):
    page = render_html(report, chrome=False).decode()
    assert "当前位置" not in page and "<table" in page


def test_cell_per_line_style_matches_seed_000(report):
    text = render_text(report, "cell_per_line")
    assert "\t第二十条第（一）项\n\n\t信息内容\n\t本年制发件数" in text
    # rowspan-covered label positions show as empty cells, like the seed
    assert "\t\n\t（二）部分公开" in text and "\t\n\t\n\t2.其他法律行政法规禁止公开" in text


def test_tabs_pipes_and_markdown_styles(report):
    tabs = render_text(report, "tabs")
    granted = report.tables["applications"]["granted"]
    assert (
        "三、本年度办理结果\t（一）予以公开\t\t" + "\t".join(c.raw for c in granted.values())
        in tabs
    )
    pipes = render_text(report, "pipes")
    assert "第二十条第（一）项 ||||" in pipes
    markdown = render_text(report, "markdown")
    assert (
        markdown.startswith("# 卫辉市人民政府")
        and "## 一、总体情况" in markdown
        and "|---|" in markdown
    )


def test_unknown_text_style_is_refused(report):
    with pytest.raises(ValueError, match="unknown text style"):
        render_text(report, "csv")


def test_linearised_table_copies_in_section_text_are_not_drawn_twice():
    text = "该部分以表格形式报告。\n\t第二十条第（一）项\n\t信息内容\n规章"
    assert narrative_lines("active_disclosure", text) == ["该部分以表格形式报告。"]
    assert narrative_lines("overview", "a\n\tb") == ["a", "b"]


@pytest.mark.parametrize("kind", ["html", "html-gbk", "docx", "xlsx", "text"])
def test_render_by_kind_gives_bytes_that_sniff_as_that_kind(report, kind):
    from nianbao.samples.render import render
    from services.parser.extract.sniff import sniff

    data, content_type = render(report, kind)
    assert sniff(data) == kind.split("-")[0] and content_type
    with pytest.raises(ValueError, match="unknown kind"):
        render(report, "pptx")


def _normative_documents_row(page: bytes) -> str:
    """The T2 行政规范性文件 row of a page, from its label cell on."""
    text = page.decode()
    row = text[text.index("<p>行政规范性文件</p>") :]
    return row[: row.index("</tr>")]


def test_a_value_missing_at_the_end_of_a_row_is_drawn_as_a_short_html_row(report):
    table = {row: dict(cols) for row, cols in report.tables["active_disclosure"].items()}
    table["normative_documents"]["in_force"] = Cell(kind="missing")
    gap = replace(report, tables={**report.tables, "active_disclosure": table})
    row = _normative_documents_row(render_html(gap, chrome=False))
    assert row.count("<td") == 2  # issued and repealed after the label; no empty cell for in_force
    assert cell_text(table["normative_documents"]["issued"]) in row
    assert _normative_documents_row(render_html(report, chrome=False)).count("<td") == 3
