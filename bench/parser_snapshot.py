"""Parser output snapshot, for before/after comparisons of parser changes that must not change output.

Parses the five seeds and synthetic reports (`nianbao.samples.synth.synth_report`), each rendered
in every format (text styles, HTML UTF-8 / undeclared GBK / wrongly declared / no chrome, DOCX,
XLSX; PDF for the seeds and a few synthetic reports), and writes one JSON object
{case: parsed report or error} to the given path. Compare two runs with `--compare A B`.
`--bench N` adds the first N plain-text reports of `bench.bench_pipeline.generate` (the
end-to-end benchmark's input, parsed as it is there: content type text/plain, no URL).

    .venv/bin/python -m bench.parser_snapshot [--bench 500] /tmp/before.json   # on the old code
    .venv/bin/python -m bench.parser_snapshot [--bench 500] /tmp/after.json    # on the new code
    .venv/bin/python -m bench.parser_snapshot --compare /tmp/before.json /tmp/after.json

The validator's findings are in the snapshot too; `--compare` counts the cases whose parsed report
differs apart from those where only the findings do (the validator may change independently).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "nianbao" / "samples" / "seeds"


def _cases(n_synth: int = 48):
    from nianbao.samples.render import (
        TEXT_STYLES,
        render_docx,
        render_html,
        render_pdf,
        render_text,
        render_xlsx,
    )
    from nianbao.samples.synth import synth_report
    from services.parser import parse

    reports = {}
    for path in sorted(SEEDS.glob("*.txt")):
        data = path.read_bytes()
        yield f"seed/{path.name}/raw", data
        reports[f"seed/{path.name}"] = parse(data)
    for i in range(n_synth):
        reports[f"synth/{i}"] = synth_report("2021" if i % 3 else "2019", i)
    for name, r in reports.items():
        for style in TEXT_STYLES:
            yield f"{name}/text-{style}", render_text(r, style).encode()
        yield f"{name}/html", render_html(r)
        yield f"{name}/html-bare", render_html(r, chrome=False)
        yield f"{name}/html-gbk", render_html(r, encoding="gbk", declared=None)
        yield f"{name}/html-gbk-wrong", render_html(r, encoding="gbk", declared="utf-8")
        yield f"{name}/docx", render_docx(r)
        yield f"{name}/xlsx", render_xlsx(r)
        if name.startswith("seed/") or name in ("synth/0", "synth/1"):
            yield f"{name}/pdf", render_pdf(r)


def _bench_cases(n: int):
    from bench.bench_pipeline import generate

    for i, data in enumerate(generate(n)):
        yield f"bench/{i}", data, {"source_url": None, "content_type": "text/plain"}


def snapshot(n_bench: int = 0) -> dict[str, object]:
    from services.parser import parse
    from shared.report import to_builtins

    try:
        from services.validator import validate
    except ImportError:
        validate = None
    out: dict[str, object] = {}
    cases = [(case, data, {}) for case, data in _cases()]
    cases.extend(_bench_cases(n_bench))
    for case, data, kwargs in cases:
        try:
            report = parse(data, **kwargs)
        except Exception as e:  # noqa: BLE001 — the error itself is part of the output
            out[case] = {"error": f"{type(e).__name__}: {e}"}
            continue
        entry = {"report": to_builtins(report)}
        if validate is not None:
            entry["findings"] = to_builtins(validate(report))
        out[case] = entry
    return out


def compare(a: Path, b: Path) -> int:
    before, after = json.loads(a.read_text()), json.loads(b.read_text())
    diff = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))

    def parsed(entry):
        return (
            {k: v for k, v in entry.items() if k != "findings"}
            if isinstance(entry, dict)
            else entry
        )

    parse_diff = [k for k in diff if parsed(before.get(k)) != parsed(after.get(k))]
    for k in diff[:20]:
        print(f"DIFFERENT {k}" + ("" if k in parse_diff else " (findings only)"))
    print(
        f"{len(before)} cases before, {len(after)} after, {len(diff)} different "
        f"({len(parse_diff)} in the parsed report, {len(diff) - len(parse_diff)} in findings only)"
    )
    return 1 if diff else 0


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--compare"]:
        return compare(Path(args[1]), Path(args[2]))
    n_bench = 0
    if args[:1] == ["--bench"]:
        n_bench, args = int(args[1]), args[2:]
    out = snapshot(n_bench)
    Path(args[0]).write_text(json.dumps(out, ensure_ascii=False, sort_keys=True, indent=0))
    print(f"{len(out)} cases written to {args[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
