"""Synthetic but plausible annual reports, for tests, benchmarks and the sample portal.

`synth_report("2021", seed)` returns a `ParsedReport` whose tables are non-zero and satisfy every
arithmetic rule of report-format.md §6 (T3 row totals T3-002, column 勾稽 T3-001, result totals
T3-003; T4 totals T4-001..003; T2 issued ≤ in_force + repealed T2-002; 2019 T2-004), with
section texts whose narrative numbers match the tables (T2-005, T3-005, T4-004).

`consistent=False` breaks exactly two identities, on purpose and nowhere else:
- T3-001 in columns `natural_person` and `total` (new_received is one higher; row totals still hold),
- T4-001 (admin_review.total is one higher than its parts).

Same seed → same report (the RNG is `random.Random(rng_seed)`; no clock). Settings read: none.
"""

from __future__ import annotations

import random

from shared.report import Cell, ParsedReport, Section, StatPeriod
from shared.schema import SCHEMAS, SECTION_TITLES, T3_COLS, T4_COLS, T4_GROUPS

AGENCIES = (
    "温州市鹿城区经济和信息化局",
    "卫辉市人民政府",
    "长沙市岳麓区教育局",
    "成都市武侯区市场监督管理局",
    "杭州市西湖区人民政府北山街道办事处",
    "南宁市青秀区人力资源和社会保障局",
    "济南市历下区住房和城乡建设局",
    "苏州市姑苏区民政局",
)
NOTICES = {"2021": "国办公开办函〔2021〕30号", "2019": "国办公开办函〔2019〕60号"}
_SECTION_NUM = "一二三四五六"
_PERSON_COLS = [c.key for c in T3_COLS if c.key != "total"]


def num(value: int | float, raw: str | None = None) -> Cell:
    return Cell(value=value, raw=raw if raw is not None else str(value), kind="number")


def _t3(schema, rng: random.Random, consistent: bool) -> dict[str, dict[str, Cell]]:
    result_keys = [
        r.key
        for r in schema.t3_rows
        if r.key not in ("new_received", "carried_over_in", "results_total", "carried_over_out")
    ]
    # Natural persons file most applications; most rows are small and many are zero.
    weight = {
        "natural_person": 1.0,
        "commercial_enterprise": 0.4,
        "research_institution": 0.1,
        "public_welfare_org": 0.1,
        "legal_service_org": 0.2,
        "other_org": 0.15,
    }
    values: dict[str, dict[str, int]] = {}
    for col in _PERSON_COLS:
        w = weight[col]
        col_vals = {}
        for key in result_keys:
            base = (
                30
                if key in ("granted",)
                else 8
                if key in ("partially_granted", "unable_not_held")
                else 2
            )
            col_vals[key] = (
                rng.randint(0, max(1, int(base * w * rng.uniform(0.5, 1.5))))
                if rng.random() < 0.7
                else 0
            )
        col_vals["results_total"] = sum(col_vals[k] for k in result_keys)
        col_vals["carried_over_out"] = rng.randint(0, max(1, int(4 * w)))
        available = col_vals["results_total"] + col_vals["carried_over_out"]
        col_vals["carried_over_in"] = rng.randint(0, min(available, max(1, int(5 * w))))
        col_vals["new_received"] = available - col_vals["carried_over_in"]
        values[col] = col_vals
    # Make sure the headline numbers are non-zero whatever the dice said.
    if values["natural_person"]["granted"] == 0:
        values["natural_person"]["granted"] = 3
        values["natural_person"]["results_total"] += 3
        values["natural_person"]["new_received"] += 3
    if not consistent:
        values["natural_person"]["new_received"] += 1
    table: dict[str, dict[str, Cell]] = {}
    for row in schema.t3_rows:
        cells = {col: num(values[col][row.key]) for col in _PERSON_COLS}
        cells["total"] = num(sum(values[col][row.key] for col in _PERSON_COLS))
        table[row.key] = cells
    return table


