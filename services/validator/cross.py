"""Rules over two or more reports: T2-003 and T3-004 (consecutive years of one agency), X-001
(the same agency and year published more than once) and X-002 (内容雷同).

X-002 thresholds (why):
- Narrative: character 5-shingles over the narrative sections 一、五、六 (the table sections are
  mostly the printed template), after dropping whitespace, punctuation and digits (so a copy with
  only the year changed still matches). 雷同 when Jaccard >= NARRATIVE_JACCARD (0.8): independent
  reports of similar bodies written from the same local template measured well below that on the
  seeds (< 0.2), while a copy with the agency name swapped stays above 0.9. Narratives shorter than
  MIN_NARRATIVE_CHARS (200) are too short to judge.
- Tables: T2+T3+T4 values identical AND at least MIN_NONZERO_CELLS (3) nonzero cells. Most small
  agencies legitimately report all zeros, so identical all-zero (or near-zero) tables are not 雷同.
- find_duplicates finds candidates without comparing all pairs: X-001 by (agency, year), tables by
  an exact fingerprint, narrative by MinHash (64 hashes) with LSH banding (16 bands × 4 rows: a pair
  at Jaccard 0.8 becomes a candidate with probability ≈ 1 − (1 − 0.8⁴)¹⁶ > 0.999); candidates are
  then confirmed with the exact Jaccard of compare_documents. Within a big bucket (one template
  copied many times) a report is compared with the bucket's first member and its predecessor
  only (candidate_pairs), so the work stays linear in the reports.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

from services.validator.metadata import agency_core
from services.validator.rules import finding
from services.validator.sums import check_identity, fmt, term
from shared.report import Finding, ParsedReport
from shared.schema import SCHEMAS, TABLE_KEYS, cell_path

NARRATIVE_SECTIONS = ("overview", "problems", "other_matters")
SHINGLE = 5
NARRATIVE_JACCARD = 0.8
MIN_NARRATIVE_CHARS = 200
MIN_NONZERO_CELLS = 3
NUM_HASHES, BANDS = 64, 16

# --- consecutive years -------------------------------------------------------------------------


def validate_pair(previous: ParsedReport, current: ParsedReport) -> list[Finding]:
    """T2-003 and T3-004 for the same agency's reports of years Y−1 and Y (findings belong to Y).

    Returns [] when the years are not consecutive; choosing the same agency is the caller's job.
    """
    if previous.report_year is None or current.report_year != previous.report_year + 1:
        return []
    out: list[Finding] = []
    if previous.format_version == current.format_version == "2021":
        out += _t2_003(previous, current)
    if previous.format_version in SCHEMAS and current.format_version in SCHEMAS:
        out += _t3_004(previous, current)
    return out


def _prev(path: str, year: int) -> str:
    return f"previous({year}):{path}"


def _t2_003(prev: ParsedReport, cur: ParsedReport) -> list[Finding]:
    """in_force(Y) = in_force(Y−1) + issued(Y) − repealed(Y), checked as
    in_force(Y) + repealed(Y) = in_force(Y−1) + issued(Y) so blanks keep their meaning."""
    out = []
    t = "active_disclosure"
    for row in ("regulations", "normative_documents"):
        p = term(prev, t, row, "in_force")
        p = type(p)(_prev(p.path, prev.report_year or 0), p.value, p.state)
        now, rep, iss = (term(cur, t, row, c) for c in ("in_force", "repealed", "issued"))
        f = check_identity("T2-003", [now, rep], [p, iss], "")
        if f:
            expected = p.value + iss.value - rep.value
            f.message = (
                f"{row}: in_force({cur.report_year}) = {fmt(now.value)} but in_force({prev.report_year}) "
                f"{fmt(p.value)} + issued {fmt(iss.value)} − repealed {fmt(rep.value)} = {fmt(expected)} "
                f"(difference {fmt(now.value - expected)})"
                + ("; blank cells counted as 0" if "due_to_blank" in f.tags else "")
            )
            out.append(f)
    return out


def _t3_004(prev: ParsedReport, cur: ParsedReport) -> list[Finding]:
    out = []
    t = "applications"
    for col in (c.key for c in SCHEMAS[cur.format_version].t3_cols):
        p = term(prev, t, "carried_over_out", col)
        p = type(p)(_prev(p.path, prev.report_year or 0), p.value, p.state)
        f = check_identity(
            "T3-004",
            [term(cur, t, "carried_over_in", col)],
            [p],
            f"{col}: carried_over_in({cur.report_year}) = carried_over_out({prev.report_year})",
        )
        if f:
            out.append(f)
    return out


# --- duplicates and 雷同 ---------------------------------------------------------------------------

_DROP = re.compile(r"[\W\d_]+", re.UNICODE)


def narrative(report: ParsedReport) -> str:
    parts = [report.sections[k].text for k in NARRATIVE_SECTIONS if k in report.sections]
    return _DROP.sub("", unicodedata.normalize("NFKC", "".join(parts)))


def shingles(text: str) -> set[str]:
    if len(text) < SHINGLE:
        return {text} if text else set()
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def table_values(report: ParsedReport) -> dict[str, tuple[str, float | None]]:
    """path → (kind, value) over every located cell of the three tables."""
    out = {}
    for table in TABLE_KEYS:
        for row, cols in (report.tables.get(table) or {}).items():
            for col, cell in cols.items():
                out[cell_path(table, row, col)] = (cell.kind, cell.value)
    return out


def _nonzero(values: dict[str, tuple[str, float | None]]) -> int:
    return sum(1 for k, v in values.values() if k == "number" and v)


def _key(report: ParsedReport) -> str:
    return agency_core(report.agency_name)


def _same_agency_strict(a: str | None, b: str | None) -> bool:
    """Same body for X-001: equal after dropping 办公室/网站 suffixes (not the fuzzy M-003 match:
    「鹿城区经济和信息化局」 and 「龙湾区经济和信息化局」 are different agencies)."""
    x, y = agency_core(a), agency_core(b)
    return bool(x) and x == y


def _who(r: ParsedReport) -> str:
    where = f" at {r.source_url}" if r.source_url else ""
    return f"「{r.agency_name or r.title or '?'}」 {r.report_year or '?'}{where}"


def compare_documents(a: ParsedReport, b: ParsedReport) -> list[Finding]:
    """X-001 / X-002 findings for the pair (a, b), to be attached to b (the later one)."""
    if a.source_url and a.source_url == b.source_url:
        return []  # the same document, not a re-publication
    out: list[Finding] = []
    same = a.report_year == b.report_year and _same_agency_strict(a.agency_name, b.agency_name)
    va, vb = table_values(a), table_values(b)
    if same:
        differ = sorted(p for p in set(va) | set(vb) if va.get(p) != vb.get(p))
        if differ:
            shown = ", ".join(f"{p}: {_show(va.get(p))} vs {_show(vb.get(p))}" for p in differ[:10])
            more = f" (+{len(differ) - 10} more)" if len(differ) > 10 else ""
            out.append(
                finding(
                    "X-001",
                    f"also published as {_who(a)}, with different numbers: {shown}{more}",
                    differ,
                    tags=["numbers_differ"],
                )
            )
        else:
            out.append(
                finding(
                    "X-001", f"also published as {_who(a)} (same numbers)", tags=["same_numbers"]
                )
            )
        return out
    if va and va == vb and _nonzero(va) >= MIN_NONZERO_CELLS:
        out.append(
            finding(
                "X-002",
                f"tables identical to {_who(a)} ({_nonzero(va)} nonzero cells)",
                tags=["identical_tables"],
            )
        )
    na, nb = narrative(a), narrative(b)
    if min(len(na), len(nb)) >= MIN_NARRATIVE_CHARS:
        j = jaccard(shingles(na), shingles(nb))
        if j >= NARRATIVE_JACCARD:
            out.append(
                finding(
                    "X-002",
                    f"narrative near-identical to {_who(a)} (similarity {j:.2f})",
                    [f"sections.{k}" for k in NARRATIVE_SECTIONS if k in b.sections],
                    tags=["similar_text"],
                )
            )
    return out


def _show(v: tuple[str, float | None] | None) -> str:
    if v is None:
        return "absent"
    kind, value = v
    return fmt(value) if kind == "number" and value is not None else kind


@dataclass(frozen=True, slots=True)
class PairFindings:
    """Findings about reports[later] because of reports[earlier] (indexes into the input)."""

    earlier: int
    later: int
    findings: list[Finding]


def minhash(sh: set[str]) -> tuple[int, ...]:
    """One-permutation MinHash: one CRC-32 per shingle, the low 6 bits pick one of 64 buckets,
    each bucket keeps its minimum — linear in the text, unlike 64 separate permutations."""
    sig = [_EMPTY_BUCKET] * NUM_HASHES
    for s in sh:
        h = zlib.crc32(s.encode())
        b, v = h & (NUM_HASHES - 1), h >> 6
        if v < sig[b]:
            sig[b] = v
    return tuple(sig)


_EMPTY_BUCKET = 1 << 32


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What find_duplicates needs of a report to choose candidates: small enough to hold for
    every report of a year (≈ 400 bytes: the signature packed as 64 × 4 bytes, not 64 Python
    ints at 36 bytes each), so the reports themselves need not be."""

    agency: str  # agency_core of the printed name ("" when none)
    year: int | None
    tables: int | None  # hash of every table value, when at least MIN_NONZERO_CELLS are nonzero
    # MinHash of the narrative when long enough to judge: packed bytes (fingerprint()) or a tuple
    signature: bytes | tuple[int, ...] | None


