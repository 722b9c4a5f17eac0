"""Parse and validate every corpus document; score the findings against the annotations.

Per rule: a true positive is a document where the rule fires and is expected, a false alarm one
where it fires and is neither expected nor allowed, a miss one where it is expected and silent.
Precision = TP / (TP + FP), recall = TP / (TP + FN), counted per (document, rule). Error-severity
false alarms are counted apart (a journalist must never read "invalid" on our word when it is
not). Documents also check what the parser read: the agency name, the cells (a wrong number is a
defect; an unread one is only allowed where the document says so) and the refusal of pictures.
Settings read: the validator's (shared.config.load()).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tests.findings_corpus.builder import CorpusDoc


@dataclass
class RuleScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Score:
    rules: dict[str, RuleScore] = field(default_factory=lambda: defaultdict(RuleScore))
    error_false_alarms: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)  # wrong cell, agency, status or acceptance
    documents: int = 0

    @property
    def overall(self) -> RuleScore:
        s = RuleScore()
        for r in self.rules.values():
            s.tp, s.fp, s.fn = s.tp + r.tp, s.fp + r.fp, s.fn + r.fn
        return s


def run_one(doc: CorpusDoc):
    """(report or None, findings, status) of one document, as `nianbao validate` computes them."""
    from services.parser.api import parse
    from services.validator import validate
    from shared.errors import NianbaoError
    from shared.report import status_of

    try:
        report = parse(doc.data, content_type=doc.content_type)
    except NianbaoError:
        return None, [], "not_a_report"
    findings = validate(report, agency_level=doc.agency_level, agency_kind=doc.agency_kind)
    return report, findings, status_of(findings, report)


def score(docs: list[CorpusDoc]) -> Score:
    s = Score()
    for doc in docs:
        s.documents += 1
        report, findings, status = run_one(doc)
        if doc.not_report:
            if report is not None:
                s.wrong.append(f"{doc.name}: parsed as a report ({status})")
            continue
        if report is None:
            s.wrong.append(f"{doc.name}: refused as not a report")
            s.misses += [f"{doc.name}: {r}" for r in sorted(doc.expect)]
            for r in doc.expect:
                s.rules[r].fn += 1
            continue
        fired: dict[str, list] = defaultdict(list)
        for f in findings:
            fired[f.rule].append(f)
        for rule, fs in fired.items():
            if rule in doc.expect:
                s.rules[rule].tp += 1
            elif rule not in doc.allow:
                s.rules[rule].fp += 1
                s.false_alarms.append(f"{doc.name}: {rule} {fs[0].message[:160]}")
                if any(f.severity == "error" for f in fs):
                    s.error_false_alarms.append(f"{doc.name}: {rule} {fs[0].message[:160]}")
        for rule in doc.expect - set(fired):
            s.rules[rule].fn += 1
            s.misses.append(f"{doc.name}: {rule}")
        if doc.status and status != doc.status:
            s.wrong.append(f"{doc.name}: status {status}, expected {doc.status}")
        if doc.agency is not None and (report.agency_name or "") != doc.agency:
            s.wrong.append(
                f"{doc.name}: agency_name {report.agency_name!r}, expected {doc.agency!r}"
            )
        for path, want in doc.cells.items():
            table, row, col = path.split(".")
            cell = ((report.tables.get(table) or {}).get(row) or {}).get(col)
            got = cell.value if cell is not None else None
            if got is None and doc.lenient:
                continue
            if got is None or abs(got - want) > 1e-9 if want is not None else got is not None:
                s.wrong.append(f"{doc.name}: {path} = {got!r}, expected {want!r}")
    return s


def table(s: Score) -> str:
    """Precision and recall per rule, as `python -m bench bench_findings` prints them."""

    def pct(x: float | None) -> str:
        return "   -  " if x is None else f"{100 * x:5.1f}%"

    lines = [f"{'rule':8} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}"]
    for rule in sorted(s.rules):
        r = s.rules[rule]
        lines.append(
            f"{rule:8} {r.tp:4d} {r.fp:4d} {r.fn:4d} {pct(r.precision):>10} {pct(r.recall):>8}"
        )
    o = s.overall
    lines.append(
        f"{'overall':8} {o.tp:4d} {o.fp:4d} {o.fn:4d} {pct(o.precision):>10} {pct(o.recall):>8}"
    )
    lines.append(
        f"documents {s.documents}; error-severity false alarms {len(s.error_false_alarms)}; "
        f"wrong values/metadata/status {len(s.wrong)}"
    )
    return "\n".join(lines)
