"""Sums over cells with the §6 convention: blank and NA count as 0.

A rule that fails only because of blanks is downgraded to a warning and tagged `due_to_blank`;
"only because" is decided exactly: a blank on the side that would have to grow could hold the
missing amount (cells are non-negative counts). Cells whose value is unknown (missing, text,
unreadable) are reported by S-003 / V-006; an identity they could explain is not evaluated
(`Check.cause == "unknown"`), so one defect is not reported twice under two rule ids.

Two ways to evaluate an identity, with the same finding (message, cells, tags) either way:
- `check_identity` over `Term`s, for sums that span reports or substitute cells (cross.py, the
  T3-003 其他处理 fallback);
- `Identity` + `evaluate`, for identities over the cells of one table: built once per format at
  import (the schema is data), evaluated by reading the cells directly — no Term, no path string,
  no message unless the identity fails. This is the validator's inner loop (~70 identities per
  report), so it avoids helper calls and generator layers on purpose.
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
    t = report.tables.get(table)
    r = t.get(row) if t else None
    return term_of(r.get(col) if r else None, f"{table}.{row}.{col}")


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
    if type(x) is int:
        return str(x)
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


Op = Literal["==", "<=", ">="]
_NOT = {"==": "≠", "<=": "not <=", ">=": "not >="}
_BLANK, _UNKNOWN = 1, 2  # state bits of one side of an identity


class Identity(NamedTuple):
    """`Σlhs op Σrhs` over cells of one table; each side is ((row, col), …) with the cells' paths
    precomputed (`cells`: lhs then rhs, the finding's cell list)."""

    rule: str
    what: str
    lhs: tuple[tuple[str, str], ...]
    rhs: tuple[tuple[str, str], ...]
    cells: tuple[str, ...]
    op: Op = "=="


def identity(rule: str, table: str, lhs, rhs, what: str, op: Op = "==") -> Identity:
    lhs, rhs = tuple(lhs), tuple(rhs)
    cells = tuple(f"{table}.{r}.{c}" for r, c in (*lhs, *rhs))
    return Identity(rule, what, lhs, rhs, cells, op)


_NO_ROWS: dict[str, dict[str, Cell]] = {}


def evaluate(ident: Identity, rows: dict[str, dict[str, Cell]] | None) -> Finding | None:
    """`check_identity` for an `Identity` over `rows` (the table): the same finding or None.

    A cell that is not a number counts 0 (as `term_of`); each side remembers whether it had blank
    or unknown cells. Values are summed with `sum()` as `total()` does, so the sums are the same
    floats. The two side loops are written out: this runs ~70 times per report.
    """
    if not rows:
        rows = _NO_ROWS
    _, _, lhs, rhs, _, op = ident
    lv: list[float] = []
    ls = 0
    for r, c in lhs:
        row = rows.get(r)
        cell = row.get(c) if row else None
        if cell is not None and cell.kind == "number" and cell.value is not None:
            lv.append(cell.value)
        else:
            lv.append(0)
            ls |= _UNKNOWN if cell is None or cell.kind in UNKNOWN else _BLANK
    rv: list[float] = []
    rs = 0
    for r, c in rhs:
        row = rows.get(r)
        cell = row.get(c) if row else None
        if cell is not None and cell.kind == "number" and cell.value is not None:
            rv.append(cell.value)
        else:
            rv.append(0)
            rs |= _UNKNOWN if cell is None or cell.kind in UNKNOWN else _BLANK
    a, b = sum(lv), sum(rv)
    if op == "==":
        if abs(a - b) < 1e-9:
            return None
    elif op == "<=":
        if a <= b + 1e-9:
            return None
    elif a + 1e-9 >= b:
        return None
    grow = ls if a < b else rs
    if grow & _UNKNOWN:
        return None  # unknown cells could explain it: S-003 / V-006 report them
    msg = f"{ident.what}: {fmt(a)} {_NOT[op]} {fmt(b)} (difference {fmt(a - b)})"
    due_to_blank = bool(grow & _BLANK)
    if due_to_blank:
        blanks = []
        for (r, c), path in zip((*ident.lhs, *ident.rhs), ident.cells, strict=True):
            row = rows.get(r)
            cell = row.get(c) if row else None
            if (
                cell is not None
                and not (cell.kind == "number" and cell.value is not None)
                and cell.kind not in UNKNOWN
            ):
                blanks.append(path)
        msg += f"; blank cells counted as 0: {', '.join(blanks)}"
    return finding(ident.rule, msg, ident.cells, due_to_blank=due_to_blank)
