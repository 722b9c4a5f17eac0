"""services/fetcher/attachments.py: on realistic TRS, Hanweb and gkmlpt article pages only the
report's files are attachments; logos, QR codes, banners, icons and share buttons are not."""

from __future__ import annotations

import pytest

from services.fetcher.attachments import (
    Candidate,
    attachment_links,
    candidates,
    declared_px,
    declared_size,
    verdict,
)
from services.fetcher.discovery import parse_html

TRS_URL = "http://www.x.gov.cn/zwgk/zfxxgk/zfxxgknb/202301/t20230128_1.html"
TRS_PAGE = """<html><body>
<div class="header"><div class="logo"><img src="../../../../images/logo.png" alt="某某区人民政府"></div>
  <div class="banner"><img src="/images/banner_nb.jpg" alt="政府信息公开年报专栏" width="1200" height="120"></div></div>
<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="../">政府信息公开年报</a></div>
<div class="xxgk_content">
  <h1>某某区人民政府2022年政府信息公开工作年度报告</h1>
  <div class="info">发布时间：2023-01-28
    <div class="bdsharebuttonbox"><a class="bds_weixin" href="#"></a>
      <img src="./W020230128111111_share.png"></div></div>
  <div class="TRS_Editor"><div class="Custom_UnionStyle">
    <p>一、总体情况</p>
    <p><img src="./W020230128592736154871.png" width="1240" height="1754" OLDSRC="W020230128592736154871.png"></p>
  </div></div>
  <div class="fj">附件：<img src="/images/icon_pdf.gif"><a href="./P020230128592736154872.pdf">某某区人民政府2022年政府信息公开工作年度报告.pdf</a>（245.6KB）
    <a href="./P020230128592736154873.xls">附表.xls</a>（0.3KB）</div>
  <div class="ewm"><img src="./W020230128592736154874_ewm.png">扫一扫在手机打开当前页</div>
</div>
<div class="footer"><a href="http://bszs.conac.cn/sitename?id=1"><img src="/images/dzjg.png" alt="党政机关"></a>
  <img src="/images/jiucuo.png"><img src="/uploadfile/202301/qrcode_wx.jpg" alt="微信公众号">
  <a href="/uploadfile/202301/guide.pdf">网站使用指南.pdf</a></div>
</body></html>"""

HANWEB_URL = "http://www.y.gov.cn/art/2024/1/16/art_1229_86714.html"
HANWEB_PAGE = """<html><body>
<table class="top" width="1000"><tr><td><img src="/images/logo.png" width="400" height="90"></td></tr></table>
<table width="1000"><tr><td class="main">
  <div class="bt">某某局2023年政府信息公开工作年度报告</div>
  <div id="zoom">
    <p>某某局2023年政府信息公开工作年度报告</p>
    <p><img src="/picture/0/2401161034523.jpg" style="width:800px;height:1131px" border="0"></p>
    <p>附件：<a href="/module/download/downfile.jsp?classid=0&amp;filename=2401161034.pdf">某某局2023年年报.pdf</a></p>
  </div>
  <div class="fx">分享到：<a href="#"><img src="/picture/0/wx.png"></a><a href="#"><img src="/picture/0/wb.png"></a>
    <a href="javascript:window.print()">打印本页</a><a href="javascript:window.close()">关闭窗口</a></div>
</td></tr></table>
<div class="bottom"><img src="/images/red.png" alt="党政机关"> 主办：某某局</div>
</body></html>"""

GKMLPT_URL = "http://www.z.gov.cn/gkmlpt/content/0/523/post_523411.html"
GKMLPT_PAGE = """<html><body>
<div class="header"><img src="/gkmlpt/images/gkmlpt_logo.png"></div>
<div class="main">
  <div class="sidebar"><h3>相关下载</h3>
    <a href="/attachment/0/500/500000/1234560.doc">政府信息公开申请表.doc</a></div>
  <div class="article-content">
    <p>一、总体情况</p>
    <a href="/attachment/0/523/523411/1234567.pdf">某某市生态环境局2023年政府信息公开工作年度报告.pdf</a>
    <a href="/attachment/0/523/523411/1234568.jpg">2023年年报（图片版）</a>
  </div>
</div>
<div class="footer"><img src="/attachment/0/1/1/logo_footer.png" alt="网站标识码"></div>
</body></html>"""


def _names(page: str, url: str) -> dict[str, tuple[str, str | None]]:
    links = attachment_links(parse_html(page), url)
    return {link.url.rsplit("/", 1)[1]: (link.kind, link.companion) for link in links}


def test_a_trs_article_yields_its_pdf_and_its_picture_and_nothing_of_the_chrome():
    assert _names(TRS_PAGE, TRS_URL) == {
        "W020230128592736154871.png": ("image", "图片版"),
        "P020230128592736154872.pdf": ("pdf", None),
    }
    # what was left out, and why: the site's pictures and the empty 0.3 KB upload
    why = {
        c.url.rsplit("/", 1)[1]: verdict(c)
        for c in candidates(parse_html(TRS_PAGE), TRS_URL)
        if verdict(c) is not None
    }
    assert why == {
        "logo.png": "chrome",
        "banner_nb.jpg": "chrome",  # its alt says 年报: the name and its 120 px height do not
        "W020230128111111_share.png": "chrome",
        "icon_pdf.gif": "chrome",
        "P020230128592736154873.xls": "empty",
        "W020230128592736154874_ewm.png": "chrome",
        "dzjg.png": "chrome",
        "jiucuo.png": "chrome",
        "qrcode_wx.jpg": "chrome",
        "guide.pdf": "outside_body",
    }


