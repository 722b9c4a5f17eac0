"""O-001: a table identity that fails on OCR'd cells is an OCR suspect, not the document's error.

On a report read by OCR (`source_modality == "ocr"`), a T3/T4 arithmetic error (T3-001…003,
T4-001…003) whose cells include OCR'd ones (cells with `evidence.kind == "ocr"`) is far more
likely a digit misread than an arithmetic error in the document: it is reported as O-001 (its
own rule id, warning) naming the same cells and the identity it broke, instead of the error.
A report read from a text layer keeps its arithmetic errors as they are.
Settings read: none.
"""

from __future__ import annotations

from services.validator.rules import finding
from shared.report import Finding, ParsedReport

ARITHMETIC = frozenset({"T3-001", "T3-002", "T3-003", "T4-001", "T4-002", "T4-003"})


def _ocr_cells(report: ParsedReport) -> set[str]:
    out = set()
    for table, rows in report.tables.items():
        for row, cols in (rows or {}).items():
            for col, cell in cols.items():
                if cell.evidence is not None and cell.evidence.kind == "ocr":
                    out.add(f"{table}.{row}.{col}")
    return out


def reclassify(report: ParsedReport, findings: list[Finding]) -> list[Finding]:
    """`findings` with arithmetic errors on OCR'd cells turned into O-001 OCR suspects."""
    if report.source_modality != "ocr":
        return findings
    ocr = _ocr_cells(report)
    out = []
    for f in findings:
        if f.rule in ARITHMETIC and ocr.intersection(f.cells):
            out.append(
                finding(
                    "O-001",
                    f"OCR suspect: {f.rule} fails on OCR'd cells, a digit is likely misread"
                    f" ({f.message})",
                    f.cells,
                    tags=["ocr_suspect", f"identity={f.rule}"],
                )
            )
        else:
            out.append(f)
    return out
