"""Document blocks → the three national tables T2/T3/T4 of a known format (report-format.md §2–§4, §7).

The blocks are read as one stream of *segments* (services/parser/read/segments.py: label cells, then
value cells; a row holding a label again after its values is cut in two, so a short row never
swallows the next one). A small state machine follows the tables:

- context (T2 / T3 / T4) switches on section headings, T2 captions (第二十条第（一）项), header
  rows (勾稽 note, 自然人…, 结果维持…) and on the first row a table's labels match;
- a labelled segment is matched to a row key (services/parser/read/labels.py), with the T3 group
  (（三）不予公开 … （六）其他处理) as context for the ambiguous 其他 / 总计;
- a label-only segment that matches a row, or a text line short of values, waits for values on
  the next line (PDF text wraps long labels and long rows);
- a section heading only arms its table: prose lines under it are not rows until a caption,
  header row, grid or exactly labelled row starts the table;
- values are mapped to columns in order. Exact grids (HTML/DOCX/XLSX) keep blank cells in place
  and use the header's first data column; text grids drop padding, and when a row has fewer values
  than columns the tail is `missing` with an `unsure_cell` note — later numbers never shift (a
  text row with exactly one cell per column, empty ones included, is read in place).

Reads no settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from services.parser.document import Document, Grid, OcrText, Paragraph
from services.parser.read.cells import Placed, clean, is_value_like, parse_cell, with_evidence
from services.parser.read.labels import LabelIndex, core, norm, norm_line
from services.parser.read.sections import heading_key, run_in_heading
from services.parser.read.segments import Segment, split_cells
from services.parser.read.segments import tokens as line_tokens
from shared.report import Cell, Evidence, EvidenceKind, ParseNote, Table
from shared.schema import (
    LEGAL_PERSON_SUBTOTAL,
    SCHEMAS,
    T3_COLS,
    T3_SUBTOTAL_GROUPS,
    T4_COLS,
    T4_GROUPS,
    FormatSchema,
    Label,
    cell_path,
    subtotal_row,
)

_CAPTION = re.compile(r"第二十条第?\(?([一五六八九])\)?项")
_T3_GROUP = {
    "不予公开": "denied",
    "无法提供": "unable",
    "不予处理": "not_processed",
    "其他处理": "other",
    "本年度办理结果": "results",
}
_T3_HEADER_WORDS = frozenset(
    norm(w)
    for w in (
        "申请人情况",
        "自然人",
        "法人或其他组织",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    )
)
_T4_HEADER_WORDS = frozenset(
    norm(w)
    for w in (
        "行政复议",
        "行政诉讼",
        "结果维持",
        "结果纠正",
        "其他结果",
        "尚未审结",
        "总计",
        "未经复议直接起诉",
        "复议后起诉",
    )
)
_PAGE_MARK = re.compile(
    r"^(?:[-—－–]\s*\d{1,4}\s*[-—－–]|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d{1,4}\s*/\s*\d{1,4})$"
)
_FIRST_T3_ROW = re.compile(r"^(?:一[、.])?本年新收政府信息公开申请")
# a number printed on a line of its own with a note: a cell pulled out of its row (PDF text)
_ANNOTATED = re.compile(r"^(\d+)\s*\(其中[^()]{1,30}\)$")
_ITEM_NUMBER = re.compile(r"(\d{1,2})[.、](?!\d)")  # 「2.」 of a T3 sub-item, after NFKC
_MAX_ROW_LABEL = 80  # normalised characters; longer text in a table context is prose
_HEADING_TABLE = {"active_disclosure": "T2", "applications": "T3", "review_litigation": "T4"}
# Document.kind → the kind of evidence its cells carry (converted legacy files read as their HTML)
_EVIDENCE: dict[str, EvidenceKind] = {"html": "html", "docx": "docx", "xlsx": "sheet", "xls": "sheet",
                                      "pdf": "pdf", "text": "text"}  # fmt: skip


def _values_before(cells: list[str | None], first: int) -> bool:
    """A T4 data row holds numbers left of the column the header's first 「结果维持」 was found in:
    that header cell was misread (OCR's 「结果维」 for a wrapped 「结果维持」), not a row label stands
    there — read from `first` on, the row's values would move a whole group left (行政复议's lost,
    the litigation groups' passed on as 行政复议's, all sure)."""
    head = [c for c in cells[:first] if c is not None and clean(c)]
    return bool(head) and all(is_value_like(c) for c in head)


def _placed_grid(grid: Grid, kind: EvidenceKind, where: dict[int, tuple]) -> list[list[str | None]]:
    """The grid's rows with every cell's text as a Placed object whose position — table, row and
    column in the source (page for a PDF, line for a text rendition) — `where` records as
    Evidence fields (kind, page, box, table, row, col, path, line)."""
    out: list[list[str | None]] = []
    src, lines, page, index, path = grid.source_rows, grid.lines, grid.page, grid.index, grid.path
    pages, boxes = grid.pages, grid.boxes  # ruled PDF grids: the row's page, the cell's ruled box
    if kind != "text":
        lines = None
    for i, row in enumerate(grid.rows):
        r = src[i] if src else i
        if pages is not None:
            page = pages[i]
        placed_row: list[str | None] = []
        append = placed_row.append
        for j, c in enumerate(row):
            if c is None or isinstance(c, OcrText):  # OCR text carries its own page and box
                append(c)
                continue
            p = Placed(c)
            if lines is not None:
                where[id(p)] = ("text", None, None, None, None, None, None, lines[i])
            elif kind == "text":  # rows joined from several lines: the position in the table
                where[id(p)] = ("text", None, None, index, r, j)
            else:
                box = boxes[i][j] if boxes is not None else None
                where[id(p)] = (kind, page, box, index, r, j, path)
            append(p)
        out.append(placed_row)
    return out


@dataclass
class _Table:
    name: str
    rows: dict[str, dict[str, Cell]]
    seen: bool = False


@dataclass
class _State:
    schema: FormatSchema
    t2: _Table
    t3: _Table
    t4: _Table
    notes: list[ParseNote] = field(default_factory=list)
    extra: dict[str, Cell] = field(default_factory=dict)
    ctx: str | None = None  # "T2" | "T3" | "T4"
    t3_group: str | None = None
    pending_labels: list[str] = field(default_factory=list)
    pending_row: tuple[str, str, list[str], bool] | None = (
        None  # (ctx, row key, values so far, exact)
    )
    t4_buffer: list[tuple[list[str], bool]] = field(default_factory=list)  # value rows, exact?
    last_t3_row: str | None = None
    first_data: int | None = (
        None  # data column of the last exact grid's header, and that grid's width
    )
    first_data_width: int = -1
    t4_first: int | None = None
    started: bool = False  # a caption, header row or grid of the current table has been seen
    text_rows: set[str] = field(default_factory=set)  # rows filled from inexact (text) sources
    annotated: list[str] = field(default_factory=list)  # 「22（其中修订16件）」 printed apart
    t3_subtotal: bool = (
        False  # the provincial T3 variant: a 「法人或其他组织小计」 column after 其他
    )
    evidence: EvidenceKind | None = None  # the kind of Evidence cells of this document carry
    where: dict[int, tuple] = field(default_factory=dict)  # id(Placed text) → Evidence fields


def _line_evidence(kind: EvidenceKind | None, block: Paragraph) -> Evidence | None:
    """Where a text line is: its line in a text rendition, its page in a PDF."""
    if kind == "text" and block.line is not None:
        return Evidence(kind="text", line=block.line)
    if kind == "pdf" and block.page is not None:
        return Evidence(kind="pdf", page=block.page, box=block.box)  # the line's box
    return None


def _without_label_padding(slots: list[str] | None, n_cols: int) -> list[str] | None:
    """A TAB/pipe row's cells after its label, without the empty label columns a row-spanning
    group label left at the start (「三、本年度办理结果 | （一）予以公开 | (empty) | 3 | …」), when
    that leaves exactly one cell per column and the row holds values at all."""
    if not slots or len(slots) <= n_cols:
        return slots
    extra = len(slots) - n_cols
    if any(clean(c) for c in slots[:extra]) or not any(clean(c) for c in slots[extra:]):
        return slots
    return slots[extra:]


def _similarity(a: str, b: str) -> float:
    """How alike two labels are (0…1), character sequence based."""
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _filled(row: dict[str, Cell]) -> bool:
    """Whether any cell of the row has been read (a loop: a generator costs more than the check)."""
    for c in row.values():
        if c.kind != "missing":
            return True
    return False


def _empty(rows: list[Label], cols: list[Label] | tuple[Label, ...]) -> dict[str, dict[str, Cell]]:
    keys = [c.key for c in cols]
    return {r.key: {k: Cell() for k in keys} for r in rows}  # Cell() is kind="missing"


class TableReader:
    """Reads the three tables of one format out of a document."""

    def __init__(self, format_version: str) -> None:
        schema = SCHEMAS[format_version]
        self.format = format_version
        self.schema = schema
        self.t2_rows = {r.key: (b, r) for b in schema.t2_blocks for r in b.rows}
        self._t2_cols = {key: list(b.cols) for key, (b, _) in self.t2_rows.items()}
        self._t3_cols = list(T3_COLS)
        self.t2_index = LabelIndex([r for b in schema.t2_blocks for r in b.rows])
        self.t3_index = LabelIndex(schema.t3_rows)
        other = "2019" if format_version == "2021" else "2021"
        own = {r.key for r in schema.t3_rows}
        self.t3_foreign = LabelIndex([r for r in SCHEMAS[other].t3_rows if r.key not in own])
        self.t4_group_index = LabelIndex(T4_GROUPS)
        self._other_handling = LabelIndex(
            [r for r in SCHEMAS["2019"].t3_rows if r.key == "other_handling"]
        )

    # --- public ---------------------------------------------------------------------------

    def read(
        self, doc: Document
    ) -> tuple[dict[str, Table | None], dict[str, Cell], list[ParseNote]]:
        st = _State(
            schema=self.schema,
            t2=_Table("active_disclosure", {}),
            t3=_Table("applications", _empty(list(self.schema.t3_rows), T3_COLS)),
            t4=_Table("review_litigation", _empty(list(T4_GROUPS), T4_COLS)),
            evidence=_EVIDENCE.get(doc.kind),
        )
        for b in self.schema.t2_blocks:
            for r in b.rows:
                st.t2.rows[r.key] = {c.key: Cell() for c in b.cols}  # kind="missing"
        for block in doc.blocks:
            if isinstance(block, Grid):
                self._grid(st, block)
            elif isinstance(block, Paragraph):
                self._paragraph(st, block.text, _line_evidence(st.evidence, block))
        self._flush_pending(st)
        self._finish_t4(st)
        self._note_missing_rows(st)
        tables: dict[str, Table | None] = {
            t.name: (t.rows if t.seen else None) for t in (st.t2, st.t3, st.t4)
        }
        return tables, st.extra, st.notes

    @staticmethod
    def _note_missing_rows(st: _State) -> None:
        """Rows of a table found in the document that never showed up: say which, once per table."""
        named = {c for n in st.notes for c in n.cells}
        for t in (st.t2, st.t3, st.t4):
            if not t.seen:
                continue
            rows = [
                k
                for k, cols in t.rows.items()
                if all(c.kind == "missing" and c.note is None for c in cols.values())
                and not all(cell_path(t.name, k, c) in named for c in cols)
            ]
            if rows:
                st.notes.append(
                    ParseNote(
                        "missing_row",
                        f"{t.name}: rows not found: {', '.join(rows)}",
                        [cell_path(t.name, r, c) for r in rows for c in t.rows[r]],
                    )
                )

    # --- blocks ---------------------------------------------------------------------------

    def _paragraph(self, st: _State, text: str, evidence: Evidence | None = None) -> None:
        hk = heading_key(text)
        if hk is None and len(text) > 30:
            run = run_in_heading(text)
            hk = (run[0], run[1]) if run else None
        if hk is not None:
            self._flush_pending(st)
            st.ctx = _HEADING_TABLE.get(hk[0])
            st.started = False  # a heading only arms the table; prose under it is not a row
            st.t3_group = None
            st.pending_labels.clear()
            return
        if _PAGE_MARK.match(text.strip()):
            return  # page number of a PDF page inside a table: never a value
        n = norm_line(text)
        m = _ANNOTATED.match(n)
        if m and st.ctx in (None, "T2"):
            st.annotated.append(m.group(1))
            return
        if st.ctx is None and not _CAPTION.match(n) and "勾稽" not in n:
            # outside a table only a caption or the T3 corner note opens one; prose stays prose
            if not self._opens_table(n):
                return
        tokens = line_tokens(text)
        if evidence is not None:
            tokens = [Placed(t) for t in tokens]
            at = (evidence.kind, evidence.page, evidence.box, None, None, None, None, evidence.line)
            for t in tokens:
                st.where[id(t)] = at
        segs = split_cells(tokens, exact=False, from_line=True)
        # merge adjacent label tokens back into one label (a label may contain spaces)
        for seg in segs:
            if len(seg.labels) > 1:
                seg.labels = ["".join(seg.labels)]
        for seg in segs:
            if seg.labels and len(seg.labels[0]) > 2 * _MAX_ROW_LABEL:
                continue  # prose (checked on the raw length: long text stays out of the label cache)
            self._segment(st, seg, row_cells=None)

    @staticmethod
    def _opens_table(n: str) -> bool:
        return n.startswith(("信息内容", "申请人情况")) or _FIRST_T3_ROW.match(n) is not None

    def _grid(self, st: _State, grid: Grid) -> None:
        rows = grid.rows if st.evidence is None else _placed_grid(grid, st.evidence, st.where)
        if not grid.exact:  # text grids: no header columns, only segments (most text reports)
            for row in rows:
                for seg in split_cells([c for c in row if c is not None], exact=False):
                    self._segment(st, self._text_cells(st, seg), row_cells=None)
            return
        # an exact grid (HTML/DOCX/XLSX/ruled PDF): its header row tells where the data columns start
        width = max((len(r) for r in grid.rows), default=0)
        # a continuation page of the same table (same width) keeps the header's data column
        same = st.first_data_width == width
        first_data = st.first_data if same else None
        t4_first = st.t4_first if same else None  # column of the first 结果维持 of the T4 header
        for row in rows:
            cells = list(row)
            n_cells = [norm(c) for c in cells if c]
            joined = "".join(n_cells)
            present = [c for c in cells if c is not None]
            fd = self._header_first_data(st, cells, joined)
            if fd is not None:
                first_data = fd
            elif "结果维持" in joined or core(present[0] if present else "") == "行政复议":
                first_data = None  # T4 header: its data rows are read from t4_first on
                cores = [core(c) if c else "" for c in cells]
                if "结果维持" in cores:
                    i = cores.index("结果维持")
                    t4_first = i if t4_first is None else min(t4_first, i)
            if (
                st.ctx == "T4"
                and t4_first is not None
                and first_data is None
                and not _values_before(cells, t4_first)
            ):
                tail = [c for c in cells[t4_first:] if c is not None]
                if tail and all(is_value_like(c) or not clean(c) for c in tail):
                    present = tail  # a row label left of the T4 columns is not a value
                elif any(is_value_like(c) for c in tail) and all(
                    is_value_like(c) or not clean(c) or self._text_value(c) for c in tail
                ):
                    # short text among the values (「见附件」, or OCR's 「Klb」 for a 0 under a
                    # seal) holds its column, as in T2/T3: read in order it would shift the rest
                    self._segment(st, Segment([], tail, True), row_cells=n_cells)
                    continue
            if present and all(is_value_like(c) or not clean(c) for c in present):
                # a row of values only (T4 data row): every cell counts, blanks in place
                if any(clean(c) for c in present) or (st.ctx == "T4" and len(present) >= 5):
                    self._segment(st, Segment([], present, True), row_cells=n_cells)
                continue
            if first_data is not None and not _CAPTION.search(joined):
                segs = self._exact_segments(cells, first_data)
            else:
                segs = split_cells(present, exact=True)
            for seg in segs:
                self._segment(st, seg, row_cells=n_cells)
        st.first_data, st.first_data_width, st.t4_first = first_data, width, t4_first

    def _header_first_data(self, st: _State, cells: list[str | None], joined: str) -> int | None:
        """Column index where data starts, when this exact row is a header row."""
        if "自然人" not in joined and "信息内容" not in joined:
            return None
        cores = [core(c) if c else "" for c in cells]
        if "自然人" in cores:
            return cores.index("自然人")
        if cores and "信息内容" in cores:
            i = cores.index("信息内容")
            for j in range(i + 1, len(cells)):
                if cells[j] is not None:
                    return j
        return None

    def _exact_segments(self, cells: list[str | None], first_data: int) -> list[Segment]:
        head = [c for c in cells[:first_data] if c is not None and clean(c)]
        tail = [c for c in cells[first_data:] if c is not None]
        if any(is_value_like(c) for c in head) or any(
            clean(c) and not is_value_like(c) and not self._text_value(c) for c in tail
        ):
            # the row does not follow the header's columns: fall back to reading it in order
            return split_cells([c for c in cells if c is not None], exact=True)
        return [Segment(head, tail, True)]

    def _text_cells(self, st: _State, seg: Segment) -> Segment:
        """「行政强制 | 见附件」 in a TAB/pipe row: a row label followed only by short text is a row
        whose cells hold text (V-006), not a label running on."""
        if seg.values or len(seg.labels) < 2:
            return seg
        index = {"T2": self.t2_index, "T3": self.t3_index}.get(st.ctx or "")
        if index is None or index.exact(seg.labels[0]) is None:
            return seg
        rest = seg.labels[1:]
        if not all(self._text_value(c) for c in rest):
            return seg
        return Segment(seg.labels[:1], rest, False, seg.from_text_line, rest)

    def _text_value(self, cell: str) -> bool:
        """Short text in a data column (「见附件」「详见说明」) is the cell's text value (V-006),
        unless it names a row, a group or a header (then the row does not follow the header)."""
        c = core(cell)
        if not c or len(c) > 8 or _CAPTION.search(c) or c in _T3_HEADER_WORDS | _T4_HEADER_WORDS:
            return False
        if self._group_of(cell) or self.t4_group_index.exact(cell):
            return False
        return self.t2_index.match(cell) is None and self.t3_index.match(cell) is None

    # --- segments -------------------------------------------------------------------------

    def _segment(self, st: _State, seg: Segment, row_cells: list[str] | None) -> None:
        label_text = "".join([norm(x) for x in seg.labels])
        if seg.labels and seg.values and not any(map(clean, seg.values)):
            # only blanks after a label: a data row with nothing filled in, or a group label row
            # (「三、本年度办理结果」) — which one is decided by whether the label names a row
            if not self._names_row(st, seg):
                seg = Segment(seg.labels, [], seg.exact, seg.from_text_line)
        if seg.labels:
            ctx_before = st.ctx
            switched = self._switch_context(st, seg, label_text, row_cells)
            if switched or st.ctx != ctx_before:
                st.started = True
            if switched:
                return
        if st.ctx is None:
            return
        if not seg.from_text_line:
            st.started = True
        elif not st.started:
            # text under a section heading before the table starts: only an exact row label
            # (or a full T4 line) starts reading, so 「本年度办理行政许可 1203 件」 stays prose
            index = {"T2": self.t2_index, "T3": self.t3_index}.get(st.ctx)
            if index is not None and seg.labels and seg.values and index.exact(seg.labels[-1]):
                st.started = True
            elif st.ctx == "T4" and not seg.labels and len(seg.values) >= 5:
                st.started = True
            else:
                return
        if st.ctx == "T2":
            self._t2(st, seg, label_text)
        elif st.ctx == "T3":
            self._t3(st, seg, label_text)
        elif st.ctx == "T4":
            self._t4(st, seg, label_text)

    def _names_row(self, st: _State, seg: Segment) -> bool:
        words = {core(x) for x in seg.labels}
        if len(words & (_T3_HEADER_WORDS | _T4_HEADER_WORDS)) >= 2:
            return False  # a header row (「商业企业 … 其他」) with an empty cell at its end
        index = {"T2": self.t2_index, "T3": self.t3_index}.get(st.ctx or "")
        if index is None:
            return st.ctx == "T4"
        if st.ctx == "T3" and core(seg.labels[-1]) in ("其他", "总计"):
            return True
        return self._match_row(st, seg, index) is not None

    def _switch_context(
        self, st: _State, seg: Segment, label_text: str, row_cells: list[str] | None
    ) -> bool:
        """Handle captions and header rows; True when the segment was only that."""
        m = _CAPTION.search(label_text)
        if m and (m.start() <= 2 or len(label_text) <= 24):  # a caption, not prose citing 第二十条
            self._flush_pending(st)
            st.started = True
            st.ctx = "T2"
            st.t2.seen = True
            st.pending_labels.clear()
            return not seg.values
        if label_text.startswith("信息内容"):
            self._flush_pending(st)
            st.ctx = "T2"
            st.t2.seen = True
            return True
        if "勾稽" in label_text or label_text.startswith("申请人情况"):
            self._flush_pending(st)
            st.ctx, st.t3_group, st.t3_subtotal = "T3", None, False
            st.t3.seen = True
            st.pending_labels.clear()
            return True
        words = (
            {core(x) for x in seg.labels} if not seg.values else set()
        )  # only used without values
        if not seg.values and len(words & _T3_HEADER_WORDS) >= 2 and "结果维持" not in words:
            st.ctx = "T3"
            st.t3.seen = True
            st.pending_labels.clear()
            if any(w.endswith("小计") for w in words):
                st.t3_subtotal = True  # provincial variant: 28 rows × 8 columns
            return True
        if not seg.values and (
            len(words & _T4_HEADER_WORDS) >= 2
            or words & {"结果维持", "未经复议直接起诉", "复议后起诉"}
            or (words == {"行政复议"} and st.ctx != "T4")
        ):
            self._flush_pending(st)
            st.ctx = "T4"
            st.t4.seen = True
            st.pending_labels.clear()
            return True
        if st.ctx != "T3" and seg.values and self.t3_index.exact(seg.labels[-1]) == "new_received":
            self._flush_pending(st)
            st.ctx, st.t3_group = "T3", None
            st.t3.seen = True
        return False

    # T2 --------------------------------------------------------------------------------------

    def _t2(self, st: _State, seg: Segment, label_text: str) -> None:
        key = self._match_row(st, seg, self.t2_index)
        if key is None:
            if seg.values and seg.labels:
                self._unknown_row(st, "active_disclosure", seg)
            elif seg.values:
                self._unmatched_values(st, "active_disclosure", seg)
            else:
                self._close_partial(st)
            return
        self._row_values(st, "T2", key, seg)

    # T3 --------------------------------------------------------------------------------------

    def _t3(self, st: _State, seg: Segment, label_text: str) -> None:
        for lab in seg.labels:
            g = self._group_of(lab)
            if g:
                st.t3_group = g
        key = self._match_t3(st, seg)
        if key is None and seg.values and seg.labels and core(seg.labels[-1]).endswith("小计"):
            if st.t3_group in T3_SUBTOTAL_GROUPS:
                # a subtotal row of the provincial variant: kept apart (extra cells) and checked
                row = subtotal_row(st.t3_group)
                vals = self._split_subtotal(st, row, seg.values, seg.exact)
                self._extra_row(st, "applications", row, T3_COLS, vals)
                return
        if key is None:
            if seg.values and self._is_single_other(seg):
                self._single_other(st, seg)
                return
            if seg.values and seg.labels:
                foreign = self.t3_foreign.match(seg.labels[-1])
                if foreign and foreign != "other_handling":
                    self._extra_row(st, "applications", foreign, T3_COLS, seg)
                else:
                    self._unknown_row(st, "applications", seg)
            elif (
                seg.values and st.pending_row is None and self._t3_done(st) and len(seg.values) >= 5
            ):
                st.ctx = (
                    "T4"  # T4 without a readable header right after T3 (vertical PDF header text)
                )
                self._t4(st, seg, label_text)
            elif seg.values:
                self._unmatched_values(st, "applications", seg)
            else:
                self._close_partial(st)
                st.pending_labels.extend(seg.labels)
                del st.pending_labels[:-3]
            return
        st.pending_labels.clear()
        self._row_values(st, "T3", key, seg)

    @staticmethod
    def _t3_done(st: _State) -> bool:
        return _filled(st.t3.rows["carried_over_out"])

    def _group_of(self, label: str) -> str | None:
        c = core(label)
        return _T3_GROUP.get(c)

    def _is_single_other(self, seg: Segment) -> bool:
        return bool(seg.labels) and self._other_handling.exact(seg.labels[-1]) == "other_handling"

    def _match_t3(self, st: _State, seg: Segment) -> str | None:
        if seg.labels:
            last = core(seg.labels[-1])
            if last == "其他":
                after = (st.last_t3_row or "").startswith(("other_", "not_processed_"))
                if self.format == "2021" and (st.t3_group == "other" or after):
                    return "other_other"
                return None
            if last == "总计":  # the row （七）总计, unless it is the column header before any row
                return "results_total" if seg.values or st.last_t3_row else None
            if last == "其他处理" and self.format == "2021":
                return None
        key = self._match_row(st, seg, self.t3_index)
        if key is None and seg.labels and seg.values:
            key = self._damaged_t3_label(st, seg.labels[-1])
        return key

    def _damaged_t3_label(self, st: _State, label: str) -> str | None:
        """A sub-item label damaged in print (a character lost, a stacked group character glued
        on: 「度2.重复申」): its number under the current group, its position after the last row
        read and a fuzzy match must agree; anything ambiguous stays unmatched (the row is then
        reported, never guessed)."""
        group = st.t3_group
        if group not in T3_SUBTOTAL_GROUPS:
            return None
        items = [r for r in self.schema.t3_rows if r.key.startswith(group + "_")]
        n = norm(label)
        m = _ITEM_NUMBER.search(n)
        text = core(n[m.start() :] if m else n)
        if len(text) < 3:
            return None
        scores = {r.key: _similarity(text, core(r.label)) for r in items}
        best = max(scores, key=scores.__getitem__)
        by_number = (
            items[int(m.group(1)) - 1].key if m and 0 < int(m.group(1)) <= len(items) else None
        )
        keys = [r.key for r in self.schema.t3_rows]
        by_position = None
        if st.last_t3_row in keys and keys.index(st.last_t3_row) + 1 < len(keys):
            by_position = keys[keys.index(st.last_t3_row) + 1]
        runner_up = max((v for k, v in scores.items() if k != best), default=0.0)
        if by_number is not None and by_number in (by_position, best) and scores[by_number] >= 0.5:
            key = by_number
        elif scores[best] >= 0.75 and scores[best] - runner_up >= 0.2:
            key = best
        else:
            return None
        if _filled(st.t3.rows[key]):
            return None  # that row was read already: this is not it
        return key

    def _single_other(self, st: _State, seg: Segment) -> None:
        """2021 report printing the 2019 single （六）其他处理 row (§7 ex. 19): keep it as extra cells."""
        if self.format == "2019":
            return
        self._extra_row(st, "applications", "other_handling", T3_COLS, seg)
        st.t3.seen = True
        st.notes.append(
            ParseNote(
                code="single_other_handling",
                message="2021 table prints a single （六）其他处理 row; its numbers are kept in extra_cells "
                "and the three 2021 sub-rows are missing",
                cells=[
                    cell_path("applications", r, c.key)
                    for r in ("other_no_correction", "other_fee_unpaid", "other_other")
                    for c in T3_COLS
                ],
            )
        )

    # T4 --------------------------------------------------------------------------------------

    def _t4(self, st: _State, seg: Segment, label_text: str) -> None:
        if not seg.values:
            return
        if seg.labels:
            g = self.t4_group_index.exact(seg.labels[-1])
            if g and len(seg.values) <= len(T4_COLS):
                st.t4.seen = True
                self._assign(st, st.t4, g, list(T4_COLS), seg.values, seg.exact)
                return
            if (len(label_text) > 20 or seg.from_text_line) and len(seg.values) < 5:
                return  # prose with a number in it (「共发生行政复议 1 件」)
        st.t4.seen = True
        if not seg.exact and seg.slots and len(seg.slots) == len(T4_COLS) * len(T4_GROUPS):
            st.t4_buffer.append((seg.slots, True))  # one cell per column: blanks in place
            return
        vals = seg.values if seg.exact else [v for v in seg.values if clean(v)]
        st.t4_buffer.append((vals, seg.exact))

    def _finish_t4(self, st: _State) -> None:
        if not st.t4_buffer:
            return
        buf = st.t4_buffer
        expected = len(T4_COLS) * len(T4_GROUPS)
        if sum(len(v) for v, _ in buf) > expected:
            buf = [(v, e) for v, e in buf if any(clean(x) for x in v)]  # drop blank spacer rows
        exact = all(e for _, e in buf)
        values = [x for v, _ in buf for x in v]
        width = len(T4_COLS)
        for gi, g in enumerate(T4_GROUPS):
            chunk = values[gi * width : (gi + 1) * width]
            if all(c.kind == "missing" for c in st.t4.rows[g.key].values()):
                self._assign(st, st.t4, g.key, list(T4_COLS), chunk, exact, quiet=True)
        if len(values) < expected:
            missing = [
                cell_path("review_litigation", g.key, c.key)
                for gi, g in enumerate(T4_GROUPS)
                for ci, c in enumerate(T4_COLS)
                if gi * width + ci >= len(values)
            ]
            st.notes.append(
                ParseNote(
                    "unsure_cell",
                    f"T4 has {len(values)} of {expected} values; the rest are missing",
                    missing,
                )
            )
        elif len(values) > expected:
            st.notes.append(
                ParseNote(
                    "extra_values",
                    f"T4 has {len(values)} values, {expected} expected; extra ignored: "
                    + " ".join(values[expected:])[:200],
                )
            )

    # shared ----------------------------------------------------------------------------------

    def _match_row(self, st: _State, seg: Segment, index: LabelIndex) -> str | None:
        if seg.labels:
            for cand in (seg.labels[-1], "".join(seg.labels)):
                key = index.exact(cand)
                if key:
                    return key
            for cand in (seg.labels[-1], "".join(seg.labels)):
                key = index.match(cand)
                if key:
                    return key
            if st.pending_labels:
                key = index.match("".join(st.pending_labels) + "".join(seg.labels))
                if key:
                    return key
            return None
        if st.pending_row is not None:
            return None
        if st.pending_labels:
            return index.match("".join(st.pending_labels))
        return None

    def _cols(self, ctx: str, key: str) -> list[Label]:
        """The row's columns (one list per row, built once: callers only read it)."""
        return self._t2_cols[key] if ctx == "T2" else self._t3_cols

    def _row_values(self, st: _State, ctx: str, key: str, seg: Segment) -> None:
        """Values for a matched row. A text line short of values stays open: in PDF text the
        numbers of a row may continue on the next line, or come after a wrapped label."""
        self._flush_pending(st)
        slots = _without_label_padding(seg.slots, len(self._cols(ctx, key)))
        if not seg.exact and slots and len(slots) == len(self._cols(ctx, key)):
            # a clean pipe/TAB export: one cell per column, so an empty one is a blank in place
            self._store(st, ctx, key, slots, True, text=True)
            return
        vals = list(seg.values)
        filled = vals if seg.exact else list(filter(clean, vals))
        if (not seg.values or seg.from_text_line) and len(filled) < len(self._cols(ctx, key)):
            st.pending_row = (ctx, key, vals, seg.exact)
            return
        self._store(st, ctx, key, vals, seg.exact)

    def _store(
        self,
        st: _State,
        ctx: str,
        key: str,
        values: list[str],
        exact: bool,
        *,
        text: bool | None = None,
    ) -> None:
        table = st.t2 if ctx == "T2" else st.t3
        table.seen = True
        if ctx == "T3":
            values = self._split_subtotal(st, key, values, exact)
        elif st.annotated and not exact and self._short_by_one(ctx, key, values):
            self._unsure_row(st, key, values)
            return
        self._assign(st, table, key, self._cols(ctx, key), values, exact, text=text)
        if ctx == "T3":
            st.last_t3_row = key
            if key == "carried_over_out":
                st.t3_group = None

    def _short_by_one(self, ctx: str, key: str, values: list[str]) -> bool:
        return ctx == "T2" and len([v for v in values if clean(v)]) == len(self._cols(ctx, key)) - 1

    def _unsure_row(self, st: _State, key: str, values: list[str]) -> None:
        """A T2 row one value short while a number was printed apart with a note
        (「22（其中修订16件）」): which column the values belong to is not certain, so none of
        them is placed — the cells say so (kind unreadable, a note), never a shifted number."""
        shown = " ".join(v for v in values if clean(v))
        apart = st.annotated.pop(0)
        row = st.t2.rows[key]
        for col in row:
            row[col] = Cell(
                raw=shown,
                kind="unreadable",
                note=f"row printed with {shown!r} and {apart} printed apart; column unsure",
            )
        st.text_rows.add(f"active_disclosure.{key}")

    @staticmethod
    def _split_subtotal(st: _State, key: str, values: list[str], exact: bool) -> list[str]:
        """Provincial T3 rows carry 8 values: the 「法人或其他组织小计」 (after 其他) is kept as the
        extra cell `applications.<row>.legal_person_subtotal` and the 7 national columns remain."""
        if not st.t3_subtotal:
            return values
        vals = list(values) if exact else [v for v in values if clean(v)]
        while len(vals) > len(T3_COLS) + 1 and not clean(vals[-1]):
            vals.pop()
        if len(vals) != len(T3_COLS) + 1:
            return values
        sub = vals.pop(len(T3_COLS) - 1)
        st.extra[cell_path("applications", key, LEGAL_PERSON_SUBTOTAL)] = with_evidence(
            parse_cell(sub), sub, st.where
        )
        return vals

    def _unmatched_values(self, st: _State, table: str, seg: Segment) -> None:
        pr = st.pending_row
        if pr is not None:
            ctx, key, vals, exact = pr
            vals.extend(seg.values)
            filled = vals if exact and seg.exact else [v for v in vals if clean(v)]
            if len(filled) >= len(self._cols(ctx, key)):
                st.pending_row = None
                self._store(st, ctx, key, vals, exact and seg.exact)
            st.pending_labels.clear()
            return
        if len(seg.values) >= 2 and not seg.from_text_line:
            st.notes.append(
                ParseNote(
                    "unknown_row",
                    f"{table}: values without a row label dropped: " + " ".join(seg.values)[:200],
                )
            )

    def _close_partial(self, st: _State) -> None:
        """Other text after a row short of values: its values are not continuing, close it."""
        if st.pending_row is not None and st.pending_row[2]:
            self._flush_pending(st)

    def _flush_pending(self, st: _State) -> None:
        """A row label that never got values: its cells stay missing, and say so."""
        if st.pending_row is None:
            return
        ctx, key, vals, exact = st.pending_row
        st.pending_row = None
        table = st.t2 if ctx == "T2" else st.t3
        table.seen = True
        if vals:
            self._store(st, ctx, key, vals, exact)  # fewer values than columns: tail missing, noted
            return
        if all(c.kind == "missing" for c in table.rows[key].values()):
            st.notes.append(
                ParseNote(
                    "unsure_cell",
                    f"{table.name}.{key}: row label without values",
                    [cell_path(table.name, key, c) for c in table.rows[key]],
                )
            )

    def _unknown_row(self, st: _State, table: str, seg: Segment) -> None:
        if seg.from_text_line and len(seg.values) < 2:
            return
        label = "".join(seg.labels).strip()
        st.notes.append(
            ParseNote(
                "unknown_row",
                f"{table}: row 「{label[:60]}」 is not in the national format; "
                f"dropped ({' '.join(seg.values)[:100]})",
            )
        )

    def _extra_row(
        self,
        st: _State,
        table: str,
        key: str,
        cols: tuple[Label, ...],
        seg: Segment | list[str],
    ) -> None:
        if isinstance(seg, Segment):
            vals = seg.values if seg.exact else [v for v in seg.values if clean(v)]
        else:
            vals = seg
        for col, raw in zip(cols, vals, strict=False):
            st.extra[cell_path(table, key, col.key)] = with_evidence(parse_cell(raw), raw, st.where)
        if key != "other_handling" and not key.startswith("subtotal_"):
            st.notes.append(
                ParseNote(
                    "unknown_row",
                    f"{table}: row {key} belongs to the other format; kept in extra_cells",
                    [cell_path(table, key, c.key) for c in cols],
                )
            )

    def _assign(
        self,
        st: _State,
        table: _Table,
        key: str,
        cols: list[Label],
        values: list[str],
        exact: bool,
        *,
        quiet: bool = False,
        text: bool | None = None,
    ) -> None:
        text = (not exact) if text is None else text  # values came from a text rendition
        row = table.rows[key]
        path = f"{table.name}.{key}"
        if _filled(row):
            if path in st.text_rows and not text:
                # a table cell beats a text line read earlier (prose that looked like a row)
                st.text_rows.discard(path)
                st.notes.append(
                    ParseNote("duplicate_row", f"{path} appears twice; the table's row is kept")
                )
            else:
                st.notes.append(
                    ParseNote("duplicate_row", f"{path} appears twice; the first is kept")
                )
                return
        elif text:
            st.text_rows.add(path)
        vals = values if exact else list(filter(clean, values))
        if exact and len(vals) > len(cols):
            # blanks beyond the columns are padding: first at the end (cells right of the table,
            # colspan artefacts), then at the start (label columns left empty)
            vals = list(vals)
            while len(vals) > len(cols) and not clean(vals[-1]):
                vals.pop()
            while len(vals) > len(cols) and not clean(vals[0]):
                vals.pop(0)
        for col, raw in zip(cols, vals, strict=False):
            row[col.key] = cell = with_evidence(parse_cell(raw, col.signed), raw, st.where)
            if isinstance(raw, OcrText):  # read by OCR: keep where and how surely
                cell.evidence = Evidence(kind="ocr", page=raw.page, box=raw.box)
                cell.score = raw.score
        if len(vals) < len(cols):
            missing = [cell_path(table.name, key, c.key) for c in cols[len(vals) :]]
            for c in cols[len(vals) :]:
                row[c.key] = Cell(kind="missing", note="row has fewer values than columns")
            if not quiet:
                st.notes.append(
                    ParseNote(
                        "unsure_cell",
                        f"{table.name}.{key}: {len(vals)} of {len(cols)} values "
                        "found; the rest are missing",
                        missing,
                    )
                )
        elif len(vals) > len(cols):
            st.notes.append(
                ParseNote(
                    "extra_values",
                    f"{table.name}.{key}: {len(vals)} values for {len(cols)} "
                    f"columns; extra ignored: {' '.join(vals[len(cols) :])[:100]}",
                )
            )


_READERS: dict[str, TableReader] = {}


def read_tables(
    doc: Document, format_version: str
) -> tuple[dict[str, Table | None], dict[str, Cell], list[ParseNote]]:
    """The three tables of `doc` in `format_version` ("2021" or "2019"), extra cells, and notes."""
    reader = _READERS.get(format_version)
    if reader is None:  # label indexes are built once per format; reading state lives in read()
        reader = _READERS[format_version] = TableReader(format_version)
    return reader.read(doc)
