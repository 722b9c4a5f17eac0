"""Which files of a report page are the report's attachments, and which are site chrome. Pure.

A report page links its documents (the report as PDF/DOC/WPS/XLS/OFD, its 图片版 pictures) — and,
on every page of the site, the agency's logo, banners, the WeChat/Weibo QR codes, share buttons,
the 党政机关 identifier, file-type icons. Only the documents are fetched:

- a link or picture is a *candidate* when it has a document-ish extension (discovery.attachment_kind:
  pdf, doc, docx, wps, xls, xlsx, et, ofd, rtf, txt, jpg, png, tif …, in the path or the link text);
- it is *chrome* — never fetched — when its file name, text, alt, title, class or id says logo,
  二维码/QR, icon, banner, share, 微信/微博 …, when a picture declares a size too small to hold a
  page of a report (shared/pictures.py: the same bound the parser rejects pictures by), or when a
  file declares a size below MIN_DECLARED_BYTES (an empty placeholder);
- otherwise it is fetched when it sits inside the article body (the CMS's content container: TRS
  `trs_editor_view`/`TRS_Editor`, Hanweb `#zoom`, gkmlpt `article-content` …, nearer than any
  header/footer/nav/sidebar/share container around it) or when its text, file name or alt says
  年报/报告/附件/图片版. A page without any recognisable body container counts everything outside
  the chrome containers as body (an unknown CMS layout keeps its attachments);
- a picture in the body must in addition live where uploads live (TRS `P0…`/`W0…`, `/upload…`,
  `/attach…`, `/picture/`, a `YYYYMM` folder …), declare a report-sized picture, or say it is one:
  an undeclared `/images/pdf.gif` beside an attachment link is the template's, not the report's.

`verdict(candidate)` says why a candidate is not fetched (None: it is); `attachment_links(tree,
base_url)` applies it to a parsed page; `split_pictures` tells the pictures that are one report
(two or more: the crawler bundles them into one document, imagepdf.py). Reads no settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import lxml.html

from services.fetcher.discovery import (
    Link,
    absolute,
    anchors_with_elements,
    attachment_kind,
    companion_kind,
    report_year,
    strip_extension,
)
from shared.pictures import MIN_REPORT_SIDE, too_small

# A declared file size below this cannot hold a report (a one-page PDF with a table is tens of KB):
# the CMS lists an empty or broken upload.
MIN_DECLARED_BYTES = 1024

# What says "this is the report" in a link text, alt, title or file name.
SAYS_DOCUMENT = re.compile(r"年报|报告|附件|图片版|图文版|图解|一图读懂|长图")
# What says "this is site chrome" in a file name, alt, title, class or id. ASCII words only count
# as whole words (letters around them make another word: "silicon", "logout"; digits before them
# are an upload's serial number: "…0131wx.pdf").
_CHROME_WORDS = (
    "logo|qr|qrcode|ewm|erweima|icon|icons|ico|favicon|banner|share|bdshare|weixin|wechat|wx|"
    "weibo|wb|btn|button|bg|arrow|spacer|blank|loading|gotop|totop|dzjg|jiucuo|beian|gongan|"
    "wza|print|close"
)
CHROME_NAME = re.compile(
    rf"(?<![a-z0-9])(?:{_CHROME_WORDS})(?![a-z])|二维码|扫一扫|扫码|微信|微博|分享|打印|关闭|"
    r"返回顶部|党政机关|找错|无障碍|适老化|网站标识|备案",
    re.I,
)
# Containers of site chrome, by tag or by a word of their class/id.
CHROME_TAGS = frozenset({"header", "footer", "nav", "aside"})
CHROME_CONTAINER = re.compile(
    r"(?<![a-z])(?:header|footer|head|foot|top|bottom|nav|navbar|menu|sidebar|side|aside|"
    r"logo|banner|share|bdsharebuttonbox|qr|qrcode|ewm|erweima|copyright|crumbs?|"
    r"bread|breadcrumbs?|position|location|toolbar|tools?|links?|friend|dzjg)(?![a-z])",
    re.I,
)
# Article body containers of the CMSs that host most 年报 (class/id, matched anywhere).
BODY_CONTAINER = re.compile(
    r"trs_editor|trs_ueditor|ueditor|custom_unionstyle|zoom|article|content|detail|bt_?content|"
    r"art_?con|wzcon|con_?text|main_?te?xt|xxgk_?con|ucap|pages_content|view",
    re.I,
)
# Where CMSs put uploaded files (pictures elsewhere are the template's).
UPLOADED = re.compile(
    r"/(?:P0\d+|W0\d+|upload|uploadfile|uploads|attach|attachment|picture|pic/\d|images?/\d|"
    r"u/cms/|module/download)|/\d{6}/|/\d{4}/\d{1,2}/\d{1,2}/|/\d{4}-\d{2}-\d{2}/",
    re.I,
)
_PX = re.compile(r"^\s*(\d{1,5})(?:\.\d+)?\s*(?:px)?\s*$", re.I)
_STYLE_PX = re.compile(r"(?<![-\w])(width|height)\s*:\s*(\d{1,5})(?:\.\d+)?\s*px", re.I)
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(B|K|KB|M|MB|G|GB)\b", re.I)
_UNIT = {"b": 1, "k": 1024, "kb": 1024, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gb": 1 << 30}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A link or picture of a report page with a document-ish extension, and its context."""

    url: str
    kind: str  # attachment_kind: pdf, docx, image …
    text: str  # link text, or alt/title of a picture
    picture: bool = False  # an <img>, not a link
    in_body: bool = False  # inside the article body (nearer than any chrome container)
    marks: str = ""  # the element's own class and id
    width: int | None = None  # declared px (attribute or inline style), pictures
    height: int | None = None
    declared_bytes: int | None = None  # a size the page states for a file, e.g. "(245.6KB)"


