"""One report as a web page (pure: rows in, HTML out): its metadata, its findings, its three tables
with the format's Chinese labels, the cells each finding names highlighted, and for those cells
where they were read in the source — the PDF page drawn with the cell's box, or the HTML table
with the cell marked (routes in plugin.py), and a link to the original file.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote

from nianbao.export.columns import TABLE_ZH
from shared.findings_zh import cell_label

BASE = "/-/nianbao"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
STYLE = """
body{font-family:"WenQuanYi Zen Hei",sans-serif;margin:1.5em;max-width:80em}
table.t{border-collapse:collapse;margin-bottom:1.5em}
table.t td,table.t th{border:1px solid #999;padding:2px 6px;font-size:13px}
td.num{text-align:right}
td.hit{background:#ffd54f;outline:3px solid #e53935}
td:target{outline:4px solid #1e88e5}
td.ocr sup,.legend .ocr sup{color:#00838f}
td.ocr,.legend .ocr{background:#e0f7fa}
td.unsure,.legend .unsure{background:#ffebee;color:#b71c1c;font-weight:bold}
td.hit{background:#ffd54f}
.legend span{display:inline-block;padding:0 6px;margin-right:1em;border:1px solid #999}
li.error{color:#b71c1c} li.warning{color:#8d6e00}
.evidence img{max-width:100%;border:1px solid #ccc}
"""


def _split(label: str) -> tuple[str, str]:
    row, _, col = label.partition(" / ")
    return row, col


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def render(meta: dict, cells: list[dict], findings: list[dict]) -> str:
    doc_id = meta["doc_id"]
    named: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        for key in (f.get("cells") or "").split(";"):
            if key:
                named.setdefault(key, []).append(i)
    out = [
        "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>",
        f"<title>{escape(meta.get('title') or doc_id)}</title><style>{STYLE}</style></head><body>",
        "<p><a href='/web/search'>检索</a> · <a href='/web/reports'>全部报告</a></p>",
        f"<h1>{escape(meta.get('title') or doc_id)}</h1>",
        "<dl>",
    ]
    for label, key in (("机关", "agency_name"), ("年度", "year"), ("格式", "format"),
                       ("状态", "status"), ("发布日期", "publish_date"), ("门户", "portal"),
                       ("原文地址", "url"), ("doc_id", "doc_id")):  # fmt: skip
        out.append(
            f"<dt>{label}</dt><dd>{escape(str(meta.get(key) if meta.get(key) is not None else '—'))}</dd>"
        )
    out.append("</dl>")
    out.append(
        f"<p><a id='source' href='{BASE}/source/{quote(doc_id)}'>原文件（下载）</a> · "
        f"<a id='csv' href='/web/cells.csv?doc_id={quote(doc_id)}&_size=max&_dl=1'>单元格 CSV</a> · "
        f"<a href='/web/findings.csv?doc_id={quote(doc_id)}'>问题 CSV</a></p>"
    )
    out.append(f"<h2>问题（{len(findings)}）</h2><ol id='findings'>")
    for i, f in enumerate(findings):
        links = " ".join(
            f"<a class='cell-link' href='#cell-{escape(k)}'>{escape(cell_label(k))}</a>"
            for k in (f.get("cells") or "").split(";")
            if k
        )
        out.append(
            f"<li id='finding-{i}' class='{escape(f['severity'])}'><b>{escape(f['rule'])}</b> "
            f"{SEVERITY_ZH.get(f['severity'], f['severity'])}：{escape(f.get('message_zh') or '')}"
            f"<br><small>{escape(f['message'])}</small><br>{links}</li>"
        )
    out.append("</ol>")
    out += _legend(cells)
    out += _tables(cells, named)
    out += _evidence(doc_id, cells, named)
    out.append("</body></html>")
    return "\n".join(out)


def _tables(cells: list[dict], named: dict[str, list[int]]) -> list[str]:
    grouped: dict[str, dict[str, dict[str, dict]]] = {}
    for c in cells:
        grouped.setdefault(c["table"], {}).setdefault(c["row"], {})[c["col"]] = c
    out = []
    for table in ("active_disclosure", "applications", "review_litigation"):
        rows = grouped.get(table)
        if not rows:
            continue
        out.append(f"<h2>{escape(TABLE_ZH[table])}</h2><table class='t' id='table-{table}'>")
        header: list[str] = []
        for cols in rows.values():
            if list(cols) != header:  # T2's blocks have columns of their own: a header each
                header = list(cols)
                out.append(
                    "<tr><th></th>"
                    + "".join(
                        f"<th>{escape(_split(cell_label(f'{table}.x.{c}'))[1])}</th>"
                        for c in header
                    )
                    + "</tr>"
                )
            first = next(iter(cols.values()))
            tds = []
            for col, c in cols.items():
                key = c["key"]
                classes = "num" + (" hit" if key in named else "")
                shown = _number(c["value"]) if c["value"] is not None else (c["raw"] or "")
                title = f"{cell_label(key)} · {c['kind']}"
                if c["kind"] == "unreadable":  # withheld: the parser would not guess it
                    classes += " unsure"
                    shown = shown or "??"
                    title += f" · 不确定：{c.get('note') or '无法可靠读取'}"
                mark = ""
                if _is_ocr(c):
                    classes += " ocr"
                    mark = "<sup>ᵒ</sup>"
                    title += " · OCR 识别" + (
                        f"，置信度 {c['score']:.2f}" if c.get("score") is not None else ""
                    )
                tds.append(
                    f"<td id='cell-{escape(key)}' class='{classes}' title='{escape(title)}'"
                    f" data-col='{escape(col)}'>{escape(shown)}{mark}</td>"
                )
            out.append(f"<tr><th>{escape(_split(first['label_zh'])[0])}</th>{''.join(tds)}</tr>")
        out.append("</table>")
    return out


def _is_ocr(cell: dict) -> bool:
    return bool(cell.get("evidence")) and json.loads(cell["evidence"]).get("kind") == "ocr"


def _legend(cells: list[dict]) -> list[str]:
    """What the marks in the tables mean, when the report has any: cells read by OCR (their score
    in the cell's title, the lowest first in the list below the legend) and cells withheld."""
    read = sorted(
        (c for c in cells if _is_ocr(c)),
        key=lambda c: (c.get("score") if c.get("score") is not None else 1.0, c["key"]),
    )
    unsure = sum(1 for c in cells if c["kind"] == "unreadable")
    if not read and not unsure:
        return []
    out = [
        "<p class='legend' id='legend'>"
        "<span class='ocr'>3<sup>ᵒ</sup></span>OCR 识别的单元格（鼠标悬停看置信度）"
        "<span class='unsure'>??</span>不确定、未采用的单元格。"
        f"<b>{len(read)}</b> 个单元格经 OCR 识别，{unsure} 个不确定</p>"
    ]
    if read:
        out.append(
            "<details id='ocr-cells'><summary>OCR 识别的单元格（置信度从低到高）</summary><ol>"
        )
        for c in read[:200]:
            score = f"{c['score']:.2f}" if c.get("score") is not None else "—"
            out.append(
                f"<li><a href='#cell-{escape(c['key'])}'>{escape(cell_label(c['key']))}</a>"
                f"：{escape(c['raw'] or '')} · 置信度 {score}</li>"
            )
        out.append("</ol></details>")
    return out


def _evidence(doc_id: str, cells: list[dict], named: dict[str, list[int]]) -> list[str]:
    """Where the named cells were read, shown from the source."""
    out = ["<h2>原文中的位置</h2><div class='evidence'>"]
    shown = 0
    for c in cells:
        if c["key"] not in named or not c.get("evidence"):
            continue
        ev = json.loads(c["evidence"])
        label = escape(cell_label(c["key"]))
        if ev.get("page") and ev.get("box"):
            box = ",".join(f"{v:g}" for v in ev["box"])
            out.append(
                f"<figure><figcaption>{label}：第 {ev['page']} 页</figcaption>"
                f"<img alt='{label}' src='{BASE}/page/{quote(doc_id)}/{ev['page']}.png?box={box}'></figure>"
            )
        elif ev.get("table") is not None:
            q = f"table={ev['table']}&row={ev.get('row', 0)}&col={ev.get('col', 0)}"
            out.append(
                f"<p>{label}：表格 {ev['table'] + 1} 第 {ev.get('row', 0) + 1} 行第 {ev.get('col', 0) + 1} 列"
                f" · <a href='{BASE}/html/{quote(doc_id)}?{q}'>在原文表格中查看</a></p>"
            )
        elif ev.get("line"):
            out.append(f"<p>{label}：原文第 {ev['line']} 行</p>")
        else:
            continue
        shown += 1
    if not shown:
        out.append("<p>（所指单元格没有记录原文位置）</p>")
    out.append("</div>")
    return out
