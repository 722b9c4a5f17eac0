"""Test reports for the validator: start from an all-consistent report, then break one thing.

    r = consistent_report("2021")          # validate(r) == []
    put(r, "applications.granted.total", 15)
    blank(r, "applications.granted.total")
    put(r, "review_litigation.admin_review.total", kind="text", raw="见附件")

Numbers are small and non-zero so every identity of §6 is exercised; the narrative in 一、总体情况
states numbers that match the tables. `seed_report(name)` rebuilds the five seed reports by hand
as the parser reads them (all-zero tables, with the seeds' quirks).
"""

from __future__ import annotations

import copy

from shared.report import Cell, ParsedReport, ParseNote, Section, StatPeriod
from shared.schema import SCHEMAS, SECTION_KEYS, SECTION_TITLES

T3_PARTS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "public_welfare_org",
    "legal_service_org",
    "other_org",
)

# row → the six applicant columns (totals are derived)
T3_ROWS_2021 = {
    "new_received": (20, 4, 0, 1, 2, 1),
    "carried_over_in": (2, 1, 0, 0, 0, 0),
    "granted": (10, 2, 0, 1, 1, 0),
    "partially_granted": (2, 0, 0, 0, 0, 0),
    "denied_third_party_rights": (1, 0, 0, 0, 0, 0),
    "unable_not_held": (4, 1, 0, 0, 1, 0),
    "not_processed_repeat": (1, 0, 0, 0, 0, 0),
    "other_other": (1, 0, 0, 0, 0, 1),
}
T4_GROUPS = {
    "admin_review": (1, 0, 0, 1),
    "litigation_direct": (1, 0, 0, 0),
    "litigation_after_review": (0, 0, 0, 0),
}
T2_2021 = {
    "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
    "normative_documents": {"issued": 3, "repealed": 1, "in_force": 12},
    "administrative_licensing": {"decisions": 120},
    "administrative_penalty": {"decisions": 8},
    "administrative_coercion": {"decisions": 2},
    "administrative_fees": {"fee_amount_wan_yuan": 1.5},
}
T2_2019 = {
    "regulations": {"newly_made": 0, "newly_published": 0, "published_total": 0},
    "normative_documents": {"newly_made": 3, "newly_published": 3, "published_total": 10},
    "administrative_licensing": {"items_prev_year": 50, "items_change": -2, "decisions": 120},
    "other_external_services": {"items_prev_year": 10, "items_change": 1, "decisions": 20},
    "administrative_penalty": {"items_prev_year": 30, "items_change": 0, "decisions": 8},
    "administrative_coercion": {"items_prev_year": 5, "items_change": 0, "decisions": 2},
    "administrative_fees": {"items_prev_year": 4, "items_change": 0},
    "centralized_procurement": {"procurement_projects": 2, "procurement_amount": 251000},
}

OVERVIEW = (
    "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
    "全面推进决策、执行、管理、服务、结果公开。全年制发行政规范性文件3件，办理行政许可120件。"
    "全年收到政府信息公开申请28件，予以公开14件。"
    "本年度发生政府信息公开行政复议2件。"
)
PROBLEMS = (
    "一是政府信息公开的主动性有待加强，部分栏目更新不够及时；二是政策解读形式较为单一。"
    "下一步将健全信息发布审核机制，丰富解读形式，提升公开质量。"
)
OTHER_2021 = "本年度未收取信息处理费。"
OTHER_2019 = "无其他需要报告的事项。"


def num(
    v: int | float, raw: str | None = None, unit: str | None = None, note: str | None = None
) -> Cell:
    return Cell(
        value=v, raw=raw if raw is not None else str(v), kind="number", unit=unit, note=note
    )


def zero_tables(fmt: str) -> dict[str, dict[str, dict[str, Cell]]]:
    s = SCHEMAS[fmt]
    t2: dict[str, dict[str, Cell]] = {}
    for r, c, _ in s.t2_cells():
        t2.setdefault(r, {})[c] = num(0)
    t3 = {r.key: {c.key: num(0) for c in s.t3_cols} for r in s.t3_rows}
    t4 = {g.key: {c.key: num(0) for c in s.t4_cols} for g in s.t4_groups}
    return {"active_disclosure": t2, "applications": t3, "review_litigation": t4}


def _t3(fmt: str) -> dict[str, dict[str, Cell]]:
    rows = dict(T3_ROWS_2021)
    if fmt == "2019":
        rows["other_handling"] = rows.pop("other_other")
    t = zero_tables(fmt)["applications"]
    for r, vals in rows.items():
        for c, v in zip(T3_PARTS, vals, strict=True):
            t[r][c] = num(v)
    results = [
        r
        for r in t
        if r not in ("new_received", "carried_over_in", "results_total", "carried_over_out")
    ]
    for c in T3_PARTS:
        res = sum(t[r][c].value for r in results)
        t["results_total"][c] = num(res)
        t["carried_over_out"][c] = num(
            t["new_received"][c].value + t["carried_over_in"][c].value - res
        )
    for r in t:
        t[r]["total"] = num(sum(t[r][c].value for c in T3_PARTS))
    return t


def _t4() -> dict[str, dict[str, Cell]]:
    out = {}
    for g, (u, co, o, p) in T4_GROUPS.items():
        out[g] = {
            "upheld": num(u),
            "corrected": num(co),
            "other": num(o),
            "pending": num(p),
            "total": num(u + co + o + p),
        }
    return out


