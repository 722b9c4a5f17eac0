"""Sample 年报 columns in the ways the CMSs that host most of them page their lists, on loopback.

One agency's column of `documents` reports (one per year, newest first), served by the sample
portal's server (portal.SamplePortal) with the list pages and data endpoints of each pattern:

- `trs_static`   TRS: index.html + index_1.html …, `createPageHTML(n, 0, "index", "html")`;
- `trs_endpoint` TRS 动静结合: index.html lists the first page, `listModel({url: 'list.json',
                 recordCount: '20', prepage: 10})`, list.json?page=N answers JSON records;
- `trs_script`   TRS 动静结合 without a named endpoint and without static pages (the column of
                 the issue: only a browser lists documents 11–20): coverage 10/20 is what shows;
- `script_only`  a column only a browser can page (the last resort, services/fetcher/browser.py):
                 index.html lists 10 of 「共20条」 and a 下一页 whose click runs /js/nblist.js; the
                 script computes its JSON endpoint's URL (`/data/nb/list?t=<page in base 36>&k=…`,
                 named nowhere in the page) and writes the next 10 links into the list. On load it
                 also counts the visit at /stats/visit.do, which robots.txt disallows, and sends
                 a beacon to /beacon/view;
- `script_inline` the same column whose 20 entries all sit in the page as a script's data
                 (`var NB_DATA = [{t: …, u: …}, …]`, no links): the pager shows 10 at a time
                 without any request;
- `script_post`  the same column whose script POSTs `{"col": …, "page": n, "key": …}` as JSON to
                 /irs/front/list (a TRS IRS-like list API that answers nothing to a GET);
- `jcms`         Hanweb JCMS: /col/col1229/index.html embeds the first group of records in a
                 `<datastore>` (totalRecord, perPage 5, groupSize 3); the rest comes from
                 /module/web/jpage/dataproxy.jsp?startrecord=a&endrecord=b&perpage=5&columnid=…;
- `gkmlpt`       Guangdong's 政府信息公开目录平台: /gkmlpt/index names /gkmlpt/api/all/2846?sid=…,
                 a JSON list `{"total": 20, "articles": [...]}` paged by `page=N`, 10 a page.

Every article is a small HTML page whose title names the report, in the body container of its
CMS (TRS `TRS_Editor`, Hanweb `#zoom`, gkmlpt `article-content`), framed by the site's chrome as
on a real portal: a logo and a banner in the header, a share bar (WeChat/Weibo icons) and a QR
code, a sidebar with an application form (.doc), the 党政机关 identifier in the footer. The chrome
pictures and the form are served (under upload-like paths, as CMSs keep them), so a crawler that
fetched them would show it in the access log. With `attachments=True` the newest report also has
its files: a PDF (beside a file-type icon) and a real 图片版 picture (PNG, 1240×1754) in the body
(`CmsPortal.attachment_paths`, `CmsPortal.chrome_paths`).

With `home=True` the site also has a home page `/` and a 政府信息公开 platform page (HOME), as
`nianbao portals discover` meets them: the home page links 政务公开 sections, a 政府工作报告 and
a 2023 政府工作报告 (reports, but not the column), and 政府信息公开 → the platform page, whose
政府信息公开年报 (TRS, gkmlpt) or 年度报告 (Hanweb) link leads to the column.

`SamplePortal.requests` is the access log; `CmsPortal.visits` adds when each request arrived and
with which User-Agent. Settings read: none.
"""

from __future__ import annotations

import functools
import html
import json
import math
import struct
import time
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qs

from nianbao.samples.portal import CONTENT_TYPES, SamplePortal

