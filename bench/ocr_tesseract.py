"""Tesseract (`chi_sim`) as a stand-in page reader — a MEASUREMENT HARNESS for bench/bench_ocr.py.

Issue #14 asks to choose the OCR engine by measured cell accuracy and speed; this module lets the
bench read the same scans with Tesseract instead of RapidOCR. It is bench-only code: the parser
never imports it, production has no Tesseract (Debian `tesseract-ocr tesseract-ocr-chi-sim` is
installed by hand for a measurement), and `tesseract_engine()` swaps
`services.parser.extract.ocr.read_page` only for the duration of a `with` block.

`read_page` keeps every engine-independent step of services/parser/extract/ocr.py (imported, not
copied): seal suppression, skew measured and undone, rulings found and erased, and — as ocr.py's
`recognise` does — the ruled cells found (services/parser/extract/ocr_cells.py) and read one by
one, the page outside the tables read page-wide. With `psm` given, the whole page is read
page-wide in that page segmentation mode instead (how ocr.py read before the cell reading).
Page orientation, which ocr.py settles with RapidOCR's detector, is asked of Tesseract's OSD
(`--psm 0`); the bench's upright scans only pay its time. The `tesseract` CLI runs single-threaded
(OMP_THREAD_LIMIT=1, as RapidOCR gets one thread): one process for the OSD, one for the page,
one for all the page's cells (a list of crop images: TSV `page_num` is the crop). TSV words
(level 5) become `OcrWord`s: text, box in page pixels, conf/100 as score.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from services.parser.extract import ocr

PAGE_PSM = 6  # one uniform block: the best cells of psm 3/4/6/11/12 read page-wide (README)
CELL_PSM = 6  # a cell crop: one line mostly, a wrapped label sometimes
LANG = "chi_sim+eng"
TIMEOUT = 300  # s per tesseract run: a hung process fails the bench, never stalls it


def words_by_image(tsv: str) -> dict[int, list[ocr.OcrWord]]:
    """Tesseract's TSV output → the words (level 5) of each image (`page_num`, from 1), with
    text, box (image px) and conf/100 as score."""
    out: dict[int, list[ocr.OcrWord]] = {}
    lines = tsv.splitlines()
    if not lines:
        return out
    head = lines[0].split("\t")
    col = {name: i for i, name in enumerate(head)}
    for line in lines[1:]:
        f = line.split("\t")
        if len(f) < len(head) or f[col["level"]] != "5":
            continue
        text = f[col["text"]].strip()
        conf = float(f[col["conf"]])
        if not text or conf < 0:  # -1: a block, paragraph or line row, not a word
            continue
        x, y = float(f[col["left"]]), float(f[col["top"]])
        w, h = float(f[col["width"]]), float(f[col["height"]])
        image = int(f[col["page_num"]]) if "page_num" in col else 1
        out.setdefault(image, []).append(ocr.OcrWord(text, (x, y, x + w, y + h), conf / 100.0))
    return out


def words_from_tsv(tsv: str) -> list[ocr.OcrWord]:
    """Every word of a TSV output, in order."""
    return [w for words in words_by_image(tsv).values() for w in words]


def _run(source: str | bytes, dpi: float, args: list[str], *, check: bool = True) -> str:
    """tesseract on a PNG (bytes, via stdin) or an image list file (path)."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    done = subprocess.run(
        ["tesseract", "stdin" if isinstance(source, bytes) else source, "stdout"]
        + ["--dpi", str(int(dpi)), *args],
        input=source if isinstance(source, bytes) else None,
        capture_output=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"tesseract failed: {done.stderr.decode(errors='replace')[-500:]}")
    return done.stdout.decode("utf-8", errors="replace")


def _png(grey: np.ndarray) -> bytes:
    import cv2

    ok, png = cv2.imencode(".png", grey)
    if not ok:  # pragma: no cover - a uint8 array always encodes
        raise RuntimeError("image could not be encoded")
    return png.tobytes()


def orientation(grey: np.ndarray, dpi: float) -> int:
    """Degrees (0/90/180/270, clockwise) Tesseract's OSD says the page must be turned; 0 when it
    cannot tell (too few characters: OSD exits non-zero; or low confidence)."""
    out = _run(_png(grey), dpi, ["--psm", "0", "-l", "osd"], check=False)
    rotate = re.search(r"Rotate:\s*(\d+)", out)
    conf = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not rotate or not conf or float(conf.group(1)) < 2.0:
        return 0
    return int(rotate.group(1)) % 360


