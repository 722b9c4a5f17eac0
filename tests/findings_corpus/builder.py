"""Build the findings corpus: one `CorpusDoc` per realistic document, annotated with the rules
that must fire (`expect`) and those that may (`allow`); every other rule must stay silent.

Documents come from three places, all made at build time (nothing stored but the seeds):
- the five real seeds, as they are;
- synthetic reports (nianbao/samples/synth.py) with one defect planted per rule of
  report-format.md §6, rendered as a portal HTML page (the format the rule is about does not
  depend on the rendering; the renderings themselves are covered by the clean documents);
- the eleven real-world classes of issue #19, each built the way real documents show it (PDF with
  painted line backgrounds, sub-headings, markdown tables split by group headings, damaged row
  labels, a T2 row with its middle value pulled out, the provincial 28×8 T3, agency scope
  statements, CMS metadata fallbacks and crawler header lines, narrative counts of other things,
  HTML saved as PDF/DOCX by LibreOffice, pictures).
Settings read: none.
"""

from __future__ import annotations

import copy
import functools
import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.samples.render import render_docx, render_html, render_pdf, render_text
from nianbao.samples.synth import narrative_sections, synth_report
from shared.report import Cell, ParsedReport, Section

SEEDS_DIR = Path(__file__).resolve().parents[2] / "nianbao" / "samples" / "seeds"
DEPT = "温州市鹿城区经济和信息化局"  # a county-level department: no 规章, deadline 31 January
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG = "image/png"


@dataclass
class CorpusDoc:
    name: str
    group: str  # "seed", "rule", "clean", or "class N" of issue #19
    data: bytes
    content_type: str | None
    expect: frozenset[str] = frozenset()  # rules that must fire
    allow: frozenset[str] = frozenset()  # rules that may fire (neither counted right nor wrong)
    status: str | None = None  # the validate status this document must get, when it matters
    not_report: bool = False  # parsing must refuse it (a picture, not a report)
    agency: str | None = None  # the agency_name the parser must read, when it matters
    cells: dict[str, float | None] = field(default_factory=dict)  # path → value it must read
    agency_level: str | None = None  # what a portal registry would say
    agency_kind: str | None = None
    lenient: bool = False  # a cell may also be left unread (None) instead of its value
    source: ParsedReport | None = None  # the report it was rendered from (other renderings)


# --- synthetic reports ---------------------------------------------------------------------------


def base(fmt: str = "2021", seed: int = 1, *, agency: str = DEPT, year: int | None = None):
    """A consistent synthetic report of an agency that makes no 规章 (its 规章 row is zero)."""
    r = synth_report(fmt, seed, agency=agency, year=year)
    for cell in r.tables["active_disclosure"]["regulations"].values():
        cell.value, cell.raw = 0, "0"
    return resync(r)


def resync(r: ParsedReport) -> ParsedReport:
    """Rewrite the narrative from the tables (after a planted change the text follows the table)."""
    r.sections = narrative_sections(r)
    return r


def put(r: ParsedReport, path: str, raw: str, value: float | None = None) -> None:
    table, row, col = path.split(".")
    r.tables[table][row][col] = Cell(
        value=value, raw=raw, kind="number" if value is not None else "text"
    )


def val(r: ParsedReport, path: str) -> float | None:
    table, row, col = path.split(".")
    return r.tables[table][row][col].value


def add(r: ParsedReport, path: str, d: int) -> None:
    v = (val(r, path) or 0) + d
    put(r, path, str(v), v)


_HEAD_ROWS = ("new_received", "carried_over_in", "results_total", "carried_over_out")


def bump(r: ParsedReport, row: str, col: str, d: int = 1) -> None:
    """Add `d` to a T3 result cell keeping every identity: row total, results total, new received."""
    t = "applications"
    for rr in (row, "results_total", "new_received") if row not in _HEAD_ROWS else (row,):
        add(r, f"{t}.{rr}.{col}", d)
        add(r, f"{t}.{rr}.total", d)


def cells_of(r: ParsedReport, *tables: str) -> dict[str, float | None]:
    out = {}
    for t in tables or ("active_disclosure", "applications", "review_litigation"):
        for row, cols in r.tables[t].items():
            for col, cell in cols.items():
                out[f"{t}.{row}.{col}"] = cell.value
    return out


def html(r: ParsedReport, **kw) -> bytes:
    return render_html(r, **kw)


# --- LibreOffice ---------------------------------------------------------------------------------


