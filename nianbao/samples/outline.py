"""A report in reading order, for the renderers: title, preamble, sections, tables.

Settings read: none.
"""

from __future__ import annotations

from nianbao.samples.layout import table_layouts
from nianbao.samples.synth import intro_text
from shared.report import ParsedReport
from shared.schema import SECTION_KEYS

_TABLE_OF_SECTION = {
    "active_disclosure": "active_disclosure",
    "applications": "applications",
    "review_litigation": "review_litigation",
}


def outline(report: ParsedReport) -> list[tuple[str, object]]:
    """The report in reading order: ("title"|"para"|"heading", text) and ("table", layout)."""
    layouts = table_layouts(report) if report.format_version in ("2021", "2019") else {}
    out: list[tuple[str, object]] = [("title", report.title or "")]
    if report.report_year:
        out.append(("para", intro_text(report)))
    for key in SECTION_KEYS:
        section = report.sections.get(key)
        if section is not None:
            out.append(("heading", section.title_raw))
            out.extend(("para", line) for line in narrative_lines(key, section.text))
        table = _TABLE_OF_SECTION.get(key)
        if table in layouts:
            out.append(("table", layouts[table]))
    return out


_TABLE_START = ("第二十条", "信息内容", "（本列数据", "(本列数据", "申请人情况", "行政复议", "|")


def narrative_lines(section_key: str, text: str) -> list[str]:
    """The running text of a section, without a linearised copy of its table.

    Parsed reports keep each section's raw text, which for 二/三/四 includes the table as the
    source linearised it; the renderers draw the table from the cells instead.
    """
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if section_key in _TABLE_OF_SECTION and ("\t" in line or stripped.startswith(_TABLE_START)):
            break
        if stripped:
            lines.append(stripped)
    return lines