PATTERNS = (
    "trs_static",
    "trs_endpoint",
    "trs_script",
    "script_only",
    "script_post",
    "script_inline",
    "jcms",
    "gkmlpt",
)
AGENCY = "示例市生态环境局"
PER_PAGE = 10
JCMS_PER_PAGE, JCMS_GROUP = 5, 3
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
TRS_COLUMN = "/zwgk/zfxxgk/zfxxgknb"
PNG_TYPE = "image/png"
# The site's chrome, on every page: path → (width, height) of its picture (None: a document).
CHROME = {
    "/images/logo.png": (300, 80),
    "/uploadfile/202401/banner_nb.jpg": (1200, 120),
    "/uploadfile/202401/W020240101_share_wx.png": (24, 24),
    "/uploadfile/202401/qrcode_wx.png": (150, 150),
    "/images/dzjg.png": (110, 55),
    "/images/icon_pdf.gif": (16, 16),
    "/uploadfile/202401/sqb.doc": None,
}
BODY = {"jcms": 'id="zoom"', "gkmlpt": 'class="article-content"'}  # else TRS's
# home=True: pattern → (platform page path, its link text to the column)
HOME = {
    "jcms": ("/col/col1228/index.html", "年度报告"),
    "gkmlpt": ("/gkmlpt/platform", "政府信息公开年报"),
}
TRS_HOME = ("/zwgk/zfxxgk/index.html", "政府信息公开年报")


SCRIPT_KEY = "k7Q2"
# The script_only column's pager: the endpoint's URL is assembled at run time (no static rule
# finds it in the page), its answer's keys are not the usual title/url, and the links are written
# with the DOM. It also counts the visit, at a path robots.txt disallows, and sends a beacon.
NBLIST_JS = b"""var NbList = (function () {
  var opts, page = 1;
  function endpoint(n) {
    var parts = ['list', 'nb', 'data'].reverse();
    return '/' + parts.join('/') + '?t=' + n.toString(36) + '&k=' + opts.key;
  }
  function show(rows) {
    var list = document.getElementById('nb-list');
    while (list.firstChild) { list.removeChild(list.firstChild); }
    rows.forEach(function (row) {
      var li = document.createElement('li'), a = document.createElement('a');
      a.href = row.u; a.title = row.t; a.textContent = row.t;
      li.appendChild(a); list.appendChild(li);
    });
    document.getElementById('nb-cur').textContent = String(page);
  }
  function load(n) {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', endpoint(n));
    xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    xhr.onload = function () { page = n; show(JSON.parse(xhr.responseText).rows); };
    xhr.send();
  }
  return {
    init: function (o) {
      opts = o;
      fetch('/stats/visit.do?c=zfxxgknb').catch(function () {});
      try { navigator.sendBeacon('/beacon/view', 'c=zfxxgknb'); } catch (e) {}
      document.getElementById('nb-next').onclick = function () {
        if (page < opts.pages) { load(page + 1); }
        return false;
      };
    }
  };
})();
"""

POST_PATH = "/irs/front/list"
# how script_only's pager asks for a page; the variants below replace it
_NBLIST_GET = b"""    var xhr = new XMLHttpRequest();
    xhr.open('GET', endpoint(n));
    xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    xhr.onload = function () { page = n; show(JSON.parse(xhr.responseText).rows); };
    xhr.send();"""
assert _NBLIST_GET in NBLIST_JS
# script_post: the same pager, its list asked for with a JSON POST.
NBPOST_JS = NBLIST_JS.replace(
    _NBLIST_GET,
    b"""    var ask = { col: 'zfxxgknb', page: n, key: opts.key };
    fetch('"""
    + POST_PATH.encode()
    + b"""', { method: 'POST', body: JSON.stringify(ask),
      headers: { 'Content-Type': 'application/json;charset=UTF-8' } })
      .then(function (r) { return r.json(); })
      .then(function (d) { page = n; show(d.rows); });""",
)

# script_inline: the same pager over data the page carries.
NBINLINE_JS = NBLIST_JS.replace(
    _NBLIST_GET,
    b"""    page = n;
    show(window.NB_DATA.slice((n - 1) * opts.per, n * opts.per));""",
)


