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


def holds(a: float, op: str, b: float) -> bool:
    """`a op b` for sums of cells (floats: a tolerance absorbs 0.1 + 0.2 style error)."""
    if op == "==":
        return abs(a - b) < 1e-9
    if op == "<=":
        return a <= b + 1e-9
    return a + 1e-9 >= b


def compare(
    lhs: Sequence[Term], rhs: Sequence[Term], op: Literal["==", "<=", ">="] = "=="
) -> Check:
    """Evaluate `Σlhs op Σrhs`; on failure, say whether blanks/unknowns on the side that would
    have to grow could make it hold."""
    a, b = total(lhs), total(rhs)
    if holds(a, op, b):
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
NUMBER, BLANK, UNKNOWN_STATE = 0, 1, 2  # cell states, ordered: max() of a side is its cause


class Identity(NamedTuple):
    """`Σlhs op Σrhs` over cells of one table; each side is ((row, col), …)."""

    rule: str
    what: str
    lhs: tuple[tuple[str, str], ...]
    rhs: tuple[tuple[str, str], ...]
    op: Op = "=="


def identity(rule: str, lhs, rhs, what: str, op: Op = "==") -> Identity:
    return Identity(rule, what, tuple(lhs), tuple(rhs), op)


class _Compiled(NamedTuple):
    rule: str
    what: str
    lhs: tuple[int, ...]  # indexes into the resolved cells
    rhs: tuple[int, ...]
    both: tuple[int, ...]  # lhs then rhs
    cells: tuple[str, ...]  # their paths, the finding's cell list
    op: Op


class Identities:
    """Identities over the cells of one table, compiled once (at import or once per format): the
    cells they read are resolved once per report into a flat list of values and one of states
    (`resolve`), then each identity is two `sum(map(...))` over indexes. States and the message
    are looked at only when an identity fails.

    Same results as `check_identity` over `term()`s: a cell that is not a number counts 0 (int),
    the sums are `sum()` over the values in the same order, and the grow side's worst state decides
    the cause (unknown: not judged; blank: downgraded and tagged).
    """

    def __init__(self, table: str, identities) -> None:
        self.identities = tuple(identities)
        index: dict[tuple[str, str], int] = {}
        for ident in self.identities:
            for key in (*ident.lhs, *ident.rhs):
                index.setdefault(key, len(index))
        # cells grouped by row (each row read once), in index order
        runs: dict[str, list[str]] = {}
        order: list[tuple[str, str]] = []
        for r, c in index:
            runs.setdefault(r, []).append(c)
        for r, cols in runs.items():
            order += [(r, c) for c in cols]
        position = {key: i for i, key in enumerate(order)}
        self.runs = tuple((r, tuple(cols)) for r, cols in runs.items())
        self.size = len(order)
        self.compiled = tuple(
            _Compiled(
                i.rule,
                i.what,
                lhs := tuple(position[k] for k in i.lhs),
                rhs := tuple(position[k] for k in i.rhs),
                lhs + rhs,
                tuple(f"{table}.{r}.{c}" for r, c in (*i.lhs, *i.rhs)),
                i.op,
            )
            for i in self.identities
        )

    def resolve(self, rows: dict[str, dict[str, Cell]] | None) -> tuple[list[float], list[int]]:
        """The cells' values (0 unless a number) and states, in index order."""
        vals: list[float] = [0] * self.size
        states = [UNKNOWN_STATE] * self.size
        if not rows:
            return vals, states
        i = 0
        for r, cols in self.runs:
            row = rows.get(r)
            if not row:
                i += len(cols)
                continue
            for c in cols:
                cell = row.get(c)
                if cell is not None:
                    kind = cell.kind
                    if kind == "number" and cell.value is not None:
                        vals[i] = cell.value
                        states[i] = NUMBER
                    elif kind not in UNKNOWN:
                        states[i] = BLANK
                i += 1
        return vals, states

    def each(self, rows: dict[str, dict[str, Cell]] | None) -> list[Finding | None]:
        """The finding of each identity (None when it holds or cannot be judged), in order."""
        vals, states = self.resolve(rows)
        value, state = vals.__getitem__, states.__getitem__
        out: list[Finding | None] = []
        for rule, what, lhs, rhs, both, cells, op in self.compiled:
            a, b = sum(map(value, lhs)), sum(map(value, rhs))
            if holds(a, op, b):
                out.append(None)
                continue
            cause = max(map(state, lhs if a < b else rhs), default=NUMBER)
            if cause == UNKNOWN_STATE:
                out.append(None)  # unknown cells could explain it: S-003 / V-006 report them
                continue
            msg = f"{what}: {fmt(a)} {_NOT[op]} {fmt(b)} (difference {fmt(a - b)})"
            if cause == BLANK:
                blanks = [p for i, p in zip(both, cells, strict=True) if states[i] == BLANK]
                msg += f"; blank cells counted as 0: {', '.join(blanks)}"
            out.append(finding(rule, msg, cells, due_to_blank=cause == BLANK))
        return out

    def check(self, rows: dict[str, dict[str, Cell]] | None) -> list[Finding]:
        """The findings of the identities that fail, in order."""
        return [f for f in self.each(rows) if f is not None]