@functools.cache
def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_convert(data: bytes, suffix: str, to: str) -> bytes:
    """`soffice --headless --convert-to` (pdf or docx) of one document, in a private profile."""
    exe = soffice()
    if exe is None:
        raise RuntimeError(
            "LibreOffice (soffice) is needed: apt-get install libreoffice-writer-nogui"
        )
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        src = Path(tmp) / f"doc{suffix}"
        src.write_bytes(data)
        target = {"pdf": "pdf", "docx": "docx:MS Word 2007 XML"}[to]
        cmd = [exe, f"-env:UserInstallation=file://{tmp}/profile", "--headless"]
        if suffix == ".html":
            cmd.append("--infilter=HTML (StarWriter)")
        cmd += ["--convert-to", target, "--outdir", tmp, str(src)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=180)
        return (Path(tmp) / f"doc.{to}").read_bytes()


# --- Chromium -----------------------------------------------------------------------------------


@functools.cache
def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_print(page: bytes) -> bytes:
    """A portal page as a browser's "print to PDF" writes it (headless Chromium, no header/footer);
    the background-networking flags keep it off the network (closed here, and on CI)."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("Chromium is needed: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="nianbao-chromium-") as tmp:
        src, out = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        src.write_bytes(page)
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp}/profile",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        subprocess.run(cmd, check=True, capture_output=True, timeout=180)
        return out.read_bytes()


# --- pictures ------------------------------------------------------------------------------------


def png(size: tuple[int, int] = (20, 20), *, pattern: bool = False) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, "white")
    if pattern:  # a QR-like block pattern
        d = ImageDraw.Draw(img)
        step = max(1, size[0] // 21)
        for i in range(21):
            for j in range(21):
                if (i * 7 + j * 3) % 5 < 2:
                    d.rectangle(
                        [i * step, j * step, (i + 1) * step - 1, (j + 1) * step - 1], "black"
                    )
    else:
        ImageDraw.Draw(img).ellipse([2, 2, size[0] - 3, size[1] - 3], fill="red")
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def scanned_pdf(report: ParsedReport, *, file_title: str | None = None) -> bytes:
    """A 'scan': pages that are pictures of the report's text, no text layer at all."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from nianbao.samples.pdfdoc import cjk_font_path

    lines = [report.title or ""] + [s.title_raw for s in report.sections.values()]
    img = Image.new("L", (1240, 1754), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(cjk_font_path(), 36) if cjk_font_path() else None
    for i, line in enumerate(lines):
        d.text((100, 100 + i * 60), line, fill=0, font=font)
    for i in range(12):  # table rules
        d.line([(100, 700 + i * 50), (1140, 700 + i * 50)], fill=0, width=2)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    if file_title:  # what scanners and Word put in the PDF's Title: a file name
        c.setTitle(file_title)
    c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 0, 0, A4[0], A4[1])
    c.showPage()
    c.save()
    return out.getvalue()


# --- the corpus ----------------------------------------------------------------------------------


def _seeds() -> list[CorpusDoc]:
    expect = {
        "000": {"S-002", "S-003"}
    }  # 「其他需要报备的事项」; 「行政规范性文件 1 2」 (tests/unit/test_validator_seeds.py)
    out = []
    for p in sorted(SEEDS_DIR.glob("*.txt")):
        out.append(
            CorpusDoc(
                f"seed {p.stem}",
                "seed",
                p.read_bytes(),
                TEXT,
                frozenset(expect.get(p.stem[:3], ())),
            )
        )
    return out


def _clean() -> list[CorpusDoc]:
    """Consistent reports in every rendering: nothing may fire."""
    out = []
    for fmt, seed in (("2021", 1), ("2021", 2), ("2019", 3)):
        r = base(fmt, seed)
        cells = cells_of(r)
        out.append(
            CorpusDoc(f"clean {fmt}/{seed} html", "clean", html(r), HTML, agency=DEPT, cells=cells)
        )
        out.append(
            CorpusDoc(f"clean {fmt}/{seed} docx", "clean", render_docx(r), DOCX, cells=cells)
        )
        out.append(CorpusDoc(f"clean {fmt}/{seed} pdf", "clean", render_pdf(r), PDF, cells=cells))
        for style in ("cell_per_line", "tabs", "pipes", "markdown"):
            out.append(
                CorpusDoc(
                    f"clean {fmt}/{seed} text {style}",
                    "clean",
                    render_text(r, style).encode(),
                    TEXT,
                    cells=cells,
                )
            )
    return out


def _rule(
    name: str, r: ParsedReport, expect: set[str], allow: set[str] = frozenset(), **kw
) -> CorpusDoc:
    return CorpusDoc(
        f"rule {name}",
        "rule",
        html(r),
        HTML,
        frozenset(expect),
        frozenset(allow),
        source=copy.deepcopy(r),
        **kw,
    )


_PAGE_METADATA_RULES = frozenset({"M-002", "M-003"})