_PACKED = struct.Struct(f"<{NUM_HASHES}I")
ROWS_PER_BAND = NUM_HASHES // BANDS


def fingerprint(report: ParsedReport) -> Fingerprint:
    values = table_values(report)
    text = narrative(report)
    return Fingerprint(
        agency=_key(report) if report.agency_name else "",
        year=report.report_year,
        tables=hash(tuple(sorted(values.items())))
        if _nonzero(values) >= MIN_NONZERO_CELLS
        else None,
        signature=minhash_text(text) if len(text) >= MIN_NARRATIVE_CHARS else None,
    )


def minhash_text(text: str) -> bytes:
    """The packed MinHash of `text`'s SHINGLE-character shingles, vectorised (a third of the
    duplicates command's CPU went to hashing shingles one by one): a polynomial hash of each
    window of code points, mixed by the splitmix64 finaliser; its low 6 bits pick the bucket, its
    top 26 bits are the value (as in minhash(): 26-bit values, the empty mark 0xFFFFFFFF). A
    shingle seen twice hashes alike, so duplicates need no set. numpy is imported here, not at
    the top: the validator service imports this module and needs none of it."""
    import numpy as np

    u64 = np.uint64
    cps = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(u64)
    n = len(cps) - SHINGLE + 1
    sig = np.full(NUM_HASHES, _EMPTY_PACKED, dtype="<u4")
    if n <= 0:
        return sig.tobytes()
    h = cps[:n].copy()
    for k in range(1, SHINGLE):
        h = h * u64(0x100000001B3) + cps[k : k + n]  # wraps modulo 2**64, silently for arrays
    h ^= h >> u64(30)  # splitmix64's finaliser
    h *= u64(0xBF58476D1CE4E5B9)
    h ^= h >> u64(27)
    h *= u64(0x94D049BB133111EB)
    h ^= h >> u64(31)
    np.minimum.at(sig, (h & u64(NUM_HASHES - 1)).astype(np.intp), (h >> u64(38)).astype("<u4"))
    return sig.tobytes()


