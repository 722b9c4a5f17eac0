"""Validator findings snapshot, for before/after comparisons of validator changes that must not
change a single finding (rule, severity, message, cells, tags, order).

Validates, and writes one JSON object {case: [findings as dicts]} to the given path:
- the five seeds, parsed;
- synthetic reports (`nianbao.samples.synth.synth_report`), 2019 and 2021, consistent and not;
- the same synthetic reports with cells broken on purpose (blank, NA, text, unreadable, missing,
  fractional, negative, absent, an extra 其他处理 cell): the slow paths of the sums
  (`due_to_blank`, unknown cells) that consistent reports never reach;
- the same synthetic reports with the document broken (`_break_document`: intake or outcomes
  zeroed, a section dropped or emptied, year / dates / title / agency / notices / fee text
  changed), so the S, M, T3-006/007, T4-005 and V-004/005 rules fire too;
- the first N reports of `bench.bench_pipeline.generate` (the end-to-end benchmark's input, parsed
  as it is there: content type text/plain, no URL; random numbers, so most identities fail);
- `validate_pair` on consecutive reports of each group (the earlier one moved to the year before,
  so T2-003 / T3-004 are evaluated) and `compare_documents` on the same pairs.

    .venv/bin/python -m bench.validator_snapshot /tmp/vs_before.json          # on the old code
    .venv/bin/python -m bench.validator_snapshot /tmp/vs_after.json           # on the new code
    .venv/bin/python -m bench.validator_snapshot --compare /tmp/vs_before.json /tmp/vs_after.json

`--bench N` sets how many benchmark reports are included (default 600). `--inputs FILE` keeps the
parsed inputs in FILE (msgpack; written when absent, read when present), so a parser change made
meanwhile by someone else cannot show up as a validator difference. `--compare` prints the
differing cases and exits 1 when there is any.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from pathlib import Path

import msgspec

SEEDS = Path(__file__).resolve().parent.parent / "nianbao" / "samples" / "seeds"
N_SYNTH = 60
_BREAKS = (
    "blank",
    "na_dash",
    "na_slash",
    "text",
    "unreadable",
    "missing",
    "fraction",
    "negative",
    "absent",
)


def _break(report, rng: random.Random):
    """A copy of `report` with a few cells broken (see module docstring); deterministic per rng."""
    from shared.report import Cell

    r = copy.deepcopy(report)
    for _ in range(rng.randint(1, 6)):
        table = rng.choice([t for t, rows in r.tables.items() if rows])
        rows = r.tables[table]
        row = rng.choice(sorted(rows))
        col = rng.choice(sorted(rows[row]))
        how = rng.choice(_BREAKS)
        if how == "absent":
            del rows[row][col]
        elif how == "fraction":
            rows[row][col] = Cell(value=2.5, raw="2.5", kind="number")
        elif how == "negative":
            rows[row][col] = Cell(value=-3, raw="-3", kind="number")
        elif how == "text":
            rows[row][col] = Cell(raw="见附件", kind="text")
        elif how == "na_dash":
            rows[row][col] = Cell(raw="—", kind="na_dash")
        elif how == "na_slash":
            rows[row][col] = Cell(raw="/", kind="na_slash")
        else:
            rows[row][col] = Cell(raw="", kind=how)
    if r.format_version == "2021" and rng.random() < 0.3:
        rows = r.tables.get("applications") or {}
        for key in ("other_correction", "other_overdue", "other_fee_unpaid", "other_other"):
            if key in rows:
                for col in rows[key]:
                    rows[key][col] = Cell(kind="missing")
        r.extra_cells["applications.other_handling.total"] = Cell(
            value=rng.randint(0, 9), raw="x", kind="number"
        )
    return r


def _break_document(report, rng: random.Random):
    """A copy of `report` with document-level defects (see module docstring)."""
    from shared.report import Cell, ParseNote, Section

    r = copy.deepcopy(report)
    t3 = r.tables.get("applications") or {}
    for _ in range(rng.randint(1, 3)):
        how = rng.randrange(12)
        if how == 0:  # T3-007: no intake, results reported
            for row in ("new_received", "carried_over_in"):
                for col in t3.get(row, {}):
                    t3[row][col] = Cell(value=0, raw="0", kind="number")
        elif how == 1:  # T3-007: intake, every outcome 0
            for row, cols in t3.items():
                if row not in ("new_received", "carried_over_in"):
                    for col in cols:
                        cols[col] = Cell(value=0, raw="0", kind="number")
        elif how == 2 and r.sections:  # S-001
            del r.sections[rng.choice(sorted(r.sections))]
        elif how == 3:  # M-005 / M-006 / M-007 / T3-006
            key = rng.choice(("problems", "other_matters", "overview"))
            text = rng.choice(
                (
                    "无",
                    "暂无。",
                    "本机关收取信息处理费3.5元。",
                    "本年度未收取信息处理费。",
                    "无其他事项。",
                )
            )
            if key == "overview":
                text = (
                    "本报告汇总了各部门和乡镇街道的情况。" + r.sections[key].text
                    if key in r.sections
                    else text
                )
            r.sections[key] = Section(f"{key}", text)
        elif how == 4:  # S-004 / M-001 / M-002
            r.report_year = rng.choice((2019, 2020, 2021, 2022, 2023))
        elif how == 5:  # M-002
            r.publish_date = rng.choice(
                ("2023-05-02", "2022-03-30", "2021-12-01", "2023-01-30", None)
            )
        elif how == 6:  # M-004
            r.title = rng.choice(
                (
                    "政府信息公开工作年度报告",
                    f"2022年{r.agency_name}政府信息公开年报",
                    f"{r.title}（图解）",
                    "",
                )
            )
        elif how == 7:  # T2-001 / M-003 / V-004 thresholds
            r.agency_name = rng.choice(
                ("某某镇人民政府", "国家统计局", "浙江省人民政府", "某县财政局", None)
            )
            r.page_agency = rng.choice(("本网", "某市财政局", r.page_agency))
        elif how == 8:  # S-005
            r.cited_notices = [
                rng.choice(
                    ("国办公开办函〔2019〕60号", "国办公开办函〔2021〕30号", "国办函〔2020〕109号")
                )
            ]
        elif how == 9:  # V-004 / V-005
            rows = r.tables.get("active_disclosure") or {}
            if "administrative_fees" in rows:
                raw = rng.choice(("5000元", "12.123456", "2000000", "-1"))
                value = float(raw.rstrip("元"))
                rows["administrative_fees"]["fee_amount_wan_yuan"] = Cell(
                    value=value, raw=raw, kind="number", unit="元" if "元" in raw else None
                )
        elif how == 10:  # T4-005
            t4 = r.tables.get("review_litigation") or {}
            for col in t4.get("admin_review", {}):
                t4["admin_review"][col] = Cell(value=0, raw="0", kind="number")
        else:  # S-002 / S-003 / S-006 through parse notes
            r.notes.append(
                ParseNote(
                    rng.choice(("unknown_row", "unsure_cell", "image_only", "alias_label")),
                    "note",
                    ["applications.granted.total"],
                )
            )
            r.source_modality = rng.choice(("text", "mixed", "image"))
    return r


def groups(n_bench: int = 600) -> dict[str, list]:
    """group name → [(case, report)], in order (pairs are taken within a group)."""
    from bench.bench_pipeline import generate
    from nianbao.samples.synth import synth_report
    from services.parser import parse

    seeds = [(f"seed/{p.name}", parse(p.read_bytes())) for p in sorted(SEEDS.glob("*.txt"))]
    synth = [
        (f"synth/{i}", synth_report("2021" if i % 3 else "2019", i, consistent=i % 4 != 0))
        for i in range(N_SYNTH)
    ]
    rng = random.Random(11)
    broken = [(f"broken/{i}", _break(r, rng)) for i, (_, r) in enumerate(synth)]
    documents = [(f"document/{i}", _break_document(r, rng)) for i, (_, r) in enumerate(synth * 3)]
    bench = [
        (f"bench/{i}", parse(data, source_url=None, content_type="text/plain"))
        for i, data in enumerate(generate(n_bench))
    ]
    return {"seed": seeds, "synth": synth, "broken": broken, "document": documents, "bench": bench}


def load_groups(n_bench: int, inputs: Path | None) -> dict[str, list]:
    from shared.report import ParsedReport

    if inputs is not None and inputs.exists():
        return msgspec.msgpack.decode(
            inputs.read_bytes(), type=dict[str, list[tuple[str, ParsedReport]]]
        )
    out = groups(n_bench)
    if inputs is not None:
        inputs.write_bytes(msgspec.msgpack.encode(out))
    return out


def snapshot(n_bench: int = 600, inputs: Path | None = None) -> dict[str, list]:
    from services.validator import compare_documents, validate, validate_pair
    from shared.config import Settings

    settings = Settings()

    def dump(findings) -> list:
        return msgspec.to_builtins(findings)

    out: dict[str, list] = {}
    for cases in load_groups(n_bench, inputs).values():
        for case, report in cases:
            out[case] = dump(validate(report, settings=settings))
        for (ca, a), (cb, b) in zip(cases, cases[1:], strict=False):
            year = b.report_year or 2022
            prev = msgspec.structs.replace(a, report_year=year - 1)
            out[f"pair/{ca}/{cb}"] = dump(validate_pair(prev, b))
            out[f"compare/{ca}/{cb}"] = dump(compare_documents(a, b))
    return out


def compare(a: Path, b: Path) -> int:
    before, after = json.loads(a.read_text()), json.loads(b.read_text())
    diff = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    for k in diff[:20]:
        print(f"DIFFERENT {k}")
        old, new = before.get(k) or [], after.get(k) or []
        for x, y in zip(old, new, strict=False):
            if x != y:
                print(f"  before: {x}\n  after:  {y}")
                break
        else:
            print(f"  {len(old)} findings before, {len(new)} after")
    n_findings = sum(len(v) for v in before.values())
    print(
        f"{len(before)} cases ({n_findings} findings) before, {len(after)} after, {len(diff)} different"
    )
    return 1 if diff else 0


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--compare"]:
        return compare(Path(args[1]), Path(args[2]))
    n_bench, inputs = 600, None
    while args[:1] in (["--bench"], ["--inputs"]):
        if args[0] == "--bench":
            n_bench = int(args[1])
        else:
            inputs = Path(args[1])
        args = args[2:]
    out = snapshot(n_bench, inputs)
    Path(args[0]).write_text(json.dumps(out, ensure_ascii=False, sort_keys=True, indent=0))
    print(f"{len(out)} cases ({sum(len(v) for v in out.values())} findings) written to {args[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
