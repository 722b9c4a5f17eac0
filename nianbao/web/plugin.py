"""The Datasette plugin of the web view: the search segmentation as a SQL function, the report
page and the source routes. Handlers are thin: reading rows and rendering are in report_page.py
and source.py.

- `nianbao_match(q)` — the FTS5 MATCH expression `nianbao search` uses for `q` (rjieba words,
  each quoted, all required), so a Chinese phrase matches here exactly as on the command line.
- `/-/nianbao/report/<doc_id>` — the report page.
- `/-/nianbao/source/<doc_id>` — the original file, streamed from the object store (file or S3).
- `/-/nianbao/page/<doc_id>/<n>.png?box=x0,y0,x1,y1` — a PDF page with a cell's box drawn.
- `/-/nianbao/html/<doc_id>?table=&row=&col=` — an HTML table of the original with a cell marked.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response

from nianbao.web import report_page, source
from nianbao.web.metadata import DB
from shared.storage.segment import fts5_match

# set by nianbao.web.app.create(): where the originals are
OBJECTS: dict[str, Any] = {"url": None, "settings": None}


@hookimpl
def prepare_connection(conn):
    conn.create_function(
        "nianbao_match", 1, lambda q: fts5_match(q or "") or '""', deterministic=True
    )


@hookimpl
def register_routes():
    return [
        (r"^/-/nianbao/report/(?P<doc_id>[0-9A-Za-z_-]+)$", report),
        (r"^/-/nianbao/source/(?P<doc_id>[0-9A-Za-z_-]+)$", original),
        (r"^/-/nianbao/page/(?P<doc_id>[0-9A-Za-z_-]+)/(?P<page>\d+)\.png$", pdf_page),
        (r"^/-/nianbao/html/(?P<doc_id>[0-9A-Za-z_-]+)$", html_table),
    ]


@hookimpl
def render_cell(value, column, table, database, datasette):
    """doc_ids link to their report page wherever they are shown."""
    if column == "doc_id" and isinstance(value, str) and database == DB:
        from markupsafe import Markup, escape

        return Markup(
            f'<a class="report-link" href="/-/nianbao/report/{escape(value)}">{escape(value[:12])}</a>'
        )
    return None


async def _rows(datasette, sql: str, params: dict) -> list[dict]:
    result = await datasette.get_database(DB).execute(sql, params)
    return [dict(r) for r in result.rows]


async def report(datasette, request):
    doc_id = request.url_vars["doc_id"]
    meta = await _rows(datasette, "SELECT * FROM reports WHERE doc_id = :d", {"d": doc_id})
    if not meta:
        return Response.html(f"<h1>没有这份报告：{doc_id}</h1>", status=404)
    cells = await _rows(
        datasette, "SELECT * FROM cells WHERE doc_id = :d ORDER BY rowid", {"d": doc_id}
    )
    findings = await _rows(
        datasette, "SELECT * FROM findings WHERE doc_id = :d ORDER BY seq", {"d": doc_id}
    )
    return Response.html(report_page.render(meta[0], cells, findings))


async def _original(datasette, doc_id: str) -> tuple[bytes, dict] | None:
    from shared.errors import ObjectMissing
    from shared.storage.factory import open_object_store

    meta = await _rows(
        datasette,
        "SELECT object_key, source_kind, url FROM reports WHERE doc_id = :d",
        {"d": doc_id},
    )
    if not meta or OBJECTS["url"] is None:
        return None
    store = await open_object_store(OBJECTS["url"], OBJECTS["settings"])
    try:
        return await store.get(meta[0]["object_key"]), meta[0]
    except ObjectMissing:
        return None
    finally:
        await store.close()


_TYPES = {"pdf": "application/pdf", "html": "text/html", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text": "text/plain"}  # fmt: skip


async def original(datasette, request):
    found = await _original(datasette, request.url_vars["doc_id"])
    if found is None:
        return Response.text("原文件不在对象存储中 (original not in the object store)", status=404)
    data, meta = found
    kind = meta["source_kind"] or ""
    # served as a download: the original's own scripts never run on this origin
    headers = {
        "content-disposition": f'attachment; filename="{request.url_vars["doc_id"][:12]}.{kind or "bin"}"'
    }
    return Response(
        data, content_type=_TYPES.get(kind, "application/octet-stream"), headers=headers
    )


async def pdf_page(datasette, request):
    found = await _original(datasette, request.url_vars["doc_id"])
    if found is None:
        return Response.text("original not in the object store", status=404)
    box = None
    if request.args.get("box"):
        try:
            x0, y0, x1, y1 = (float(v) for v in request.args["box"].split(","))
            box = (x0, y0, x1, y1)
        except ValueError:
            return Response.text("box is x0,y0,x1,y1", status=400)
    try:
        png = source.pdf_page_png(found[0], int(request.url_vars["page"]), box)
    except Exception as exc:  # not a PDF, page out of range: say so, never a blank image
        return Response.text(f"cannot render that page: {exc}", status=422)
    return Response(png, content_type="image/png")


async def html_table(datasette, request):
    found = await _original(datasette, request.url_vars["doc_id"])
    if found is None:
        return Response.text("original not in the object store", status=404)
    try:
        t, r, c = (int(request.args.get(k, "0")) for k in ("table", "row", "col"))
        return Response.html(source.marked_html_table(found[0], t, r, c))
    except Exception as exc:  # not HTML, no such table: say so
        return Response.text(f"cannot show that table: {exc}", status=422)