def _t4(rng: random.Random, consistent: bool) -> dict[str, dict[str, Cell]]:
    table = {}
    for g, scale in zip(T4_GROUPS, (5, 3, 2), strict=True):
        parts = {c.key: rng.randint(0, scale) for c in T4_COLS if c.key != "total"}
        if g.key == "admin_review" and sum(parts.values()) == 0:
            parts["upheld"] = 1
        total = sum(parts.values()) + (0 if consistent or g.key != "admin_review" else 1)
        table[g.key] = {**{k: num(v) for k, v in parts.items()}, "total": num(total)}
    return table


def _t2(fmt: str, rng: random.Random) -> dict[str, dict[str, Cell]]:
    table: dict[str, dict[str, Cell]] = {}
    if fmt == "2021":
        for key, scale in (("regulations", 2), ("normative_documents", 12)):
            issued, repealed = rng.randint(1, scale), rng.randint(0, scale)
            in_force = issued + rng.randint(0, scale * 4)  # issued ≤ in_force + repealed
            table[key] = {
                "issued": num(issued),
                "repealed": num(repealed),
                "in_force": num(in_force),
            }
        for key, scale in (
            ("administrative_licensing", 400),
            ("administrative_penalty", 120),
            ("administrative_coercion", 15),
        ):
            table[key] = {"decisions": num(rng.randint(1, scale))}
        cents = rng.randint(1, 5_000_000)  # 0.0001 万元 steps, up to 500 万元
        raw = f"{cents / 10000:.4f}"
        table["administrative_fees"] = {"fee_amount_wan_yuan": num(float(raw), raw)}
        return table
    for key, scale in (("regulations", 3), ("normative_documents", 15)):
        made = rng.randint(1, scale)
        published = rng.randint(0, made)
        table[key] = {
            "newly_made": num(made),
            "newly_published": num(published),
            "published_total": num(published + rng.randint(0, scale * 5)),  # T2-004
        }
    for key, scale in (
        ("administrative_licensing", 60),
        ("other_external_services", 30),
        ("administrative_penalty", 40),
        ("administrative_coercion", 8),
    ):
        prev = rng.randint(1, scale)
        change = rng.randint(-min(prev, 5), 5)  # prev + change ≥ 0 (T2-004)
        table[key] = {
            "items_prev_year": num(prev),
            "items_change": num(change, f"{change:+d}" if change else "0"),
            "decisions": num(rng.randint(1, scale * 10)),
        }
    prev = rng.randint(1, 10)
    change = rng.randint(-min(prev, 2), 2)
    table["administrative_fees"] = {
        "items_prev_year": num(prev),
        "items_change": num(change, f"{change:+d}" if change else "0"),
    }
    table["centralized_procurement"] = {
        "procurement_projects": num(rng.randint(1, 20)),
        "procurement_amount": num(rng.randint(1, 900) * 1000),
    }
    return table


