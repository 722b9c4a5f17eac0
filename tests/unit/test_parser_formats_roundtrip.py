"""Every way a report is published parses to the same tables.

Each seed is parsed from its text, rendered into a portal page (chrome, merged cells), GBK pages
(declared and undeclared), DOCX, PDF and XLSX, and parsed again: values and kinds must match the
text parse. Same for synthetic 2019 and 2021 reports with non-zero numbers, against the numbers
they were made from. A cell `missing` in the source is drawn as an empty cell (a rendered table
has every position), so it comes back `blank`; that is the one allowed difference.
"""

from __future__ import annotations

import pytest

from nianbao.samples.render import (
    TEXT_STYLES,
    cjk_font_path,
    render_docx,
    render_html,
    render_pdf,
    render_text,
    render_xlsx,
)
from nianbao.samples.synth import synth_report
from services.parser import parse

RENDERINGS = {
    "html": lambda r: render_html(r),
    "html-gbk-declared": lambda r: render_html(r, encoding="gbk", declared="gb2312"),
    "html-gbk-undeclared": lambda r: render_html(r, encoding="gbk", declared=None),
    "html-gbk-declared-utf8": lambda r: render_html(r, encoding="gbk", declared="utf-8"),
    "docx": render_docx,
    "pdf": render_pdf,
    "xlsx": render_xlsx,
}


def _cells(report) -> dict[str, tuple]:
    out = {}
    for table, rows in report.tables.items():
        for row, cols in (rows or {}).items():
            for col, cell in cols.items():
                out[f"{table}.{row}.{col}"] = (cell.value, cell.kind)
    return out


def _assert_same_tables(expected, got, *, keeps_missing: bool = False) -> None:
    """Same cells; a missing value comes back blank from the renderings that cannot draw a short
    row (DOCX, PDF and XLSX grids are rectangular), and missing from those that can (HTML)."""
    assert got.format_version == expected.format_version
    want = {
        k: ((None, "blank") if v == (None, "missing") and not keeps_missing else v)
        for k, v in _cells(expected).items()
    }
    have = _cells(got)
    assert len(have) == len(want)
    diffs = {k: (want[k], have.get(k)) for k in want if have.get(k) != want[k]}
    assert diffs == {}


def _skip_pdf_without_font(kind: str) -> None:
    if kind == "pdf" and cjk_font_path() is None:
        pytest.skip("PDF rendering needs a CJK font (Debian fonts-wqy-zenhei)")


@pytest.fixture(scope="module")
def seed_reports(seeds):
    return {name: parse(data, content_type="text/plain") for name, data in seeds.items()}


@pytest.mark.parametrize("kind", sorted(RENDERINGS))
@pytest.mark.parametrize("seed", range(5))
def test_seed_rendered_as_kind_parses_to_the_same_tables(seed_reports, seed, kind):
    _skip_pdf_without_font(kind)
    name = sorted(seed_reports)[seed]
    expected = seed_reports[name]
    got = parse(RENDERINGS[kind](expected), source_url=f"http://example.gov.cn/{name}")
    _assert_same_tables(expected, got, keeps_missing=kind.startswith("html"))
    assert got.report_year == expected.report_year


@pytest.mark.parametrize("kind", sorted(RENDERINGS) + [f"text-{s}" for s in TEXT_STYLES])
@pytest.mark.parametrize("fmt", ["2021", "2019"])
def test_synthetic_report_rendered_as_kind_parses_to_its_own_numbers(fmt, kind):
    _skip_pdf_without_font(kind)
    report = synth_report(fmt, 21)
    if kind.startswith("text-"):
        data = render_text(report, kind.removeprefix("text-")).encode("utf-8")
    else:
        data = RENDERINGS[kind](report)
    got = parse(data)
    _assert_same_tables(report, got)
    assert (got.report_year, got.title) == (report.report_year, report.title)
    assert got.content_type == ("text" if kind.startswith("text-") else kind.split("-")[0])
