"""A report as a portal article page (TRS-like chrome, meta tags, rowspan/colspan tables).

Settings read: none.
"""

from __future__ import annotations

import html as _html

from nianbao.samples.layout import LayoutRow
from nianbao.samples.outline import outline
from shared.report import ParsedReport

# --- HTML ---------------------------------------------------------------------------------------

_CSS = (
    "body{font-family:SimSun,serif;margin:0}.header{background:#c00;color:#fff;padding:8px}"
    ".nav li{display:inline;margin:0 8px}.position{padding:6px;font-size:12px}"
    ".article{width:960px;margin:0 auto}table{border-collapse:collapse}td{border:1px solid #000;padding:2px}"
    ".footer{border-top:1px solid #ccc;font-size:12px;text-align:center}"
)


def _html_table(layout: list[LayoutRow]) -> str:
    rows = []
    for row in layout:
        while row and row[-1].missing:
            # A value missing at the end of a row is drawn as a short row, as such pages are (an
            # empty <td> would say "blank"); one missing mid-row cannot be drawn without shifting
            # the values after it, so it stays an empty cell.
            row = row[:-1]
        cells = []
        for c in row:
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (
                f' colspan="{c.colspan}"' if c.colspan > 1 else ""
            )
            text = _html.escape(c.text).replace("\n", "<br/>") or "&nbsp;"
            cells.append(f'<td{attrs} style="text-align:center"><p>{text}</p></td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table border="1" cellspacing="0" cellpadding="0" width="100%"><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )


def render_html(
    report: ParsedReport,
    *,
    chrome: bool = True,
    encoding: str = "utf-8",
    declared: str | None = "match",
) -> bytes:
    """The report as a portal article page, encoded in `encoding` (see the module docstring)."""
    title = _html.escape(report.title or "")
    agency = _html.escape(report.page_agency or report.agency_name or "")
    date = report.publish_date or ""
    body: list[str] = []
    for kind, value in outline(report)[1:]:
        if kind == "heading":
            body.append(
                f'<p style="text-indent:2em"><strong>{_html.escape(str(value))}</strong></p>'
            )
        elif kind == "para":
            body.append(f'<p style="text-indent:2em">{_html.escape(str(value))}</p>')
        else:
            body.append(_html_table(value))  # type: ignore[arg-type]
    charset = encoding if declared == "match" else declared
    meta_charset = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if charset
        else ""
    )
    article = "\n".join(body)
    if not chrome:
        page = (
            f"<!DOCTYPE html><html><head>{meta_charset}<title>{title}</title></head><body>"
            f"<h1>{title}</h1>\n{article}\n</body></html>"
        )
    else:
        page = f"""<!DOCTYPE html>
<html><head>{meta_charset}
<title>{title}_政府信息公开年报_{agency}</title>
<meta name="SiteName" content="{agency}门户网站">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{date} 09:30">
<meta name="ContentSource" content="{agency}">
<style>{_CSS}</style>
<script type="text/javascript">var countPage = 1; function setFontSize(s){{document.getElementById('zoom').style.fontSize=s+'px';}}</script>
</head><body>
<div class="header"><div class="logo">{agency}</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zjxx/">走进本地</a></li></ul>
<form class="search" action="/search"><input name="q" value="请输入关键字"><button>搜索</button></form></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zfxxgk/zfxxgknb/">政府信息公开年报</a></div>
<div class="article">
<h1 class="title">{title}</h1>
<div class="info"><span>发布日期：{date}</span> <span>来源：{agency}</span> <span>字号：<a href="javascript:setFontSize(16)">大</a> <a href="javascript:setFontSize(14)">中</a></span></div>
<div class="trs_editor_view TRS_UEDITOR trs_paper_default" id="zoom">
{article}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="related"><h3>相关链接</h3><ul><li><a href="/zwgk/">政府信息公开指南</a></li><li><a href="/zwgk/zd/">政府信息公开制度</a></li></ul></div>
</div>
<div class="footer"><p>主办单位：{agency}办公室　版权所有</p><p>网站标识码：0000000000　ICP备00000000号</p>
<p><a href="/sitemap.html">网站地图</a> | <a href="/contact.html">联系我们</a></p></div>
<script>document.write('<img src="/stat.gif">');</script>
</body></html>
"""
    return page.encode(encoding, errors="xmlcharrefreplace")