def other_renderings(docs: list[CorpusDoc]) -> list[CorpusDoc]:
    """The same planted defects as a PDF and as a TAB text rendition: a rule must fire (and the
    others stay silent) whatever the document was saved as."""
    out = []
    for d in docs:
        if d.source is None or d.expect & _PAGE_METADATA_RULES:
            continue  # PDF and text renditions print no 发布日期 / 来源: nothing for M-002/M-003
        for kind, data, ct in (
            ("pdf", render_pdf(d.source), PDF),
            ("text", render_text(d.source, "tabs").encode(), TEXT),
        ):
            out.append(
                CorpusDoc(
                    f"{d.name} ({kind})",
                    d.group,
                    data,
                    ct,
                    d.expect,
                    d.allow,
                    d.status,
                    agency=d.agency,
                )
            )
    return out


def _rules() -> list[CorpusDoc]:
    """One planted defect per single-document rule of §6; only that rule (and what follows from
    it, listed) may fire."""
    out = []
    T2, T3, T4 = "active_disclosure", "applications", "review_litigation"

    r = base()
    del r.sections["problems"]
    out.append(_rule("S-001 section missing", r, {"S-001"}))

    r = base()
    r.sections[
        "review_litigation"
    ].title_raw = "四、因政府信息公开工作被申请行政复议提起行政诉讼情况"
    out.append(_rule("S-002 alias title", r, {"S-002"}))

    r = base()
    for c in r.tables[T3]["denied_admin_inquiry"].values():
        c.value, c.raw = 0, "0"
    resync(r)
    page = html(r).decode()
    page = re.sub(r"<tr>(?:(?!<tr>).)*?属于行政查询事项.*?</tr>", "", page, count=1, flags=re.S)
    out.append(
        CorpusDoc("rule S-003 row missing", "rule", page.encode(), HTML, frozenset({"S-003"}))
    )

    r = base("2019", 3, year=2022)
    out.append(_rule("S-004 2019 layout in 2022", r, {"S-004"}))

    r = base()
    r.cited_notices = ["国办公开办函〔2019〕60号"]
    out.append(_rule("S-005 wrong notice", r, {"S-005"}))

    r = base()
    put(r, f"{T2}.administrative_penalty.decisions", "-5", -5)
    out.append(_rule("V-001 negative count", r, {"V-001"}, {"T2-005"}))

    r = base()
    r.tables[T3]["granted"]["total"] = Cell(raw="", kind="blank")
    out.append(_rule("V-002 blank total", r, {"V-002"}, {"T3-002", "T3-003", "T3-005"}))

    r = base()
    put(r, f"{T2}.administrative_coercion.decisions", "—")
    out.append(_rule("V-003 dash", r, {"V-003"}))

    r = base()
    put(r, f"{T2}.administrative_fees.fee_amount_wan_yuan", "3000元", 3000)
    out.append(_rule("V-004 fee in yuan", r, {"V-004"}))

    r = base()
    put(r, f"{T2}.administrative_fees.fee_amount_wan_yuan", "1.234567", 1.234567)
    out.append(_rule("V-005 fee decimals", r, {"V-005"}))

    r = base()
    put(r, f"{T2}.administrative_coercion.decisions", "见附件")
    out.append(_rule("V-006 text in cell", r, {"V-006"}))

    town = "平阳县鳌江镇人民政府"
    r = synth_report("2021", 4, agency=town)
    put(r, f"{T2}.regulations.issued", "2", 2)
    put(r, f"{T2}.regulations.repealed", "0", 0)
    put(r, f"{T2}.regulations.in_force", "2", 2)
    resync(r)
    out.append(_rule("T2-001 township 规章", r, {"T2-001"}))

    r = base()
    put(r, f"{T2}.normative_documents.issued", "10", 10)
    put(r, f"{T2}.normative_documents.repealed", "0", 0)
    put(r, f"{T2}.normative_documents.in_force", "3", 3)
    resync(r)
    out.append(_rule("T2-002 issued > in force + repealed", r, {"T2-002"}))

    r = base("2019", 3)
    put(r, f"{T2}.normative_documents.newly_published", "9", 9)
    put(r, f"{T2}.normative_documents.published_total", "4", 4)
    resync(r)
    out.append(_rule("T2-004 published > total", r, {"T2-004"}))

    r = base()
    issued = val(r, f"{T2}.normative_documents.issued")
    r.sections["overview"].text = r.sections["overview"].text.replace(
        f"全年制发行政规范性文件{issued:g}件", f"全年制发行政规范性文件{issued + 7:g}件"
    )
    out.append(_rule("T2-005 narrative vs T2", r, {"T2-005"}))

    r = synth_report("2021", 5, consistent=False, agency=DEPT)
    for cell in r.tables[T2]["regulations"].values():
        cell.value, cell.raw = 0, "0"
    out.append(
        _rule("T3-001 T4-001 identities broken", r, {"T3-001", "T4-001"}, {"T3-005", "T4-004"})
    )

    r = base()
    add(r, f"{T3}.unable_not_held.total", 2)
    out.append(_rule("T3-002 row total", r, {"T3-002"}, {"T3-003"}))

    r = base()
    add(r, f"{T3}.granted.natural_person", 1)
    add(r, f"{T3}.granted.total", 1)
    resync(r)
    out.append(_rule("T3-003 results total", r, {"T3-003"}))

    r = base()
    recv = val(r, f"{T3}.new_received.total")
    r.sections["overview"].text = r.sections["overview"].text.replace(
        f"共收到政府信息公开申请{recv:g}件", f"共收到政府信息公开申请{recv + 40:g}件"
    )
    out.append(_rule("T3-005 narrative vs T3", r, {"T3-005"}))

    r = base()
    bump(r, "other_fee_unpaid", "natural_person", 1)
    r.sections = narrative_sections(r)
    r.sections["other_matters"].text = "无其他需要报告的事项。"
    out.append(_rule("T3-006 fee notices, no fee text", r, {"T3-006", "M-007"}))

    r = base()
    for row in ("new_received", "carried_over_in"):
        for c in r.tables[T3][row].values():
            c.value, c.raw = 0, "0"
    resync(r)
    out.append(_rule("T3-007 results without applications", r, {"T3-007", "T3-001"}))

    for g, rule in (("litigation_direct", "T4-002"), ("litigation_after_review", "T4-003")):
        r = base()
        add(r, f"{T4}.{g}.total", 1)
        resync(r)
        out.append(_rule(f"{rule} litigation total", r, {rule}))

    r = base()
    review = val(r, f"{T4}.admin_review.total")
    r.sections["review_litigation"].text = r.sections["review_litigation"].text
    r.sections["overview"].text += f"\n全年共发生行政复议{review + 3:g}件。"
    out.append(_rule("T4-004 narrative vs T4", r, {"T4-004"}))

    r = base()
    for c in r.tables[T4]["admin_review"].values():
        c.value, c.raw = 0, "0"
    for k, v in (("upheld", 1), ("corrected", 0), ("other", 0), ("pending", 0), ("total", 1)):
        put(r, f"{T4}.litigation_after_review.{k}", str(v), v)
    resync(r)
    out.append(_rule("T4-005 litigation after review only", r, {"T4-005"}))

    r = base()
    page = (
        html(r)
        .decode()
        .replace(
            "统计期限自2022年1月1日起至2022年12月31日止",
            "统计期限自2021年1月1日起至2021年12月31日止",
        )
    )
    out.append(
        CorpusDoc("rule M-001 period year", "rule", page.encode(), HTML, frozenset({"M-001"}))
    )

    r = base()
    r.publish_date = "2023-03-15"
    out.append(_rule("M-002 department late", r, {"M-002"}))

    r = base()
    r.publish_date = "2022-11-20"
    out.append(_rule("M-002 published during the year", r, {"M-002"}, status="invalid"))

    r = base()
    r.page_agency = "温州市鹿城区财政局"
    out.append(_rule("M-003 other publisher", r, {"M-003"}))

    r = base()
    r.title = f"2022年度{DEPT}政府信息公开工作年度报告"
    out.append(_rule("M-004 year first", r, {"M-004"}, agency=DEPT))

    gov = "温州市鹿城区人民政府"
    r = base(agency=gov)
    r.sections["overview"].text = (
        "本报告由区政府办公室汇总区政府各部门、各街道的年度报告编制而成。\n"
        + r.sections["overview"].text
    )
    out.append(_rule("M-005 aggregate", r, {"M-005"}))

    r = base()
    r.sections["problems"].text = "无"
    out.append(_rule("M-006 problems empty", r, {"M-006"}))

    r = base()
    for col, cell in r.tables[T3]["other_fee_unpaid"].items():
        if col != "total" and cell.value:
            bump(r, "other_fee_unpaid", col, -int(cell.value))  # no fee notices: T3-006 silent
    resync(r)
    r.sections["other_matters"].text = "本年度无其他需要报告的事项。"
    out.append(_rule("M-007 no fee sentence", r, {"M-007"}))
    return out


def build() -> list[CorpusDoc]:
    """Every document of the corpus (seeds, clean renderings, one per rule, the issue's classes)."""
    from tests.findings_corpus import classes

    rules = _rules()
    return [*_seeds(), *_clean(), *rules, *other_renderings(rules), *classes.build()]


def clone(r: ParsedReport) -> ParsedReport:
    return copy.deepcopy(r)


def section(title: str, text: str) -> Section:
    return Section(title_raw=title, text=text)
