"""Sums over cells with the §6 convention: blank and NA count as 0.

A rule that fails only because of blanks is downgraded to a warning and tagged `due_to_blank`;
"only because" is decided exactly: a blank on the side that would have to grow could hold the
missing amount (cells are non-negative counts). Cells whose value is unknown (missing, text,
unreadable) are reported by S-003 / V-006; an identity they could explain is not evaluated
(`Check.cause == "unknown"`), so one defect is not reported twice under two rule ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from services.validator.rules import finding
from shared.report import Cell, Finding, ParsedReport

BLANKISH = frozenset({"blank", "na_dash", "na_slash"})
UNKNOWN = frozenset({"missing", "text", "unreadable"})

State = Literal["number", "blank", "unknown"]


class Term(NamedTuple):
    """One cell in a sum. A NamedTuple, not a dataclass: hundreds are built per report."""

    path: str
    value: float
    state: State


def cell_of(report: ParsedReport, table: str, row: str, col: str) -> Cell | None:
    t = report.tables.get(table)
    if not t:
        return None
    r = t.get(row)
    return r.get(col) if r else None


def term_of(cell: Cell | None, path: str) -> Term:
    if cell is None:
        return Term(path, 0, "unknown")
    kind = cell.kind
    if kind == "number" and cell.value is not None:
        return Term(path, cell.value, "number")
    if kind in UNKNOWN:
        return Term(path, 0, "unknown")
    return Term(path, 0, "blank")


def term(report: ParsedReport, table: str, row: str, col: str) -> Term:
    return term_of(cell_of(report, table, row, col), f"{table}.{row}.{col}")


def all_numbers(row: dict[str, Cell] | None, cols) -> list[float] | None:
    """The values of `cols` in `row` when every one is a number — the fast path of the hot
    identities (most reports are consistent: no Term is built for them)."""
    if not row:
        return None
    out = []
    for c in cols:
        cell = row.get(c)
        if cell is None or cell.kind != "number" or cell.value is None:
            return None
        out.append(cell.value)
    return out


def column_sum(table: dict[str, dict[str, Cell]], rows, col: str) -> float | None:
    """Σ table[row][col] over `rows` when every cell is a number, else None (fast path)."""
    s: float = 0
    for r in rows:
        row = table.get(r)
        cell = row.get(col) if row else None
        if cell is None or cell.kind != "number" or cell.value is None:
            return None
        s += cell.value
    return s


def total(terms: Sequence[Term]) -> float:
    return sum(t.value for t in terms)


@dataclass(frozen=True, slots=True)
class Check:
    holds: bool
    lhs: float
    rhs: float
    cause: Literal["blank", "unknown"] | None = None  # what could explain a failure

    @property
    def evaluable(self) -> bool:
        """False when unknown cells could explain the failure: leave it to S-003 / V-006."""
        return self.holds or self.cause != "unknown"


def _cause(grow: Sequence[Term]) -> Literal["blank", "unknown"] | None:
    states = {t.state for t in grow}
    if "unknown" in states:
        return "unknown"
    if "blank" in states:
        return "blank"
    return None


def compare(lhs: Sequence[Term], rhs: Sequence[Term], op: Literal["==", "<=", ">="] = "==") -> Check:
    """Evaluate `Σlhs op Σrhs`; on failure, say whether blanks/unknowns on the side that would
    have to grow could make it hold."""
    a, b = total(lhs), total(rhs)
    if op == "==":
        holds = abs(a - b) < 1e-9
    elif op == "<=":
        holds = a <= b + 1e-9
    else:
        holds = a + 1e-9 >= b
    if holds:
        return Check(True, a, b)
    grow = lhs if a < b else rhs
    return Check(False, a, b, _cause(grow))


def fmt(x: float) -> str:
    """A number as people write it: 272, not 272.0."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


def paths(terms: Sequence[Term]) -> list[str]:
    return [t.path for t in terms]


def check_identity(
    rule: str,
    lhs: Sequence[Term],
    rhs: Sequence[Term],
    what: str,
    op: Literal["==", "<=", ">="] = "==",
) -> Finding | None:
    """The finding for a failed identity `Σlhs op Σrhs`, or None when it holds / cannot be judged.

    `what` names the identity in the message (e.g. "column total"); the message gives both sums
    and the difference so a reader can see the size of the error.
    """
    chk = compare(lhs, rhs, op)
    if not chk.evaluable or chk.holds:
        return None
    diff = chk.lhs - chk.rhs
    msg = f"{what}: {fmt(chk.lhs)} {'≠' if op == '==' else 'not ' + op} {fmt(chk.rhs)} (difference {fmt(diff)})"
    blanks = [t.path for t in (*lhs, *rhs) if t.state == "blank"]
    if chk.cause == "blank":
        msg += f"; blank cells counted as 0: {', '.join(blanks)}"
    return finding(rule, msg, [*paths(lhs), *paths(rhs)], due_to_blank=chk.cause == "blank")
