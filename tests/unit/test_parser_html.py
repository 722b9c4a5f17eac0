"""HTML extraction: chrome stripped, body found, tables expanded with covered positions None."""

from __future__ import annotations

from nianbao.samples.render import render_html
from nianbao.samples.synth import synth_report
from services.parser.document import Grid, Paragraph
from services.parser.extract.html import extract_html


def _grids(doc):
    return [b for b in doc.blocks if isinstance(b, Grid)]


def _texts(doc):
    return [b.text for b in doc.blocks if isinstance(b, Paragraph)]


def test_rowspan_and_colspan_positions_are_none_and_empty_cells_are_empty_strings():
    doc = extract_html(
        "<div id='zoom'><p>表格如下，共有两行数据以及若干合并单元格，用于测试。</p><table>"
        "<tr><td rowspan='2'>A</td><td colspan='2'>B</td></tr>"
        "<tr><td>&nbsp;</td><td>1</td></tr>"
        "<tr><td>x</td><td></td><td>2</td></tr></table></div>"
    )
    assert _grids(doc)[0].rows == [["A", "B", None], [None, "", "1"], ["x", "", "2"]]
    assert _grids(doc)[0].exact


def test_br_and_paragraphs_inside_a_cell_become_newlines():
    doc = extract_html(
        "<table><tr><td><p>商业</p><p>企业</p></td><td>社会公益<br>组织</td></tr></table>"
    )
    assert _grids(doc)[0].rows == [["商业\n企业", "社会公益\n组织"]]


def test_layout_table_around_a_data_table_is_read_as_content():
    doc = extract_html(
        "<body><table><tr><td><p>一、总体情况</p><p>正文内容足够长，足够长，足够长，足够长，足够长。</p>"
        "<table><tr><td>规章</td><td>1</td></tr></table></td></tr></table></body>"
    )
    assert _texts(doc)[:2] == ["一、总体情况", "正文内容足够长，足够长，足够长，足够长，足够长。"]
    assert _grids(doc)[0].rows == [["规章", "1"]]


def test_absurd_spans_are_capped_instead_of_exhausting_memory():
    doc = extract_html(
        "<table><tr><td colspan='99999999' rowspan='99999'>x</td></tr><tr><td>y</td></tr></table>"
    )
    grid = _grids(doc)[0]
    assert len(grid.rows[0]) == 1000 and len(grid.rows) == 2


def test_portal_chrome_is_stripped_and_metadata_read():
    report = synth_report("2021", 2, agency="卫辉市人民政府", year=2022)
    doc = extract_html(render_html(report).decode("utf-8"))
    text = doc.text()
    assert doc.title == "卫辉市人民政府2022年政府信息公开工作年度报告"
    assert doc.publish_date == report.publish_date
    assert doc.page_agency == "卫辉市人民政府"
    for chrome in ("首页", "政务服务", "网站地图", "ICP备", "分享到", "countPage"):
        assert chrome not in text
    assert _texts(doc)[0] == report.title
    assert "一、总体情况" in _texts(doc)
    assert [len(g.rows) for g in _grids(doc)] == [14, 28, 4]


def test_body_is_found_by_text_density_without_known_class_names():
    page = (
        "<html><head><title>某县2021年政府信息公开工作年度报告_某县人民政府</title></head><body>"
        "<div class='top'><a href='/'>首页</a><a href='/a'>政务公开</a><a href='/b'>政务服务</a></div>"
        "<div class='wrap'><div class='left'><a>导航一</a><a>导航二</a></div>"
        "<div class='right'><p>一、总体情况</p><p>" + "本机关认真贯彻落实条例。" * 20 + "</p>"
        "<p>发布日期：2022年01月20日 来源：某县政府办</p></div></div>"
        "<div class='bottom'><a>网站地图</a>版权所有</div></body></html>"
    )
    doc = extract_html(page)
    assert "导航一" not in doc.text() and "网站地图" not in doc.text()
    assert doc.title == "某县2021年政府信息公开工作年度报告"
    assert doc.publish_date == "2022-01-20"
    assert doc.page_agency == "某县政府办"


def test_nul_bytes_and_broken_markup_do_not_crash():
    doc = extract_html(
        "<html><body>\x00<p>一、总体情况<table><tr><td>规章<td>1</tr><tr><td>规范性文件<td>2</table></p><div><p>尾"
    )
    assert _grids(doc)[0].rows == [["规章", "1"], ["规范性文件", "2"]]
    assert "一、总体情况" in _texts(doc)