@dataclass(frozen=True)
class Doc:
    year: int
    path: str  # absolute path of its article
    title: str


def documents(pattern: str, count: int) -> list[Doc]:
    out = []
    for i in range(count):
        year = 2024 - i
        title = f"{AGENCY}{year}年政府信息公开工作年度报告"
        n = 100001 + i
        if pattern == "jcms":
            path = f"/art/{year + 1}/1/{(i % 27) + 1}/art_1229_{n}.html"
        elif pattern == "gkmlpt":
            path = f"/gkmlpt/content/0/{n}/post_{n}.html"
        else:
            path = f"{TRS_COLUMN}/{year + 1}01/t{year + 1}0120_{n}.html"
        out.append(Doc(year, path, title))
    return out


def _page(title: str, body: str, head: str = "") -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'{head}</head><body><div class="header"><div class="logo">'
        f'<img src="/images/logo.png" alt="{AGENCY}"></div><div class="banner">'
        '<img src="/uploadfile/202401/banner_nb.jpg" alt="政府信息公开年报专栏" width="1200" '
        'height="120"></div></div>'
        f'<div class="main">{body}<div class="sidebar"><h3>相关下载</h3>'
        '<a href="/uploadfile/202401/sqb.doc">政府信息公开申请表.doc</a></div></div>'
        '<div class="share">分享到：<a href="#"><img src="/uploadfile/202401/W020240101_share_wx.png">'
        '</a></div><div class="ewm"><img src="/uploadfile/202401/qrcode_wx.png" alt="微信公众号">'
        f'扫一扫在手机打开当前页</div><div class="footer"><img src="/images/dzjg.png" alt="党政机关">'
        f"主办：{AGENCY}</div></body></html>"
    ).encode()


def png(width: int, height: int) -> bytes:
    """A real (white, greyscale) PNG of that size: what the fetcher stores, the parser measures."""
    return _png(width, height)


@functools.cache
def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = (b"\x00" + b"\xff" * width) * height
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _pdf(title: str) -> bytes:
    return (
        "%PDF-1.4\n% " + title + "\n" + "一、总体情况 二、主动公开政府信息情况 " * 60 + "\n%%EOF\n"
    ).encode()


def _li(doc: Doc) -> str:
    return f'<li><a href="{doc.path}" title="{html.escape(doc.title)}">{html.escape(doc.title)}</a></li>'


def _article(doc: Doc, pattern: str, files: tuple[str, str] | None = None) -> bytes:
    """The article in its CMS's body container; `files` = (picture, pdf) names beside it."""
    extra = ""
    if files is not None:
        picture, pdf = files
        extra = (
            f'<p><img src="./{picture}" width="1240" height="1754"></p></div>'
            f'<div class="fj">附件：<img src="/images/icon_pdf.gif">'
            f'<a href="./{pdf}">{html.escape(doc.title)}.pdf</a>'
        )
    body = BODY.get(pattern, 'class="TRS_Editor"')
    return _page(
        doc.title,
        f"<h1>{html.escape(doc.title)}</h1><div {body}><p>一、总体情况</p>"
        f"<p>{doc.year}年，{AGENCY}认真贯彻落实《中华人民共和国政府信息公开条例》。</p>{extra}</div>",
    )