def verdict(c: Candidate) -> str | None:
    """Why `c` is not fetched — "chrome", "too_small", "empty", "outside_body",
    "template_picture" — or None when it is an attachment of the report."""
    name = file_name(c.url)
    says = bool(SAYS_DOCUMENT.search(c.text) or SAYS_DOCUMENT.search(name))
    # a QR code "扫码看2021年年报" is still a QR code: the name and the text decide first
    if CHROME_NAME.search(name) or CHROME_NAME.search(c.text):
        return "chrome"
    # a class saying "btn"/"icon" is only styling inside the body, or on a link that says 年报
    if CHROME_NAME.search(c.marks) and not c.in_body and not says:
        return "chrome"
    if c.width is not None and c.height is not None:
        if too_small(c.width, c.height):
            return "too_small"
    elif (side := c.width if c.width is not None else c.height) is not None:
        if side < MIN_REPORT_SIDE:  # one side known: only the short-side bound applies
            return "too_small"
    if c.declared_bytes is not None and c.declared_bytes < MIN_DECLARED_BYTES:
        return "empty"
    if not says and not c.in_body:
        return "outside_body"
    if c.picture and not says and not UPLOADED.search(urlsplit(c.url).path):
        if c.width is None or c.height is None:  # a declared report-sized picture passed above
            return "template_picture"
    return None


def attachment_links(tree: lxml.html.HtmlElement | None, base_url: str) -> list[Link]:
    """The report's attachments on a report page (links and 图片版 pictures), de-duplicated, in
    page order; site chrome is left out (see the module docstring)."""
    found: dict[str, Link] = {}
    for c in candidates(tree, base_url):
        if c.url in found or verdict(c) is not None:
            continue
        if c.picture:
            found[c.url] = Link(c.url, c.text, None, "图片版", "image")
        else:
            title = strip_extension(c.text)
            found[c.url] = Link(c.url, title, report_year(title), companion_kind(title), c.kind)
    return list(found.values())


def split_pictures(attachments: list[Link]) -> tuple[list[Link], list[Link]]:
    """(the pictures that are one report, the other attachments): a page whose body holds two or
    more report pictures publishes one report as pictures, a page each, in page order — fetched
    and stored as one document (crawl.py). A single picture stays an attachment of its own."""
    pictures = [a for a in attachments if a.kind == "image"]
    if len(pictures) < 2:
        return [], attachments
    return pictures, [a for a in attachments if a.kind != "image"]


def candidates(tree: lxml.html.HtmlElement | None, base_url: str) -> list[Candidate]:
    """Every link and picture of the page with a document-ish extension, with its context."""
    if tree is None:
        return []
    has_body = any(_is_body(el) for el in tree.iter() if isinstance(el.tag, str))
    out: list[Candidate] = []
    for url, text, a in anchors_with_elements(tree, base_url):
        kind = attachment_kind(url, text)
        if kind is None:
            continue
        in_body = _in_body(a, has_body)
        out.append(
            Candidate(
                url,
                kind,
                text,
                in_body=in_body,
                marks=_marks(a),
                declared_bytes=declared_size(text + " " + (a.tail or "")),
            )
        )
    for img in tree.iter("img"):
        url = absolute(base_url, img.get("src"))
        if url is None or attachment_kind(url) != "image":
            continue
        in_body = _in_body(img, has_body)
        width, height = declared_px(img)
        text = (img.get("alt") or img.get("title") or "").strip()
        out.append(
            Candidate(
                url,
                "image",
                text,
                picture=True,
                in_body=in_body,
                marks=_marks(img),
                width=width,
                height=height,
            )
        )
    return out


def file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def declared_px(img) -> tuple[int | None, int | None]:
    """Width and height an <img> declares in px (attributes, else inline style); None if not
    (a percentage or nothing: the picture's real size is unknown until fetched)."""
    sizes: dict[str, int] = {}
    for side in ("width", "height"):
        match = _PX.match(img.get(side) or "")
        if match:
            sizes[side] = int(match.group(1))
    for side, value in _STYLE_PX.findall(img.get("style") or ""):
        sizes.setdefault(side.lower(), int(value))
    return sizes.get("width"), sizes.get("height")


def declared_size(text: str) -> int | None:
    """A file size stated beside a link, 「(245.6KB)」「大小：1.2M」, in bytes; None if none."""
    match = _SIZE.search(text)
    if not match:
        return None
    return int(float(match.group(1)) * _UNIT[match.group(2).lower()])


def _marks(el) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".strip()


def _is_chrome(el) -> bool:
    return el.tag in CHROME_TAGS or bool(CHROME_CONTAINER.search(_marks(el)))


def _is_body(el) -> bool:
    return el.tag in ("article", "main") or bool(BODY_CONTAINER.search(_marks(el)))


def _in_body(el, has_body: bool) -> bool:
    """Inside the article body: the nearest container that is chrome or body decides, so a share
    bar inside the content block is chrome and a body inside a page-wide `main` is body. Without
    any body container on the page, whatever is not in a chrome container is body."""
    for parent in el.iterancestors():
        if not isinstance(parent.tag, str):
            continue
        if _is_chrome(parent):
            return False
        if _is_body(parent):
            return True
    return not has_body