def test_text_after_a_removed_script_is_kept():
    doc = extract_html(
        "<div id='zoom'><p>开头文字较长较长较长较长较长较长较长较长较长较长较长较长较长较长较长<script>x()</script>结尾</p></div>"
    )
    assert _texts(doc)[-1].endswith("结尾")


def test_picture_version_page_is_image_only():
    doc = extract_html(
        "<div id='zoom'><p>某县2021年政府信息公开工作年度报告（图片版）</p>"
        "<p><img src='1.jpg'></p><p><img src='2.jpg'></p></div>"
    )
    assert doc.image_only and "2 pictures" in doc.notes[0]


def test_page_with_images_and_tables_is_not_image_only():
    doc = extract_html(
        "<div id='zoom'><img src='logo.png'><table><tr><td>规章</td><td>1</td></tr></table></div>"
    )
    assert not doc.image_only


def test_aspx_page_wrapped_in_a_form_keeps_its_content():
    doc = extract_html(
        "<html><body><form id='form1' method='post'><input type='hidden' name='__VIEWSTATE' value='x'>"
        "<div class='article'><p>一、总体情况</p><p>" + "本机关认真贯彻落实条例。" * 8 + "</p>"
        "<table><tr><td>规章</td><td>0</td></tr></table></div></form></body></html>"
    )
    assert "一、总体情况" in _texts(doc)
    assert _grids(doc)[0].rows == [["规章", "0"]]


def test_word_exported_html_keeps_caption_and_drops_the_empty_width_row():
    page = (
        "<html><body><div class=WordSection1><p class=MsoNormal><span>一、总体情况<o:p></o:p></span></p>"
        "<!--[if gte mso 9]><xml><o:shapedefaults/></xml><![endif]-->"
        "<table class=MsoNormalTable border=1><caption>表一 主动公开情况</caption>"
        "<tr><td><p class=MsoNormal><span>规章<o:p></o:p></span></p></td><td><p><span>0<o:p>&nbsp;</o:p></span></p></td></tr>"
        "<![if !supportMisalignedColumns]><tr height=0><td width=100></td><td width=50></td></tr><![endif]>"
        "</table></div></body></html>"
    )
    doc = extract_html(page)
    assert _texts(doc) == ["一、总体情况", "表一 主动公开情况"]
    assert _grids(doc)[0].rows == [["规章", "0"]]


def test_narrative_as_text_with_tables_as_pictures_is_image_only():
    narrative = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，持续推进政务公开。" * 10
    doc = extract_html(
        f"<div id='zoom'><p>一、总体情况</p><p>{narrative}</p><p>二、主动公开政府信息情况</p><p><img src='t2.png'></p>"
        "<p>三、收到和处理政府信息公开申请情况</p><p><img src='t3.png'></p></div>"
    )
    assert doc.image_only and "no table labels" in doc.notes[0]


def test_narrative_report_with_a_logo_is_not_image_only():
    doc = extract_html(
        "<div id='zoom'><img src='logo.png'><p>" + "本机关概述。" * 100 + "</p></div>"
    )
    assert not doc.image_only


def test_body_class_names_match_whole_and_known_containers_win_in_priority_order():
    prose = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，持续推进政务公开。" * 3
    page = (
        "<html><body><div class='zoomx'><p>不是正文：类名只是包含zoom。" + prose + "</p></div>"
        f"<div id='zoom'><p>Hanweb正文。{prose}</p></div>"
        f"<div class='a TRS_Editor\tb'><p>TRS正文。{prose}</p></div></body></html>"
    )
    assert _texts(extract_html(page))[0].startswith("TRS正文")  # .TRS_Editor comes before #zoom
    assert _texts(extract_html(page.replace("TRS_Editor", "TRS_Editorx")))[0].startswith(
        "Hanweb正文"
    )


def test_control_characters_are_removed_before_parsing():
    doc = extract_html("<table><tr><td>规\x01章</td><td>1\x7f2</td></tr></table>")
    assert _grids(doc)[0].rows == [["规章", "12"]]


def test_page_agency_is_the_author_meta_over_the_displayed_source_fallback():
    r = synth_report("2021", 1, agency="温州市鹿城区经济和信息化局")
    page = render_html(r).decode()
    page = page.replace('<meta name="ContentSource" content="温州市鹿城区经济和信息化局">', "")
    page = page.replace("来源：温州市鹿城区经济和信息化局", "来源：温州市鹿城区人民政府")
    page = page.replace(
        "<title>", '<meta name="Author" content="温州市鹿城区经济和信息化局"><title>'
    )
    assert extract_html(page).page_agency == "温州市鹿城区经济和信息化局"