def read_page(
    rgb: np.ndarray, dpi: float, *, threads: int = 1, psm: int | None = None
) -> ocr.OcrPage:
    """ocr.read_page's contract, read by Tesseract (`threads` is accepted and ignored: one)."""
    grey = ocr.grey_without_seal(rgb)
    turned = orientation(grey, dpi)
    grey = ocr.turn(grey, turned)
    skew = ocr.measure_skew(grey)
    if abs(skew) >= ocr.SKEW_STEP / 2:
        grey = ocr.rotate(grey, -skew)
    rules, mask = ocr.find_rules(grey, dpi)
    clean = grey.copy()
    clean[mask > 0] = 255
    page = ocr.OcrPage(grey.shape[1], grey.shape[0], dpi, rules=rules, rotation=turned, skew=skew)
    if psm is not None:
        page.words = _page_words(clean, dpi, psm)
    else:
        page.words = _cell_words(clean, rules, dpi)
    return page


def _page_words(grey: np.ndarray, dpi: float, psm: int) -> list[ocr.OcrWord]:
    return words_from_tsv(_run(_png(grey), dpi, ["--psm", str(psm), "-l", LANG, "tsv"]))


def _cell_words(grey: np.ndarray, rules: list, dpi: float) -> list[ocr.OcrWord]:
    """As ocr.recognise: ruled cells read one by one, the rest of the page page-wide."""
    from services.parser.extract.ocr_cells import blank_tables, cell_lines, ink_boxes, ruled_tables

    tables = ruled_tables(rules, grey.shape[1], grey.shape[0], dpi)
    cells = [c for _, table_cells in tables for c in table_cells]
    inks = ink_boxes(ocr._binary(grey), cells, dpi)
    # no line detector: a tall cell (a wrapped label) is read whole, psm 6 finds its lines
    lines = [line.box for line in cell_lines(grey, inks, lambda img: [])]
    words = _page_words(blank_tables(grey, tables), dpi, PAGE_PSM)
    if not lines:
        return words
    with tempfile.TemporaryDirectory(prefix="nianbao-tess-") as tmp:
        paths = []
        for i, (x0, y0, x1, y1) in enumerate(lines):
            pad = max(4, (y1 - y0) // 3)  # the margin ocr.recognise gives a cell crop
            crop = np.full((y1 - y0 + 2 * pad, x1 - x0 + 2 * pad), 255, dtype=np.uint8)
            crop[pad : pad + y1 - y0, pad : pad + x1 - x0] = grey[y0:y1, x0:x1]
            path = Path(tmp) / f"{i:05d}.png"
            path.write_bytes(_png(crop))
            paths.append(str(path))
        listing = Path(tmp) / "cells.txt"
        listing.write_text("\n".join(paths) + "\n")
        read = words_by_image(_run(str(listing), dpi, ["--psm", str(CELL_PSM), "-l", LANG, "tsv"]))
    for i, (x0, y0, x1, y1) in enumerate(lines):
        pad = max(4, (y1 - y0) // 3)
        found = read.get(i + 1, [])
        for w in found:
            a, b, c, d = w.box
            dx, dy = x0 - pad, y0 - pad
            words.append(ocr.OcrWord(w.text, (a + dx, b + dy, c + dx, d + dy), w.score))
        if not found:  # ink that reads as nothing is not a blank: unsure, as ocr.recognise does
            words.append(ocr.OcrWord("?", (float(x0), float(y0), float(x1), float(y1)), 0.0))
    return words


@contextlib.contextmanager
def tesseract_engine(psm: int | None = None) -> Iterator[None]:
    """Within the block, every OCR'd page is read by Tesseract instead of RapidOCR (cell by cell;
    page-wide in page segmentation mode `psm` if given)."""
    original = ocr.read_page

    def reader(rgb: np.ndarray, dpi: float, *, threads: int = 1) -> ocr.OcrPage:
        return read_page(rgb, dpi, threads=threads, psm=psm)

    ocr.read_page = reader  # type: ignore[assignment]
    try:
        yield
    finally:
        ocr.read_page = original  # type: ignore[assignment]
