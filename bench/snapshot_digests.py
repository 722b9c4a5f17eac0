"""Digests of the parser's and the validator's outputs over a fixed input, keyed by version.

`tests/unit/test_snapshot_digests.py` recomputes them and fails when an output changed while
PARSER_VERSION / VALIDATOR_VERSION (shared/versions.py) did not: `nianbao reprocess --stale`
re-reads only what an older version produced, so a changed output under an unchanged version
would never reach the index. After bumping the version (or for a change that is not an output
change), regenerate:

    .venv/bin/python -m bench.snapshot_digests --write

Input: the seed reports and the first CASES cases of bench.parser_snapshot (synthetic reports in
every rendering); the validator's share is bench.validator_snapshot without the bench corpus.
Kept small so the check runs in seconds.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parent / "snapshot_digests.json"
CASES = 40


def _digest(obj: object) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def parser_digest() -> str:
    from bench.parser_snapshot import _cases
    from services.parser import parse
    from shared.report import to_builtins

    out = {}
    for case, data in list(_cases(1))[:CASES]:
        try:
            report = to_builtins(parse(data))
            assert isinstance(report, dict)
            report.pop("parser_version", None)  # the version itself is not output
            out[case] = report
        except Exception as e:  # noqa: BLE001 — the error itself is part of the output
            out[case] = {"error": f"{type(e).__name__}: {e}"}
    return _digest(out)


def validator_digest() -> str:
    from bench.validator_snapshot import snapshot

    return _digest(snapshot(0))


def current() -> dict[str, dict[str, str]]:
    from shared.versions import PARSER_VERSION, VALIDATOR_VERSION

    return {
        "parser": {PARSER_VERSION: parser_digest()},
        "validator": {VALIDATOR_VERSION: validator_digest()},
    }


def committed() -> dict[str, dict[str, str]]:
    return json.loads(PATH.read_text()) if PATH.exists() else {"parser": {}, "validator": {}}


def main() -> int:
    now = current()
    if "--write" in sys.argv[1:]:
        saved = committed()
        for stage, by_version in now.items():
            saved.setdefault(stage, {}).update(by_version)
        PATH.write_text(json.dumps(saved, indent=2, sort_keys=True) + "\n")
        print(f"wrote {PATH}: {json.dumps(now)}")
        return 0
    print(json.dumps(now, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
