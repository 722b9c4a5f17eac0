"""DOCX → Document: paragraphs and tables in body order, merged cells expanded.

Read straight from the WordprocessingML body (the main part found through `_rels/.rels`, parsed
with DTDs refused and entities unresolved — the protections defusedxml gives): `w:gridSpan`
widens a cell over several grid columns (the extra positions are None), `w:vMerge` without
`restart` continues the cell above (None), `w:gridBefore` leaves leading positions empty ("").
Content controls (`w:sdt`) are read through. Text inside a table cell keeps its paragraph breaks
as newlines. Nested tables inside a cell are flattened into the cell text.
Every XML part is checked against the budgets (services/parser/extract/budget.py) before lxml
builds it: its inflated size as the zip directory states it, then the number of elements and
attributes it declares (`<` and `=` counted in the bytes — a tree never has more), so a small
file whose document.xml is 240 MB of tiny paragraphs is refused in milliseconds.
Settings read: none (limits come from services/parser/extract/dispatch.py).
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from services.parser.document import Block, Document, Grid, Paragraph
from services.parser.extract.budget import DEFAULT_LIMITS, Limits, meter
from services.parser.extract.zipguard import check_zip
from shared.errors import DecompressionBomb, UnreadableDocument

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


_SAFE_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


def _xml(z: zipfile.ZipFile, name: str, limits: Limits = DEFAULT_LIMITS):
    """A package part parsed safely: no DTDs (entity bombs), no network, no huge trees, and no
    more inflated bytes or nodes than the budget allows."""
    try:
        stated = z.getinfo(name).file_size
        if stated > limits.max_xml_part_bytes:
            raise DecompressionBomb(
                f"DOCX part {name!r} inflates to {stated:,} bytes"
                f" (limit {limits.max_xml_part_bytes:,} for one XML part)"
            )
        raw = z.read(name)
        meter().add_nodes(raw.count(b"<") + raw.count(b"="), f"DOCX part {name!r}")
        root = etree.fromstring(raw, _SAFE_XML)
        del raw
    except KeyError as e:
        raise UnreadableDocument(f"DOCX package has no part {name!r}") from e
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError) as e:
        raise UnreadableDocument(f"DOCX part {name!r} is corrupt: {e}") from e
    if root.getroottree().docinfo.internalDTD is not None:
        raise UnreadableDocument(f"DOCX part {name!r} declares a DTD (entity expansion is refused)")
    return root


def _main_part(z: zipfile.ZipFile) -> str:
    names = set(z.namelist())
    if "_rels/.rels" in names:
        for rel in _xml(z, "_rels/.rels").iter(_REL_NS + "Relationship"):
            if rel.get("Type", "").endswith(_OFFICE_DOCUMENT):
                return rel.get("Target", "").lstrip("/")
    return "word/document.xml"


def extract_docx(data: bytes, limits) -> Document:
    """Read word/document.xml directly (python-docx would also parse styles, numbering, theme…)."""
    check_zip(data, max_total=limits.max_unzipped, max_ratio=limits.max_ratio)
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as e:
        raise UnreadableDocument(f"DOCX package could not be opened: {e}") from e
    with z:
        root = _xml(z, _main_part(z), limits)
        title = None
        if "docProps/core.xml" in z.namelist():
            node = _xml(z, "docProps/core.xml", limits).find(_DC_TITLE)
            title = (node.text or "").strip() or None if node is not None else None
    body = root.find(W + "body")
    if body is None:
        raise UnreadableDocument("DOCX main part has no w:body")
    blocks: list[Block] = []
    _body(body, blocks)
    doc = Document(kind="docx", blocks=blocks, title=title)
    pictures = len(body.xpath(".//w:drawing | .//w:pict", namespaces={"w": W[1:-1]}))
    text = sum(len(b.text) for b in blocks if isinstance(b, Paragraph))
    if pictures and not any(isinstance(b, Grid) for b in blocks) and text <= 300:
        doc.image_only = True  # a scan pasted into Word
        doc.notes.append(
            f"document has {pictures} pictures, no tables and {text} characters of text"
        )
    return doc


def _body(parent, blocks: list[Block]) -> None:
    for child in parent:
        tag = child.tag
        if tag == W + "p":
            text = paragraph_text(child).strip()
            if text:
                blocks.extend(Paragraph(line.strip()) for line in text.split("\n") if line.strip())
        elif tag == W + "tbl":
            grid = table_grid(child)
            if grid.rows:
                grid.index = sum(isinstance(b, Grid) for b in blocks)  # tables in reading order
                blocks.append(grid)
        elif tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                _body(content, blocks)


def paragraph_text(p) -> str:
    out: list[str] = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen"):
        tag = el.tag
        if tag == W + "t":
            out.append(el.text or "")
        elif tag == W + "tab":
            out.append("\t")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        else:
            out.append("\n")
    return "".join(out)


def _cell_text(tc) -> str:
    lines = []
    for p in tc.iter(W + "p"):
        text = paragraph_text(p).strip()
        if text:
            lines.append(text)
    return "\n".join(lines)


def _int_attr(el, name: str, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, int(el.get(W + name, default)))
    except ValueError:
        return default


def table_grid(tbl) -> Grid:
    budget = meter()
    budget.check_time("a DOCX table")
    rows: list[list[str | None]] = []
    for tr in tbl.iterchildren(W + "tr"):
        trpr = tr.find(W + "trPr")
        before = _int_attr(trpr.find(W + "gridBefore") if trpr is not None else None, "val", 0)
        if before > 1:
            budget.add_cells(min(before, 1000), "a DOCX row's gridBefore")
        row: list[str | None] = [""] * min(before, 1000)
        for tc in _row_cells(tr):
            tcpr = tc.find(W + "tcPr")
            span = max(
                1,
                min(
                    _int_attr(tcpr.find(W + "gridSpan") if tcpr is not None else None, "val", 1),
                    1000,
                ),
            )
            if span > 1:  # the cell itself is one of the document's elements, already counted
                budget.add_cells(span, f"a DOCX cell spanning {span} columns")
            vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
            continued = vmerge is not None and vmerge.get(W + "val", "continue") != "restart"
            row.append(None if continued else _cell_text(tc))
            row.extend([None] * (span - 1))
        rows.append(row)
    return Grid(rows=rows, exact=True)


def _row_cells(tr):
    """Cells of a row, including those wrapped in content controls."""
    for child in tr:
        if child.tag == W + "tc":
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from (c for c in content if c.tag == W + "tc")
