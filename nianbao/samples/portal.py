"""The bundled sample portal: the five seed reports served as one agency's 年报 column, on loopback.

TRS-style layout (report-format.md §8):

    /robots.txt                                   allow all
    /zwgk/zfxxgk/zfxxgknb/index.html              list page 1 (`countPage = 2`)
    /zwgk/zfxxgk/zfxxgknb/index_1.html            list page 2
    /zwgk/zfxxgk/zfxxgknb/202201/t20220128_100001.html   an article: the report as HTML, or a
                                                   short page whose report is only an attachment
    /zwgk/zfxxgk/zfxxgknb/202201/P020220128100003.docx   (and .pdf) attachments

Each seed is parsed with `services.parser.parse` and rendered with `nianbao.samples.render`
(HTML with chrome and merged cells, DOCX, PDF). A seed that cannot be rendered (a parser
regression, no CJK font for the PDF) is logged as an error with its traceback when the portal
starts, stays listed, and its article answers 500 with the reason: the crawl of that report fails
visibly instead of quietly fetching something else. Responses carry ETag and Last-Modified and
answer conditional GETs with 304.

Settings read: none (host/port are arguments; the launcher publishes the URL as sample_portal_url).
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from shared.runtime.loopserver import LoopServer

log = logging.getLogger("nianbao.portal")

SEEDS_DIR = Path(__file__).parent / "seeds"
COLUMN = "/zwgk/zfxxgk/zfxxgknb"
PER_PAGE = 3
LAST_MODIFIED = "Sat, 28 Jan 2023 07:26:00 GMT"
AGENCY = "示例县人民政府"
# How each seed is published, in seed order: an HTML article, or only an attachment.
KINDS = ("html", "html", "docx", "html", "pdf")
REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 500: "Internal Server Error"}
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
}


@dataclass
class Item:
    """One report on the column: its article page and (maybe) its attachment."""

    seed: str
    title: str
    date: str  # YYYY-MM-DD
    article_path: str
    article: bytes
    attachment_path: str | None = None
    attachment: bytes | None = None
    kind: str = "html"
    error: str | None = None  # why the seed could not be rendered: its article answers 500


def _seed_title(text: str) -> str:
    """The first non-empty line, joined with the next when the title is split (agency / year)."""
    lines = [ln.strip().lstrip("#").strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln][:2]
    if not lines:
        return "政府信息公开工作年度报告"
    if "报告" not in lines[0] and len(lines) > 1 and "报告" in lines[1]:
        return (lines[0] + lines[1])[:80]
    return lines[0][:80]


def _year(title: str) -> int:
    m = re.search(r"(20\d\d)年", title)
    return int(m.group(1)) if m else 2021


def _render(kind: str, data: bytes) -> tuple[bytes, str | None]:
    """(bytes, title) of one seed rendered as `kind` (html, docx or pdf)."""
    from nianbao.samples import render
    from services.parser import parse  # heavy: imported when the portal starts, not with it

    report = parse(data, source_url=None, content_type="text/plain")
    fn = {"html": render.render_html, "docx": render.render_docx, "pdf": render.render_pdf}[kind]
    out = fn(report)
    return (out.encode("utf-8") if isinstance(out, str) else bytes(out)), report.title


def _page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="ArticleTitle" content="{html.escape(title)}">'
        f"<title>{html.escape(title)}</title></head><body>"
        f'<div class="header">{AGENCY} · 政府信息公开</div>'
        '<div class="crumbs"><a href="/">首页</a> &gt; <a href="/zwgk/zfxxgk/">政府信息公开</a> &gt; '
        f'<a href="{COLUMN}/index.html">政府信息公开年报</a></div>'
        f'{body}<div class="footer">主办：{AGENCY}</div></body></html>\n'
    ).encode()


def build_items(seeds_dir: Path = SEEDS_DIR) -> list[Item]:
    items: list[Item] = []
    for i, path in enumerate(sorted(seeds_dir.glob("*.txt"))):
        data = path.read_bytes()
        kind = KINDS[i % len(KINDS)]
        error = None
        try:
            body, title = _render(kind, data)
        except Exception as exc:  # noqa: BLE001 - made visible: logged here, a 500 when fetched
            log.error(
                "sample portal: seed %s cannot be rendered as %s", path.name, kind, exc_info=True
            )
            body, title = b"", None
            error = f"seed {path.name} cannot be rendered as {kind}: {type(exc).__name__}: {exc}"
        title = title or _seed_title(data.decode("utf-8", "replace"))
        day, published = 28 - i, _year(title) + 1  # published in January of the next year
        date = f"{published}-01-{day:02d}"
        stamp = f"{published}01{day:02d}"
        article_path = f"{COLUMN}/{published}01/t{stamp}_{100001 + i}.html"
        if error is not None:
            items.append(Item(path.name, title, date, article_path, b"", kind=kind, error=error))
            continue
        if kind == "html":
            items.append(Item(path.name, title, date, article_path, body, kind=kind))
            continue
        att = f"{COLUMN}/{published}01/P0{stamp}{100001 + i}.{kind}"
        link = f'<a href="./{att.rsplit("/", 1)[1]}">{html.escape(title)}.{kind}</a>'
        article = _page(
            title,
            f'<h1>{html.escape(title)}</h1><div class="trs_editor_view">'
            f"<p>{html.escape(title)}全文详见附件。</p><p>附件：{link}</p></div>",
        )
        items.append(Item(path.name, title, date, article_path, article, att, body, kind))
    return items


def list_page(items: list[Item], page: int) -> bytes:
    pages = max(1, -(-len(items) // PER_PAGE))
    chunk = items[page * PER_PAGE : (page + 1) * PER_PAGE]
    lis = "".join(
        f'<li><a href=".{it.article_path[len(COLUMN) :]}" title="{html.escape(it.title)}">'
        f"{html.escape(it.title)}</a><span>{it.date}</span></li>"
        for it in chunk
    )
    nav = []
    if page > 0:
        nav.append(
            f'<a href="{"index.html" if page == 1 else f"index_{page - 1}.html"}">上一页</a>'
        )
    if page + 1 < pages:
        nav.append(f'<a href="index_{page + 1}.html">下一页</a>')
    body = (
        f'<h1>政府信息公开年报</h1><ul class="list">{lis}</ul><div class="page">{" ".join(nav)}</div>'
        f"<script>var countPage = {pages}; var currentPage = {page};</script>"
    )
    return _page("政府信息公开年报", body)


class SamplePortal(LoopServer):
    """The loopback HTTP server. `routes` maps path → (content type, bytes)."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, items: list[Item] | None = None
    ) -> None:
        super().__init__(host, port)
        self._items = items
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.failures: dict[str, str] = {}  # path → why it answers 500
        self.requests: list[str] = []  # access log: "GET /path status"

    @property
    def items(self) -> list[Item]:
        return self._items or []

    def _build_routes(self) -> None:
        items = self._items
        self.routes["/robots.txt"] = ("text/plain", b"User-agent: *\nAllow: /\n")
        pages = max(1, -(-len(items) // PER_PAGE))
        for p in range(pages):
            name = "index.html" if p == 0 else f"index_{p}.html"
            self.routes[f"{COLUMN}/{name}"] = (CONTENT_TYPES["html"], list_page(items, p))
        self.routes[f"{COLUMN}/"] = self.routes[f"{COLUMN}/index.html"]
        for it in items:
            if it.error is not None:
                self.failures[it.article_path] = it.error
                continue
            self.routes[it.article_path] = (CONTENT_TYPES["html"], it.article)
            if it.attachment_path:
                self.routes[it.attachment_path] = (CONTENT_TYPES[it.kind], it.attachment)

    async def start(self) -> SamplePortal:
        if self._items is None:
            self._items = await asyncio.to_thread(build_items)
        self._build_routes()
        return await super().start()

    def respond(
        self, method: str, path: str, headers: dict[str, str], query: str = "", body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        """One answer; `query` is the request's query string and `body` its body (this portal's
        routes ignore both, the CMS sample portals of nianbao/samples/cms.py answer list
        requests by them)."""
        if path in self.failures:
            return (
                500,
                {"Content-Type": "text/plain; charset=utf-8"},
                f"{self.failures[path]}\n".encode(),
            )
        route = self.routes.get(path)
        if route is None:
            return 404, {"Content-Type": "text/plain"}, b"not found\n"
        ctype, body = route
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        head = {"Content-Type": ctype, "ETag": etag, "Last-Modified": LAST_MODIFIED}
        inm = headers.get("if-none-match")
        if (inm and etag in [t.strip() for t in inm.split(",")]) or (
            not inm and headers.get("if-modified-since") == LAST_MODIFIED
        ):
            return 304, head, b""
        return 200, head, (b"" if method == "HEAD" else body)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                lines = raw.decode("latin-1").split("\r\n")
                method, target, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (ln.partition(":") for ln in lines[1:] if ":" in ln)
                }
                path, _, query = target.partition("?")
                length = headers.get("content-length", "0")
                sent_body = await reader.readexactly(int(length)) if length.isdigit() else b""
                status, head, body = self.respond(method, path, headers, query, sent_body)
                self.requests.append(f"{method} {target} {status}")
                reason = REASONS[status]
                head["Content-Length"] = str(len(body) if status != 304 else 0)
                keep = headers.get("connection", "").lower() != "close"
                head["Connection"] = "keep-alive" if keep else "close"
                out = f"HTTP/1.1 {status} {reason}\r\n" + "".join(
                    f"{k}: {v}\r\n" for k, v in head.items()
                )
                sent = b"" if status == 304 or method == "HEAD" else body
                writer.write(out.encode("latin-1") + b"\r\n" + sent)
                await writer.drain()
                if not keep:
                    break
        except (
            TimeoutError,
            asyncio.IncompleteReadError,
            ConnectionError,
            asyncio.LimitOverrunError,
        ):
            pass
        finally:
            writer.close()
