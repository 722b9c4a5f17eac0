"""The six sections: headings found, canonical vs alias titles, text kept, sub-items not mistaken."""

from __future__ import annotations

from services.parser.document import Document, Grid, Paragraph
from services.parser.read.sections import find_sections, heading_key


def doc(*paras: str) -> Document:
    return Document(blocks=[Paragraph(p) for p in paras])


def test_canonical_2021_headings_are_not_aliases_and_keep_their_text():
    d = doc(
        "一、总体情况",
        "本年度…",
        "（一）主动公开情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "问题一。",
        "六、其他需要报告的事项",
        "无。",
    )
    s = find_sections(d, "2021")
    assert list(s) == [
        "overview",
        "active_disclosure",
        "applications",
        "review_litigation",
        "problems",
        "other_matters",
    ]
    assert not any(x.alias for x in s.values())
    assert s["overview"].text == "本年度…\n（一）主动公开情况"
    assert s["problems"].title_canonical == "存在的主要问题及改进情况"


def test_known_alias_titles_are_flagged_as_aliases():
    d = doc(
        "四、因政府信息公开工作被申请行政复议提起行政诉讼情况",
        "五、政府信息公开工作存在的主要问题及改进情况",
    )
    s = find_sections(d, "2021")
    assert s["review_litigation"].alias is True
    assert s["problems"].alias is True
    assert s["review_litigation"].title_canonical == "政府信息公开行政复议、行政诉讼情况"


def test_the_2019_problems_title_is_canonical_for_2019_reports():
    s = find_sections(doc("五、政府信息公开工作存在的主要问题及改进情况"), "2019")
    assert s["problems"].alias is False


def test_pre2019_free_form_headings_map_to_the_six_keys():
    d = doc(
        "一、概述",
        "二、主动公开政府信息情况",
        "三、依申请公开政府信息情况",
        "四、政府信息公开的收费及减免情况",
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
        "六、存在的主要问题及改进措施",
        "七、需要说明的事项与附表",
    )
    s = find_sections(d, "pre2019")
    assert set(s) == {
        "overview",
        "active_disclosure",
        "applications",
        "review_litigation",
        "problems",
        "other_matters",
    }
    assert s["review_litigation"].title_raw == "五、因政府信息公开申请行政复议、提起行政诉讼的情况"


def test_table_rows_and_sub_items_are_not_headings():
    assert heading_key("四、结转下年度继续办理") is None
    assert heading_key("一、本年新收政府信息公开申请数量") is None
    assert heading_key("（二）依申请公开情况") is None
    assert heading_key("四、结转下年度继续办理 6 1 0 0 2 0 9") is None
    assert (
        heading_key(
            "本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等六部分组成，数据统计期限为全年。"
        )
        is None
    )


def test_markdown_and_unnumbered_exact_titles_are_headings():
    assert heading_key("## 二、主动公开政府信息情况") == (
        "active_disclosure",
        "主动公开政府信息情况",
    )
    assert heading_key("#### 六、其他需要报告的事项")[0] == "other_matters"
    assert heading_key("其他需要报告的事项")[0] == "other_matters"


def test_grid_rows_are_part_of_the_section_text():
    d = Document(blocks=[Paragraph("二、主动公开政府信息情况"), Grid([["规章", "1"]], exact=True)])
    assert find_sections(d, "2021")["active_disclosure"].text == "规章\t1"


def test_bold_markdown_headings_are_headings():
    assert heading_key("**一、总体情况**") == ("overview", "总体情况")


def test_a_heading_running_into_its_first_paragraph_is_split_off():
    d = doc(
        "一、总体情况2021年，我局认真贯彻落实《条例》，全年主动公开信息120条，依申请公开工作平稳有序。",
        "二、主动公开政府信息情况",
    )
    s = find_sections(d, "2021")
    assert s["overview"].title_raw == "一、总体情况"
    assert s["overview"].text.startswith("2021年，我局认真贯彻落实")
    assert s["overview"].alias is False


def test_headings_of_a_mirror_in_traditional_characters():
    assert heading_key("一、總體情況")[0] == "overview"
    assert heading_key("四、政府信息公開行政復議、行政訴訟情況")[0] == "review_litigation"


def test_a_subheading_is_never_a_section_when_top_level_headings_exist():
    from services.parser.document import Document, Paragraph
    from services.parser.read.sections import find_sections

    lines = [
        "一、总体情况",
        "（一）主动公开政府信息情况",
        "全年主动公开信息120条。",
        "### (二)依申请公开情况",
        "全年收到申请3件。",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
    ]
    found = find_sections(Document(blocks=[Paragraph(x) for x in lines]), "2021")
    assert list(found) == ["overview", "active_disclosure", "applications"]
    assert "全年收到申请3件" in found["overview"].text
    assert found["active_disclosure"].title_raw == "二、主动公开政府信息情况"


def test_subheadings_are_sections_in_a_document_that_has_no_top_level_headings():
    from services.parser.document import Document, Paragraph
    from services.parser.read.sections import find_sections

    lines = ["（一）总体情况", "正文。", "（二）主动公开政府信息情况", "正文。"]
    found = find_sections(Document(blocks=[Paragraph(x) for x in lines]), "pre2019")
    assert list(found) == ["overview", "active_disclosure"]