def test_a_hanweb_article_yields_its_download_and_its_picture_but_not_the_share_icons():
    assert _names(HANWEB_PAGE, HANWEB_URL) == {
        "2401161034523.jpg": ("image", "图片版"),
        "downfile.jsp?classid=0&filename=2401161034.pdf": ("pdf", None),
    }


def test_a_gkmlpt_article_yields_the_report_and_its_picture_version_not_the_sidebar_form():
    links = attachment_links(parse_html(GKMLPT_PAGE), GKMLPT_URL)
    assert [
        (link.url.rsplit("/", 1)[1], link.kind, link.year, link.companion) for link in links
    ] == [
        ("1234567.pdf", "pdf", 2023, None),
        ("1234568.jpg", "image", 2023, "图片版"),
    ]


def test_a_page_without_a_recognisable_body_keeps_what_is_outside_the_chrome():
    page = """<html><body><div class="top"><img src="/uploadfile/202301/top.jpg"></div>
      <table><tr><td><a href="/uploadfile/202301/P1.docx">全文.docx</a></td></tr></table>
      <div class="foot"><a href="/uploadfile/202301/map.pdf">地图.pdf</a></div></body></html>"""
    assert _names(page, "http://w.gov.cn/a/1.html") == {"P1.docx": ("docx", None)}


def test_the_first_attachments_test_page_still_yields_its_four_files():
    page = """<html><body><div class="trs_editor_view"><p>附件：
      <a href="./P020220128397.pdf">某某县2021年年报.pdf</a>
      <a href="/download.jsp?id=42">某某县2021年年报统计表.xlsx</a>
      <a href="./W020220128.docx">年报（word版）</a>
      <img src="./W020220128600.jpg" alt="年报图解"/><img src="/images/logo.png"/></p></div></body></html>"""
    found = {
        link.url.rsplit("/", 1)[1]: link
        for link in attachment_links(parse_html(page), "http://x.gov.cn/zfxxgknb/202201/t1.html")
    }
    assert {k: v.kind for k, v in found.items()} == {
        "P020220128397.pdf": "pdf",
        "download.jsp?id=42": "xlsx",
        "W020220128.docx": "docx",
        "W020220128600.jpg": "image",
    }
    assert found["P020220128397.pdf"].title == "某某县2021年年报"
    assert found["P020220128397.pdf"].year == 2021
    assert found["W020220128600.jpg"].companion == "图片版"


@pytest.mark.parametrize(
    ("candidate", "why"),
    [
        (Candidate("http://x/202301/W01.png", "image", "", picture=True, in_body=True), None),
        (
            Candidate("http://x/images/pdf.gif", "image", "", picture=True, in_body=True),
            "template_picture",
        ),
        (
            Candidate(
                "http://x/images/p.png",
                "image",
                "",
                picture=True,
                in_body=True,
                width=1240,
                height=1754,
            ),
            None,
        ),  # declared report-sized
        (
            Candidate(
                "http://x/202301/W01.png",
                "image",
                "",
                picture=True,
                in_body=True,
                width=280,
                height=280,
            ),
            "too_small",
        ),  # a QR code without a telling name
        (
            Candidate(
                "http://x/202301/W01.png", "image", "", picture=True, in_body=True, width=250
            ),
            "too_small",
        ),  # one side declared: the short-side bound
        (
            Candidate(
                "http://x/202301/W01.png", "image", "", picture=True, in_body=True, width=350
            ),
            None,
        ),  # 350 wide may be a long picture's short side
        (
            Candidate(
                "http://x/202301/W01.png", "image", "扫码查看2023年年报", picture=True, in_body=True
            ),
            "chrome",
        ),  # a QR code that names the report is a QR code
        (Candidate("http://x/fj/1.pdf", "pdf", "附件1"), None),  # says 附件, wherever it is
        (Candidate("http://x/fj/1.pdf", "pdf", "下载", marks="btn"), "chrome"),
        (Candidate("http://x/fj/1.pdf", "pdf", "下载", marks="btn", in_body=True), None),
        (Candidate("http://x/fj/P020230131558624587411wx.pdf", "pdf", "", in_body=True), None),
        (Candidate("http://x/fj/1.pdf", "pdf", "2023年年报", declared_bytes=512), "empty"),
    ],
)
def test_each_rule_of_the_verdict(candidate, why):
    assert verdict(candidate) == why


def test_declared_sizes_are_read_from_attributes_styles_and_link_text():
    img = parse_html('<img src="a.png" width="800" style="height: 1131px; width: 90%">')
    assert declared_px(img) == (800, 1131)
    assert declared_px(parse_html('<img src="a.png" width="100%">')) == (None, None)
    assert declared_size("年报.pdf（245.6KB）") == 251494
    assert declared_size("大小：1.2M") == 1258291
    assert declared_size("2021年年报.pdf") is None