class CmsPortal(SamplePortal):
    """A SamplePortal serving one pattern's column (see the module docstring)."""

    def __init__(
        self,
        pattern: str,
        documents_count: int = 20,
        host: str = "127.0.0.1",
        *,
        attachments: bool = False,
        home: bool = False,
    ):
        if pattern not in PATTERNS:
            raise ValueError(f"unknown pattern {pattern!r}: one of {PATTERNS}")
        super().__init__(host, 0, items=[])
        self.pattern = pattern
        self.docs = documents(pattern, documents_count)
        self.attachments = attachments
        self.home = home
        self.attachment_paths: list[str] = []  # the newest report's picture and PDF
        self.chrome_paths = list(CHROME)
        self.visits: list[tuple[float, str, str]] = []  # (monotonic time, "GET /…", User-Agent)
        self.bodies: list[tuple[str, bytes]] = []  # ("POST /…", body) of requests that had one

    @property
    def list_url(self) -> str:
        path = {"jcms": "/col/col1229/index.html", "gkmlpt": "/gkmlpt/index"}.get(
            self.pattern, f"{TRS_COLUMN}/index.html"
        )
        return self.url + path

    def _build_routes(self) -> None:
        self.routes["/robots.txt"] = ("text/plain", b"User-agent: *\nAllow: /\n")
        page_html = CONTENT_TYPES["html"]
        for path, size in CHROME.items():
            if size is None:
                self.routes[path] = ("application/msword", b"\xd0\xcf\x11\xe0" + b"\0" * 4092)
            else:
                self.routes[path] = (PNG_TYPE, png(*size))  # .jpg/.gif served as PNG: never read
        for i, doc in enumerate(self.docs):
            files = None
            if self.attachments and i == 0:
                folder, n = doc.path.rsplit("/", 1)[0], 100001 + i
                files = (f"W0{doc.year + 1}0120{n}.png", f"P0{doc.year + 1}0120{n}.pdf")
                self.attachment_paths = [f"{folder}/{name}" for name in files]
                self.routes[self.attachment_paths[0]] = (PNG_TYPE, png(1240, 1754))
                self.routes[self.attachment_paths[1]] = (CONTENT_TYPES["pdf"], _pdf(doc.title))
            self.routes[doc.path] = (page_html, _article(doc, self.pattern, files))
        build = getattr(self, f"_build_{self.pattern}")
        build(page_html)
        if self.home:
            self._build_home(page_html)

    def _build_home(self, ctype: str) -> None:
        platform, label = HOME.get(self.pattern, TRS_HOME)
        column = self.list_url[len(self.url) :]
        nav = (
            '<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a>'
            '<a href="/bsfw/">办事服务</a><a href="/hdjl/">互动交流</a></div>'
        )
        home = (
            f'{nav}<div class="news"><a href="/zwgk/zfgzbg/index.html">政府工作报告</a>'
            '<a href="/zwgk/zfgzbg/202401/t20240120_1.html">2023年政府工作报告</a></div>'
            f'<div class="gk"><a href="{platform}">政府信息公开</a></div>'
        )
        self.routes["/"] = (ctype, _page(f"{AGENCY}门户网站", home))
        links = (
            '<a href="/zwgk/zfxxgk/fdzdgknr/">法定主动公开内容</a>'
            '<a href="/zwgk/zfxxgk/zfxxgkzn/">政府信息公开指南</a>'
            f'<a href="{column}">{label}</a>'
        )
        self.routes[platform] = (ctype, _page(f"政府信息公开_{AGENCY}", f"{nav}{links}"))

    def _build_trs_static(self, ctype: str) -> None:
        pages = max(1, math.ceil(len(self.docs) / PER_PAGE))
        for p in range(pages):
            chunk = self.docs[p * PER_PAGE : (p + 1) * PER_PAGE]
            body = (
                f'<ul class="list">{"".join(map(_li, chunk))}</ul>'
                f'<div class="page"><script>createPageHTML({pages}, {p}, "index", "html");</script></div>'
            )
            name = "index.html" if p == 0 else f"index_{p}.html"
            self.routes[f"{TRS_COLUMN}/{name}"] = (ctype, _page("政府信息公开年报", body))

    def _listmodel_page(self, endpoint: str) -> bytes:
        url = f"url: '{endpoint}', " if endpoint else ""
        body = (
            f'<ul class="list" id="list">{"".join(map(_li, self.docs[:PER_PAGE]))}</ul>'
            '<div class="page" id="page"></div>'
            f"<script>listModel({{ {url}recordCount: '{len(self.docs)}', prepage: {PER_PAGE}, "
            "container: '#list', pager: '#page' });</script>"
        )
        return _page("政府信息公开年报", body)

    def _build_trs_endpoint(self, ctype: str) -> None:
        self.routes[f"{TRS_COLUMN}/index.html"] = (ctype, self._listmodel_page("list.json"))

    def _build_trs_script(self, ctype: str) -> None:
        self.routes[f"{TRS_COLUMN}/index.html"] = (ctype, self._listmodel_page(""))

    def _build_script_inline(self, ctype: str) -> None:
        rows = [{"t": d.title, "u": d.path} for d in self.docs]
        data = json.dumps(rows, ensure_ascii=False).replace("</", "<\\/")
        self._build_script_only(
            ctype, "/js/nbinline.js", NBINLINE_JS, f"<script>var NB_DATA = {data};</script>"
        )

    def _build_script_post(self, ctype: str) -> None:
        self._build_script_only(ctype, "/js/nbpost.js", NBPOST_JS)

    def _build_script_only(
        self, ctype: str, script: str = "/js/nblist.js", code: bytes = NBLIST_JS, data: str = ""
    ) -> None:
        self.routes["/robots.txt"] = ("text/plain", b"User-agent: *\nDisallow: /stats/\n")
        pages = max(1, math.ceil(len(self.docs) / PER_PAGE))
        body = (
            f'<ul class="list" id="nb-list">{"".join(map(_li, self.docs[:PER_PAGE]))}</ul>'
            f'<div class="page" id="nb-pager"><span>共{len(self.docs)}条 第<b id="nb-cur">1'
            f'</b>/{pages}页</span> <a href="javascript:;" id="nb-next">下一页</a></div>'
            f'{data}<script src="{script}"></script>'
            f"<script>NbList.init({{ key: '{SCRIPT_KEY}', per: {PER_PAGE}, "
            f"pages: {pages} }});</script>"
        )
        self.routes[f"{TRS_COLUMN}/index.html"] = (ctype, _page("政府信息公开年报", body))
        self.routes[script] = ("application/javascript; charset=utf-8", code)

    def _records(self, docs: list[Doc]) -> str:
        return "".join(
            f'<record><![CDATA[<li><a href="{d.path}" title="{html.escape(d.title)}" '
            f'target="_blank">{html.escape(d.title)}</a><span>{d.year + 1}-01-20</span></li>]]></record>'
            for d in docs
        )

    def _build_jcms(self, ctype: str) -> None:
        group = JCMS_PER_PAGE * JCMS_GROUP
        store = (
            '<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/'
            "dataproxy.jsp?page=1&appid=1&webid=24&path=/&columnid=1229&unitid=4321&"
            'webname=%E7%A4%BA%E4%BE%8B&permissiontype=0"></a>]]></nextgroup>'
            f"<recordset>{self._records(self.docs[:group])}</recordset></datastore></script>"
        )
        script = (
            "<script>$(document).ready(function(){ $('#4321').jpage({ dataStore: "
            f"$('#4321 datastore'), totalRecord: {len(self.docs)}, perPage: {JCMS_PER_PAGE}, "
            f"groupSize: {JCMS_GROUP}, proxyUrl: '/module/web/jpage/dataproxy.jsp' }}); }});</script>"
        )
        body = f'<div id="4321">{store}</div>{script}'
        self.routes["/col/col1229/index.html"] = (ctype, _page("政府信息公开年报", body))

    def _build_gkmlpt(self, ctype: str) -> None:
        head = "<script>window._CONFIG = { SID: '757001' };</script>"
        body = (
            '<div id="app"></div><script src="/gkmlpt/static/app.js"></script>'
            '<script>var LIST_API = "/gkmlpt/api/all/2846?sid=757001";</script>'
        )
        self.routes["/gkmlpt/index"] = (ctype, _page("政府信息公开年报", body, head))

    def respond(
        self, method: str, path: str, headers: dict[str, str], query: str = "", body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        target = f"{path}?{query}" if query else path
        self.visits.append((time.monotonic(), f"{method} {target}", headers.get("user-agent", "")))
        if body:
            self.bodies.append((f"{method} {target}", body))
        args = {k: v[0] for k, v in parse_qs(query).items()}
        if self.pattern == "script_post" and path == POST_PATH:
            answer = self._posted(method, headers, body)
        else:
            answer = self._data(path, args)
        if answer is None:
            return super().respond(method, path, headers, query)
        ctype, body = answer
        return 200, {"Content-Type": ctype}, (b"" if method == "HEAD" else body)

    def _posted(self, method: str, headers: dict[str, str], body: bytes) -> tuple[str, bytes]:
        """script_post's list API: a JSON POST naming the column, the page and the page's key."""
        try:
            ask = json.loads(body) if method == "POST" else {}
        except ValueError:
            ask = {}
        if (
            not isinstance(ask, dict)
            or "json" not in headers.get("content-type", "")
            or (ask.get("col"), ask.get("key")) != ("zfxxgknb", SCRIPT_KEY)
        ):
            return JSON_TYPE, b'{"code": 400, "rows": []}'
        return self._rows(int(ask.get("page") or 0))

    def _rows(self, page: int) -> tuple[str, bytes]:
        """One page of the script_* columns' list, in their keys (t: title, u: URL)."""
        chunk = self.docs[(page - 1) * PER_PAGE : page * PER_PAGE] if page >= 1 else []
        rows = [{"t": d.title, "u": d.path} for d in chunk]
        return JSON_TYPE, json.dumps({"code": 0, "rows": rows}, ensure_ascii=False).encode()

    def _data(self, path: str, args: dict[str, str]) -> tuple[str, bytes] | None:
        """The answer of a data endpoint (JSON list, JCMS dataproxy), or None for a plain route."""
        if self.pattern == "trs_endpoint" and path == f"{TRS_COLUMN}/list.json":
            page = int(args.get("page", "1"))
            chunk = self.docs[(page - 1) * PER_PAGE : page * PER_PAGE]
            rows = [
                {"title": d.title, "url": d.path, "pubDate": f"{d.year + 1}-01-20"} for d in chunk
            ]
            doc = {"recordCount": len(self.docs), "page": page, "data": rows}
            return JSON_TYPE, json.dumps(doc, ensure_ascii=False).encode()
        if self.pattern == "gkmlpt" and path == "/gkmlpt/api/all/2846":
            if args.get("sid") != "757001":
                return JSON_TYPE, b'{"total": 0, "articles": []}'  # the platform needs its site id
            page = int(args.get("page", "1"))
            chunk = self.docs[(page - 1) * PER_PAGE : page * PER_PAGE]
            rows = [{"id": i, "title": d.title, "url": d.path} for i, d in enumerate(chunk)]
            doc = {"total": len(self.docs), "articles": rows}
            return JSON_TYPE, json.dumps(doc, ensure_ascii=False).encode()
        if self.pattern == "script_only" and path == "/data/nb/list":
            try:
                page = int(args.get("t", ""), 36)
            except ValueError:
                page = 0
            if args.get("k") != SCRIPT_KEY or page < 1:
                return JSON_TYPE, b'{"code": 403, "rows": []}'  # only the page's script asks right
            return self._rows(page)
        if self.pattern == "jcms" and path == "/module/web/jpage/dataproxy.jsp":
            if args.get("columnid") != "1229":
                return XML_TYPE, b"<datastore><totalrecord>0</totalrecord></datastore>"
            start, end = int(args.get("startrecord", "1")), int(args.get("endrecord", "15"))
            body = (
                f"<datastore><totalrecord>{len(self.docs)}</totalrecord>"
                f"<recordset>{self._records(self.docs[start - 1 : end])}</recordset></datastore>"
            )
            return XML_TYPE, body.encode()
        return None