def _sections(fmt: str, agency: str, year: int, tables: dict) -> dict[str, Section]:
    t2, t3, t4 = tables["active_disclosure"], tables["applications"], tables["review_litigation"]
    v = lambda t, r, c: t[r][c].value  # noqa: E731
    if fmt == "2021":
        t2_line = (
            f"全年制发行政规范性文件{v(t2, 'normative_documents', 'issued')}件，"
            f"废止{v(t2, 'normative_documents', 'repealed')}件，"
            f"现行有效{v(t2, 'normative_documents', 'in_force')}件；"
            f"公开行政许可处理决定{v(t2, 'administrative_licensing', 'decisions')}件，"
            f"行政处罚决定{v(t2, 'administrative_penalty', 'decisions')}件。"
        )
    else:
        t2_line = (
            f"全年新制作规范性文件{v(t2, 'normative_documents', 'newly_made')}件，"
            f"新公开{v(t2, 'normative_documents', 'newly_published')}件；"
            f"公开行政处罚决定{v(t2, 'administrative_penalty', 'decisions')}件。"
        )
    review = v(t4, "admin_review", "total")
    litigation = v(t4, "litigation_direct", "total") + v(t4, "litigation_after_review", "total")
    texts = {
        "overview": (
            f"{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
            f"持续推进政务公开标准化规范化建设。\n（一）主动公开。{t2_line}\n"
            f"（二）依申请公开。全年共收到政府信息公开申请{v(t3, 'new_received', 'total')}件，"
            f"上年结转{v(t3, 'carried_over_in', 'total')}件，办结{v(t3, 'results_total', 'total')}件，"
            f"其中予以公开{v(t3, 'granted', 'total')}件，部分公开{v(t3, 'partially_granted', 'total')}件，"
            f"结转下年度继续办理{v(t3, 'carried_over_out', 'total')}件。\n"
            "（三）政府信息管理。严格落实公开前保密审查，动态调整主动公开目录。\n"
            "（四）平台建设。优化政府网站信息公开专栏，规范栏目设置。\n"
            "（五）监督保障。将政务公开纳入年度绩效考核，开展业务培训2次。"
        ),
        "active_disclosure": "该部分以表格形式报告。表格如下：",
        "applications": "该部分以表格形式报告。表格如下：",
        "review_litigation": (
            f"全年因政府信息公开工作被申请行政复议{review}件，提起行政诉讼{litigation}件。表格如下："
        ),
        "problems": (
            "一是公开内容的全面性有待提高；二是政策解读形式较为单一。下一步将加强业务培训，"
            "丰富解读形式，提升公开质量。"
        ),
        "other_matters": (
            f"依据《政府信息公开信息处理费管理办法》，{year}年本机关未收取信息处理费。"
        ),
    }
    problems_title = (
        "存在的主要问题及改进情况" if fmt == "2021" else "政府信息公开工作存在的主要问题及改进情况"
    )
    out = {}
    for i, key in enumerate(texts):
        title = problems_title if key == "problems" else SECTION_TITLES[key][0]
        out[key] = Section(
            title_raw=f"{_SECTION_NUM[i]}、{title}",
            text=texts[key],
            title_canonical=SECTION_TITLES[key][0],
            alias=title != SECTION_TITLES[key][0] and fmt == "2021",
        )
    return out


def synth_report(
    fmt: str,
    rng_seed: int,
    *,
    consistent: bool = True,
    agency: str | None = None,
    year: int | None = None,
) -> ParsedReport:
    """A plausible report in format `fmt` ("2021" or "2019"), reproducible from `rng_seed`.

    Args:
        fmt: "2021" or "2019".
        rng_seed: seed of the private RNG; same seed, same report.
        consistent: False breaks T3-001 (natural_person, total) and T4-001, nothing else.
        agency: the reporting agency; default picked from `AGENCIES` by the seed.
        year: the report year; default 2022 for 2021 format, 2020 for 2019 format.
    """
    if fmt not in ("2021", "2019"):
        raise ValueError(f"synth_report makes 2021 or 2019 format reports, not {fmt!r}")
    rng = random.Random(rng_seed)
    schema = SCHEMAS[fmt]
    agency = agency or rng.choice(AGENCIES)
    year = year or (2022 if fmt == "2021" else 2020)
    tables = {
        "active_disclosure": _t2(fmt, rng),
        "applications": _t3(schema, rng, consistent),
        "review_litigation": _t4(rng, consistent),
    }
    return ParsedReport(
        format_version=fmt,  # type: ignore[arg-type]
        report_year=year,
        agency_name=agency,
        title=f"{agency}{year}年政府信息公开工作年度报告",
        tables=tables,
        sections=_sections(fmt, agency, year, tables),
        stat_period=StatPeriod(f"{year}-01-01", f"{year}-12-31"),
        publish_date=f"{year + 1}-01-{rng.randint(10, 28):02d}",
        page_agency=agency,
        cited_notices=[NOTICES[fmt]],
    )


def narrative_sections(report: ParsedReport) -> dict[str, Section]:
    """The six sections of `report` written from its tables as they are now (after a test changed
    a cell, the narrative follows the table again)."""
    return _sections(
        report.format_version,
        report.agency_name or "",
        report.report_year or 0,
        report.tables,
    )


def intro_text(report: ParsedReport) -> str:
    """The preamble paragraph a renderer prints before section 一 (cites the notice, states the period)."""
    year = report.report_year
    notice = (
        report.cited_notices[0] if report.cited_notices else NOTICES.get(report.format_version, "")
    )
    return (
        f"本报告根据《中华人民共和国政府信息公开条例》和国务院办公厅政府信息与政务公开办公室有关通知（{notice}）要求编制。"
        f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        "如对本报告有疑问，请与本机关办公室联系。"
    )