def _pack(sig: tuple[int, ...]) -> bytes:
    # every real bucket value is < 2**26 (a CRC-32 shifted by 6), so the empty mark fits in 32 bits
    return _PACKED.pack(*(min(v, 0xFFFFFFFF) for v in sig))


def _band(sig: bytes | tuple[int, ...], band: int) -> bytes | tuple[int, ...]:
    width = ROWS_PER_BAND * (4 if isinstance(sig, bytes) else 1)
    return sig[band * width : (band + 1) * width]


# A pair that shares only an LSH band is compared only when its signatures agree on at least this
# share of buckets: the estimate's standard deviation at the X-002 threshold (0.8) is
# √(0.8·0.2/64) ≈ 0.05, so a true near-copy falls below 0.5 with negligible probability, while
# narratives written from one template (Jaccard 0.2–0.4) share a band now and then — 2.8 false
# candidates per report over 10,000 synthetic reports, each costing two report loads.
TEXT_ESTIMATE_FLOOR = 0.5


def estimated_jaccard(a: bytes | tuple[int, ...], b: bytes | tuple[int, ...]) -> float:
    """The share of MinHash buckets two signatures agree on (buckets empty in both not counted)."""
    import numpy as np

    x, y = _array(a), _array(b)
    used = np.minimum(x, y) < _EMPTY_PACKED
    n = int(used.sum())
    return int((used & (x == y)).sum()) / n if n else 0.0


