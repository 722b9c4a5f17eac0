"""Validated events and cells built for the search-store tests."""

from __future__ import annotations

from shared.events import DocFetched, DocRef, DocValidated
from shared.report import Cell, Finding, ParsedReport, Section

AGENCY = "温州市鹿城区经济和信息化局"


def cell(value, kind="number", raw=None) -> Cell:
    return Cell(value=value, raw=str(value) if raw is None else raw, kind=kind)


def event(
    doc: str = "doc-a",
    *,
    version: str = "v1",
    year: int = 2021,
    agency: str = AGENCY,
    new_received: Cell | None = None,
    fee: Cell | None = None,
    text: str = "今年以来，本局加强行政许可信息公开，依申请公开工作规范有序。",
    findings: list[Finding] | None = None,
    status: str = "valid",
    parser_version: str = "p1",
    validator_version: str = "v1",
    fetched_at: float = 1700000000.0,
    level: str = "county",
    fmt: str = "2021",
) -> DocValidated:
    ref = DocRef(
        doc_id=doc,
        version=version,
        portal="sample",
        url=f"http://example.gov.cn/{doc}",
        object_key=f"raw/{version}",
    )
    report = ParsedReport(
        format_version=fmt,
        report_year=year,
        agency_name=agency,
        title=f"{agency}{year}年政府信息公开工作年度报告",
        tables={
            "applications": {
                "new_received": {
                    "total": new_received or cell(3),
                    "natural_person": cell(None, kind="blank", raw=""),
                }
            },
            "active_disclosure": {"administrative_fees": {"fee_amount_wan_yuan": fee or cell(0.1)}},
            "review_litigation": None,
        },
        sections={
            "overview": Section(title_raw="一、总体情况", text=text, title_canonical="总体情况")
        },
        publish_date=f"{year + 1}-01-20",
    )
    return DocValidated(
        ref=ref,
        report=report,
        findings=findings if findings is not None else [],
        status=status,
        parser_version=parser_version,
        validator_version=validator_version,
        fetched=DocFetched(
            ref=ref,
            size=1,
            agency=agency,
            division_code="330302",
            level=level,
            fetched_at=fetched_at,
        ),
    )


T3_ERROR = Finding(
    rule="T3-001",
    severity="error",
    message="总计不等于各项之和",
    cells=["applications.results_total.total"],
)