def sections(fmt: str, **texts: str) -> dict[str, Section]:
    titles = dict((k, v[0]) for k, v in SECTION_TITLES.items())
    if fmt == "2019":
        titles["problems"] = "政府信息公开工作存在的主要问题及改进情况"
    body = {
        "overview": OVERVIEW,
        "problems": PROBLEMS,
        "other_matters": OTHER_2021 if fmt == "2021" else OTHER_2019,
    }
    body.update(texts)
    return {
        k: Section(
            title_raw=f"{n}、{titles[k]}",
            text=body.get(k, "（表格）"),
            title_canonical=SECTION_TITLES[k][0],
        )
        for n, k in zip("一二三四五六", SECTION_KEYS, strict=True)
    }


def consistent_report(
    fmt: str = "2021",
    *,
    year: int | None = None,
    agency: str = "温州市鹿城区财政局",
    publish_date: str | None = None,
) -> ParsedReport:
    """An all-consistent report: `validate()` finds nothing."""
    year = year or (2021 if fmt == "2021" else 2020)
    tables = zero_tables(fmt)
    for row, cols in (T2_2021 if fmt == "2021" else T2_2019).items():
        for c, v in cols.items():
            tables["active_disclosure"][row][c] = num(v)
    tables["applications"] = _t3(fmt)
    tables["review_litigation"] = _t4()
    return ParsedReport(
        format_version=fmt,  # type: ignore[arg-type]
        report_year=year,
        agency_name=agency,
        title=f"{agency}{year}年政府信息公开工作年度报告",
        tables=tables,  # type: ignore[arg-type]
        sections=sections(fmt),
        stat_period=StatPeriod(f"{year}-01-01", f"{year}-12-31"),
        publish_date=publish_date or f"{year + 1}-01-20",
        cited_notices=["国办公开办函〔2021〕30号" if fmt == "2021" else "国办公开办函〔2019〕60号"],
    )


def _split(path: str) -> tuple[str, str, str]:
    t, r, c = path.split(".")
    return t, r, c


def put(
    report: ParsedReport, path: str, value: int | float | None = None, **cell: object
) -> ParsedReport:
    """Set one cell: `put(r, path, 5)` a number; `put(r, path, kind="blank", raw="")` anything else."""
    t, r, c = _split(path)
    if value is not None:
        report.tables[t][r][c] = num(value, **cell)  # type: ignore[arg-type, index]
    else:
        report.tables[t][r][c] = Cell(**cell)  # type: ignore[arg-type, index]
    return report


def blank(report: ParsedReport, *paths: str) -> ParsedReport:
    for p in paths:
        put(report, p, kind="blank", raw="")
    return report


def get(report: ParsedReport, path: str) -> Cell:
    t, r, c = _split(path)
    return report.tables[t][r][c]  # type: ignore[index]


def clone(report: ParsedReport) -> ParsedReport:
    return copy.deepcopy(report)


def rules_of(findings) -> list[str]:
    return sorted(f.rule for f in findings)


# --- the five seeds as the parser reads them ----------------------------------------------------------

SEED_META = {
    "000_bac61c4872424ad3.txt": ("温州市鹿城区经济和信息化局", 2021, True),
    "001_de27d4d4802e9364.txt": ("卫辉市科技和工业信息化局", 2021, False),
    "002_096eb810ffb81dcc.txt": ("宁波市镇海区经济和信息化局", 2021, False),
    "003_fd629941e7a907e0.txt": ("临淄区工业和信息化局", 2021, True),
    "004_12a69261f9476b84.txt": ("钱塘区经济信息化和科学技术局", 2022, True),
}


def seed_report(name: str) -> ParsedReport:
    """A seed as `services.parser.parse` reads it: zero 2021 tables plus the seed's own quirks."""
    agency, year, period = SEED_META[name]
    title_year = "2021年度" if name.startswith("002") else f"{year}年"
    r = ParsedReport(
        format_version="2021",
        report_year=year,
        agency_name=agency,
        title=f"{agency}{title_year}政府信息公开工作年度报告",
        tables=zero_tables("2021"),  # type: ignore[arg-type]
        sections=sections(
            "2021", overview="（总体情况）", other_matters="本年度未收取信息处理费。"
        ),
        stat_period=StatPeriod(f"{year}-01-01", f"{year}-12-31") if period else None,
        cited_notices=["国办公开办函〔2021〕30号"] if name[:3] in ("000", "003") else [],
    )
    if name.startswith("000"):
        put(r, "active_disclosure.normative_documents.issued", 1)
        put(r, "active_disclosure.normative_documents.repealed", 2)
        put(
            r,
            "active_disclosure.normative_documents.in_force",
            kind="missing",
            note="row has fewer values than columns",
        )
        r.notes.append(
            ParseNote(
                "unsure_cell",
                "active_disclosure.normative_documents: 2 of 3 values found; the rest are missing",
                ["active_disclosure.normative_documents.in_force"],
            )
        )
        r.sections["other_matters"] = Section(
            "六、其他需要报备的事项",
            "本年度本机关未收取政府信息公开处理费，无其他需要报告的事项。",
            "其他需要报告的事项",
            alias=True,
        )
    if name.startswith("002"):
        put(r, "active_disclosure.normative_documents.in_force", 1)
    if name.startswith("004"):
        r.publish_date = "2023-01-28"
        r.page_agency = "区经济信息化和科学技术局"
    return r