def _array(sig: bytes | tuple[int, ...]) -> np.ndarray:
    import numpy as np

    return np.frombuffer(sig, dtype="<u4") if isinstance(sig, bytes) else np.asarray(sig, np.int64)


_EMPTY_PACKED = 0xFFFFFFFF


def candidate_pairs(prints: Sequence[Fingerprint]) -> dict[int, dict[int, set[str]]]:
    """later → earlier → why ("agency", "tables", "text"): the pairs worth comparing.

    A bucket (same agency and year, identical tables, an LSH band) can hold thousands of reports
    written from one template, and all pairs would be quadratic (issue #17: 11.5 s for 100
    template-identical reports): each report is paired with the first report of its bucket and
    with the one before it, which finds every copy with a number of comparisons linear in the
    reports (a document published three times still yields all three pairs).

    Buckets are walked one key kind (and one LSH band) at a time, each keeping only its first
    and last member: memory is one dict of the reports at a time, not 18 lists per report (at
    150,000 reports the lists alone took ~0.5 GB).
    """
    out: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))

    def walk(why: str, keys) -> None:
        ends: dict = {}  # bucket key → (first member, last member so far)
        for i, key in keys:
            seen = ends.get(key)
            if seen is None:
                ends[key] = (i, i)
                continue
            for j in {seen[0], seen[1]}:
                if why != "text" or _alike(prints[i], prints[j]):
                    out[i][j].add(why)
            ends[key] = (seen[0], i)

    walk("agency", ((i, (fp.agency, fp.year)) for i, fp in enumerate(prints) if fp.agency))
    walk("tables", ((i, fp.tables) for i, fp in enumerate(prints) if fp.tables is not None))
    for band in range(BANDS):
        walk(
            "text",
            ((i, _band(fp.signature, band)) for i, fp in enumerate(prints) if fp.signature),
        )
    return out


def _alike(a: Fingerprint, b: Fingerprint) -> bool:
    if a.signature is None or b.signature is None:
        return False
    return estimated_jaccard(a.signature, b.signature) >= TEXT_ESTIMATE_FLOOR


def find_duplicates(reports: Sequence[ParsedReport]) -> list[PairFindings]:
    """X-001 and X-002 over a batch, without comparing every pair (see module docstring)."""
    return find_duplicates_by(len(reports), fingerprint, reports.__getitem__)


def find_duplicates_by(n: int, fingerprint_of, report_of) -> list[PairFindings]:
    """find_duplicates over reports the caller holds (`report_of(i)`) or loads on demand: the
    fingerprints are taken first, then only candidate pairs are compared."""
    prints = [fingerprint_of(report_of(i)) for i in range(n)]
    out = []
    for later, earlier in sorted(candidate_pairs(prints).items()):
        out += confirm(later, earlier, report_of)
    return out


def confirm(later: int, earlier: dict[int, set[str]], report_of) -> list[PairFindings]:
    """The findings of one later report against its candidates (`candidate_pairs()[later]`).
    Its similar-text finding is taken from its earliest confirmed match only (one finding says
    "near-copy of …"; a template copied a thousand times yields a thousand, not half a million)."""
    out = []
    similar = False
    for i in sorted(earlier):
        if earlier[i] == {"text"} and similar:
            continue  # already a near-copy of an earlier report
        found = compare_documents(report_of(i), report_of(later))
        if similar:
            found = [f for f in found if "similar_text" not in f.tags]
        similar = similar or any("similar_text" in f.tags for f in found)
        if found:
            out.append(PairFindings(i, later, found))
    return out
