"""A page image → words with boxes and recognition scores, and the table rulings it shows.

The engine is RapidOCR (PP-OCR detection + recognition models on onnxruntime); its models ship
inside the `rapidocr` wheel, so nothing is downloaded at run time (`engine()` refuses to start
when a model file is missing rather than letting the library fetch one). Before recognition a page
is cleaned the way scans need:

- red seals are taken out by their brightness where the page is red (the seal on paper becomes
  paper, print under it stays dark: `grey_without_seal`), so a seal stamped over numbers does
  not hide them;
- a page turned by 90/180/270° is turned back: text lines found lying on their side decide 90 vs
  0, and the recognition score of a few lines read both ways decides between a turn and its
  opposite (upside-down Chinese reads with low confidence);
- skew up to ±3° is measured on a reduced image (the angle whose row profile is sharpest) and
  undone;
- ruling lines are found by morphology (long horizontal/vertical runs of dark pixels — or of
  anything clearly darker than the paper, where rulings are printed light grey), returned as
  segments for the table finder, and erased before recognition (they touch the glyphs).

Then the page is read where its text is: the cells of its ruled tables one by one
(services/parser/extract/ocr_cells.py: a cell with no ink is known blank, a lone 「0」 is not
lost to a detector made for prose), the rest by PP-OCR text detection, run on the page scaled to
`DET_SIDE` px on its long side with the tables left out. Every line crop, from the full-resolution
page, is recognised by services/parser/extract/ocr_lines.py, which scores a word by its least sure
character; a digit of a ruled cell it doubted is checked against the digits the page read
surely (services/parser/extract/ocr_glyphs.py). Boxes are in page pixels of the (turned,
deskewed) page; `OcrPage.scale` converts them to PDF points. Settings read: none (the stage sets
the thread count).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from services.parser.extract.ocr_glyphs import confirm_digits
from services.parser.extract.ocr_lines import read_crops
from shared.errors import MissingConverter

DET_SIDE = 1600  # px: long side of the image text detection runs on
MAX_SKEW = 3.0  # degrees
SKEW_STEP = 0.2
# a ruling is at least this long (inches): longer than any glyph stroke (a 15 pt title character
# is 0.2 in), shorter than the smallest table (3 rows of 7.5 pt text is ~0.6 in)
RULE_MIN_INCH = 0.35
# page-wide detection is shown the rows this near ink (inches): more than a line's height, as
# detection misses a line touching its image's edge
BAND_INCH = 0.25
# ink this long (inches) is print, not scanner noise (whose grains reach 3–4 px at 150 dpi); a
# 7.5 pt hyphen is 0.035 in, and a line of text has larger strokes anyway
GRAIN_INCH = 0.04
# a run of ink with ink this near (inches) along its side runs along a line of text: text sits a
# cell's margin (~0.06 in at 10 pt rows) away from the rulings around it
TEXT_REACH_INCH = 0.03
FLIP_MARGIN = 0.1  # a page is turned 180° when its lines read this much better upside down
WITNESS = 12  # thicknesses of a text line read to tell which way up a page is (see _witness)
SEAL_FRINGE = 15  # a pixel beside a seal this much redder than green (of 255) is the seal's edge


@dataclass(frozen=True)
class OcrWord:
    """One recognised run of characters (a number, or one CJK character) on a page."""

    text: str
    box: tuple[float, float, float, float]  # x0, top, x1, bottom in page pixels
    score: float  # recognition confidence, 0–1 (the line's CTC score when no finer one is known)


@dataclass
class OcrPage:
    width: int
    height: int
    dpi: float
    words: list[OcrWord] = field(default_factory=list)
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)  # x0 y0 x1 y1
    rotation: int = 0  # degrees the page was turned back (clockwise)
    skew: float = 0.0  # degrees undone
    empty_cells: list[tuple[int, int, int, int]] = field(default_factory=list)  # ruled, no ink (px)

    @property
    def scale(self) -> float:
        """Page pixels → PDF points."""
        return 72.0 / self.dpi


class EngineMissing(MissingConverter):
    """rapidocr / onnxruntime are not installed, or their bundled model files are absent: the
    document is rejected `missing_converter` (re-drivable once the image carries the engine),
    as a .doc without LibreOffice is."""


_ENGINE = None
_LOCK = threading.Lock()


def engine(threads: int = 1):
    """The process's RapidOCR engine (built once; onnxruntime sessions limited to `threads`)."""
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            _ENGINE = _build(threads)
        return _ENGINE


def _build(threads: int):
    try:
        import rapidocr
        from rapidocr import RapidOCR
    except ImportError as e:  # pragma: no cover - installed by pyproject
        raise EngineMissing(f"OCR engine not installed: {e}") from e
    models = Path(rapidocr.__file__).parent / "models"
    if not any(models.glob("*det*.onnx")) or not any(models.glob("*rec*.onnx")):
        # never let the library download a model at run time: that fails offline and in k8s
        raise EngineMissing(f"OCR models missing from {models} (reinstall rapidocr)")
    params = {
        "Global.log_level": "error",
        "Global.use_cls": False,  # page orientation is settled here, once per page
        "Global.max_side_len": DET_SIDE,
        "Global.text_score": 0.0,  # keep every line: low scores become `unsure`, never dropped
        "Det.limit_side_len": DET_SIDE,
        "Det.limit_type": "max",
        # crops are padded to the widest in their batch, but never narrower than rec_img_shape's
        # width: the default 320 px makes every short number cost as much as a long line (1.6× slower
        # a page); 48 px is faster still but reads lone 0s with low scores (38 vs 8 of 82 < 0.97)
        "Rec.rec_img_shape": [3, 48, 120],
        "Rec.rec_batch_num": 16,
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    return RapidOCR(params=params)


# --- preprocessing ------------------------------------------------------------------------------


def grey_without_seal(rgb: np.ndarray) -> np.ndarray:
    """The page as grey, red seals and red notes gone, black print kept — also under a seal.

    A seal stamped over numbers lies on top of them: under it, print is darker than the seal
    is on paper (black under a 60 % red seal has ~50 of 255 brightness, the seal on paper
    ~155). So where the page is red, brightness is stretched back to the page's 0–255 between
    those two levels: the seal on paper becomes paper, print under it black. The brightness
    (luma) is read, not the red channel: a JPEG scan keeps colour at half resolution, so the
    red channel blurs a seal's edges into grey outlines that read as characters (「0」 under a
    ring's edge read 「V6」, 「12」 read 「AL 12」 at 150 dpi) and lightens thin print under it,
    where luma keeps both sharp. The pixels beside the seal that are only a little red
    (`SEAL_FRINGE`, its anti-aliased edge) are seal too.
    """
    import cv2

    if rgb.ndim == 2:
        return rgb
    # cv2's per-pixel ops: a numpy reduce over the channel axis is 4× slower (0.19 s a page)
    r, g, b = cv2.split(rgb)
    out = cv2.min(cv2.min(r, g), b)
    redness = cv2.subtract(r, g)  # saturating: where green exceeds red it is 0
    reddish = redness > 50
    if not reddish.any():
        return out
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.int16)
    paper = float(np.median(luma[reddish]))  # most of a seal's pixels lie on paper
    ink = float(np.percentile(luma[reddish], 1))  # print under the seal, if any
    if paper - ink > 40:
        stretched = np.clip((luma - ink) * (255.0 / (paper - ink)), 0, 255)
    else:
        stretched = np.full(luma.shape, 255.0)
    near = cv2.dilate(reddish.view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)
    seal = reddish | (near & (redness > SEAL_FRINGE))
    return np.where(seal, stretched, out).astype(np.uint8)


def _binary(grey: np.ndarray) -> np.ndarray:
    import cv2

    _, b = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return b


def measure_skew(grey: np.ndarray) -> float:
    """Skew in degrees (counter-clockwise positive) within ±MAX_SKEW, from a reduced page."""
    import cv2

    h, w = grey.shape
    f = 800 / max(h, w)
    small = cv2.resize(grey, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    b = _binary(small)
    centre = (b.shape[1] / 2, b.shape[0] / 2)
    best, best_score = 0.0, -1.0
    for i in range(int(2 * MAX_SKEW / SKEW_STEP) + 1):
        angle = -MAX_SKEW + i * SKEW_STEP
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        r = cv2.warpAffine(b, m, (b.shape[1], b.shape[0]), flags=cv2.INTER_NEAREST)
        profile = r.sum(axis=1, dtype=np.float64)
        score = float(np.square(np.diff(profile)).sum())
        if score > best_score:
            best, best_score = angle, score
    return -best  # the page is skewed by the opposite of the angle that straightens it


def rotate(img: np.ndarray, angle: float) -> np.ndarray:
    """`img` turned counter-clockwise by `angle` degrees, canvas kept, white filled."""
    import cv2

    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    fill = 255 if img.ndim == 2 else (255, 255, 255)
    return cv2.warpAffine(
        img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill
    )


def find_rules(grey: np.ndarray, dpi: float) -> tuple[list[tuple[int, int, int, int]], np.ndarray]:
    """Horizontal and vertical ruling segments (x0, y0, x1, y1), and their pixel mask.

    Rulings printed light grey fall near or on the paper side of the text's threshold: seen there
    only in part (a rule broken into pieces shorter than a ruling, or not at all), a row or column
    boundary goes missing and a number is read into its neighbour's cell. So the page is also
    looked at with anything clearly darker than the paper as ink, and that look is taken when it
    shows rulings the text's threshold does not (a table, or clearly more ruled length). There the
    grey fringes of text join into runs too (a blurred line of small text): runs with text along
    their side are not rulings (`_inside_text`)."""
    from services.parser.extract.ocr_cells import ruled_tables

    h, w = grey.shape
    dark = _rules_in(_binary(grey), dpi)
    faint = _rules_in(_faint(grey), dpi, drop_text=True)
    if ruled_tables(dark[0], w, h, dpi) and _length(faint[0]) <= 1.3 * _length(dark[0]) + dpi:
        return dark  # the faint look sees no more than a stray inch beyond the dark one
    return faint if ruled_tables(faint[0], w, h, dpi) else dark


def _length(rules: list[tuple[int, int, int, int]]) -> int:
    return sum(abs(x1 - x0) + abs(y1 - y0) for x0, y0, x1, y1 in rules)


def _faint(grey: np.ndarray) -> np.ndarray:
    """Anything clearly darker than the paper, as ink."""
    paper = float(np.median(grey[::4, ::4]))
    return (grey < paper - 25).astype(np.uint8) * 255


def _inside_text(
    ink: np.ndarray, rect: tuple[int, int, int, int], horizontal: bool, reach: int
) -> bool:
    """A run (its bounding `rect`: x, y, width, height) with ink just beyond one of its sides
    along half its length or more is the joined strokes of a line of text (through its middle,
    or — blurred — its whole height, the glyphs' feet showing below): a ruling lies a cell's
    margin away from the text beside it (measured at 150 dpi: rulings ≤ 0.26 of their length,
    such runs ≥ 0.6)."""
    x, y, w, h = rect
    if horizontal:
        before = ink[max(0, y - reach) : y, x : x + w].max(axis=0, initial=0)
        after = ink[y + h : y + h + reach, x : x + w].max(axis=0, initial=0)
    else:
        before = ink[y : y + h, max(0, x - reach) : x].max(axis=1, initial=0)
        after = ink[y : y + h, x + w : x + w + reach].max(axis=1, initial=0)
    return max(float((before > 0).mean()), float((after > 0).mean())) >= 0.5


def _rules_in(
    b: np.ndarray, dpi: float, *, drop_text: bool = False
) -> tuple[list[tuple[int, int, int, int]], np.ndarray]:
    """Long runs of ink in the binary image `b`; with `drop_text`, not those `_inside_text`."""
    import cv2

    out: list[tuple[int, int, int, int]] = []
    mask = np.zeros_like(b)
    text_reach = max(3, round(TEXT_REACH_INCH * dpi))
    for horizontal in (True, False):
        length = max(10, int(dpi * RULE_MIN_INCH))
        kernel = cv2.getStructuringElement(
            cv2.MORPH_RECT, (length, 1) if horizontal else (1, length)
        )
        lines = cv2.morphologyEx(b, cv2.MORPH_OPEN, kernel)
        # a rule's run is broken by a speck of noise or by a step from one pixel row to the next
        # (a tilt of a fraction of a degree); an end piece shorter than the run length would be
        # lost and the table would lose a corner (a row merged into its neighbour). So, along the
        # rules found, thicken across and bridge 1–2 px gaps, and look again — only there: done
        # page-wide it joins the strokes of small text into "rules" and erases the text
        # an end piece lost is shorter than a run: reach a run's length beyond each end, 2 px aside
        reach = (2 * length + 1, 5) if horizontal else (5, 2 * length + 1)
        band = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, reach))
        across = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 3) if horizontal else (3, 1))
        along = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 1) if horizontal else (1, 3))
        joined = cv2.morphologyEx(cv2.dilate(b, across), cv2.MORPH_CLOSE, along) & band
        lines = cv2.morphologyEx(joined, cv2.MORPH_OPEN, kernel)
        # close small gaps in faint or broken rulings
        lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
        contours, _ = cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            x, y, cw, ch = cv2.boundingRect(c)
            if drop_text and _inside_text(b, (x, y, cw, ch), horizontal, reach=text_reach):
                cv2.drawContours(lines, [c], -1, 0, thickness=cv2.FILLED)  # text stays to be read
                continue
            if horizontal:
                out.append((x, y + ch // 2, x + cw, y + ch // 2))
            else:
                out.append((x + cw // 2, y, x + cw // 2, y + ch))
        mask |= lines
    return out, mask


# --- orientation --------------------------------------------------------------------------------


def _detect(eng, grey: np.ndarray) -> list[np.ndarray]:
    res = eng(grey, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(res, "boxes", None)
    return [] if boxes is None else list(boxes)


def _rec_score(eng, crops: list[np.ndarray]) -> float:
    if not crops:
        return 0.0
    scores = []
    for c in crops:
        res = eng(c, use_det=False, use_cls=False, use_rec=True)
        s = getattr(res, "scores", None)
        scores.append(float(s[0]) if s else 0.0)
    return float(np.mean(scores))


def _crop(grey: np.ndarray, box: np.ndarray) -> np.ndarray:
    xs, ys = box[:, 0], box[:, 1]
    x0, x1 = max(0, int(xs.min())), min(grey.shape[1], int(math.ceil(xs.max())))
    y0, y1 = max(0, int(ys.min())), min(grey.shape[0], int(math.ceil(ys.max())))
    return grey[y0:y1, x0:x1]


def orientation(eng, grey: np.ndarray) -> int:
    """Degrees (0/90/180/270, clockwise) the page must be turned to stand upright."""
    import cv2

    h, w = grey.shape
    f = 800 / max(h, w)
    small = cv2.resize(grey, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA)
    boxes = _detect(eng, small)
    if not boxes:
        return 0
    spans = [(np.ptp(b[:, 0]), np.ptp(b[:, 1])) for b in boxes]
    tall = sum(1 for bw, bh in spans if bh > 2 * bw)
    wide = sum(1 for bw, bh in spans if bw > 2 * bh)
    sideways = tall > wide
    # the longest lines are the best witnesses; read them both ways
    ranked = sorted(boxes, key=lambda b: -max(np.ptp(b[:, 0]), np.ptp(b[:, 1])))[:4]
    crops = [_witness(_crop(small, b)) for b in ranked]
    crops = [c for c in crops if c.size]
    if sideways:
        a = [cv2.rotate(c, cv2.ROTATE_90_CLOCKWISE) for c in crops]
        b = [cv2.rotate(c, cv2.ROTATE_90_COUNTERCLOCKWISE) for c in crops]
        return 90 if _rec_score(eng, a) >= _rec_score(eng, b) else 270
    upright = _rec_score(eng, crops)
    if upright >= 1.0 - FLIP_MARGIN:
        return 0  # no reading upside down can beat this one by the margin: spare reading it
    flipped = [cv2.rotate(c, cv2.ROTATE_180) for c in crops]
    return 180 if _rec_score(eng, flipped) > upright + FLIP_MARGIN else 0


def _witness(line: np.ndarray) -> np.ndarray:
    """The start of a text line's crop (lying along its long side), `WITNESS` times its thickness
    long, cut at the lightest column within a character or two of that (between characters).

    A line's score tells which way up it reads as well from a dozen characters as from fifty,
    and the recogniser's cost is the crop's length: the four longest lines of a page, read whole,
    cost more than the page's detection."""
    along = 1 if line.shape[1] >= line.shape[0] else 0
    thick, length = min(line.shape), max(line.shape)
    start = WITNESS * thick
    if length <= start + 2 * thick:
        return line
    profile = line.mean(axis=1 - along)[start : start + 2 * thick]  # paper is light
    cut = start + int(np.argmax(profile))
    return line[:, :cut] if along == 1 else line[:cut, :]


def turn(img: np.ndarray, degrees: int) -> np.ndarray:
    import cv2

    codes = {
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    }
    return cv2.rotate(img, codes[degrees]) if degrees in codes else img


# --- recognition --------------------------------------------------------------------------------


def read_page(rgb: np.ndarray, dpi: float, *, threads: int = 1) -> OcrPage:
    """OCR one page image (H×W×3 RGB or H×W grey, uint8) scanned at `dpi`."""
    eng = engine(threads)
    grey = grey_without_seal(rgb)
    turned = orientation(eng, grey)
    grey = turn(grey, turned)
    skew = measure_skew(grey)
    if abs(skew) >= SKEW_STEP / 2:
        grey = rotate(grey, -skew)
    rules, mask = find_rules(grey, dpi)
    clean = grey.copy()
    clean[mask > 0] = 255  # rulings erased: they touch glyphs and merge cells into one line
    page = OcrPage(grey.shape[1], grey.shape[0], dpi, rules=rules, rotation=turned, skew=skew)
    page.words, page.empty_cells = recognise(eng, clean, rules, dpi)
    return page


def recognise(
    eng, grey: np.ndarray, rules: list, dpi: float
) -> tuple[list[OcrWord], list[tuple[int, int, int, int]]]:
    """Words of a cleaned page — ruled cells read cell by cell, the rest by text detection — and
    the ruled cells seen to hold no ink (the only blanks OCR can vouch for)."""
    from services.parser.extract.ocr_cells import (
        blank_tables,
        cell_lines,
        ink_boxes,
        marks,
        ruled_tables,
        starts_with_dash,
    )

    tables = ruled_tables(rules, grey.shape[1], grey.shape[0], dpi)
    cells = [c for _, table_cells in tables for c in table_cells]
    binary = _binary(grey)
    inks = ink_boxes(binary, cells, dpi)
    cell_of = cell_lines(grey, inks, lambda img: _cell_line_boxes(eng, img))
    in_cells = [line.box for line in cell_of]
    dashed = {line.box for line in cell_of if starts_with_dash(binary, line, dpi)}
    elsewhere = _page_line_boxes(eng, blank_tables(grey, tables), dpi)
    lines = [(box, True) for box in in_cells] + [(box, False) for box in elsewhere]
    crops = [
        _padded(grey, box, pad=max(4, (box[3] - box[1]) // 3) if cell else 0) for box, cell in lines
    ]
    glyphs = read_crops(eng._load_rec_model(), [img for img, _ in crops])
    spans = [marks(binary, box, dpi) if cell else [] for box, cell in lines]
    glyphs = confirm_digits(grey, glyphs, [box for box, _ in lines], spans)
    words: list[OcrWord] = []
    for (box, cell), (_, crop_box), line, found in zip(lines, crops, glyphs, spans, strict=True):
        if cell and box in dashed:
            line = _sign_seen(line)
        if line and cell and _sign_unread(line, box, crop_box, box in dashed, found):
            # a mark left of the number, or beside it, unread: maybe a minus sign (「-4」 read
            # 「4」, 「-2」 read 「2」 with score 0.999 under a seal's edge at 150 dpi)
            words.extend(
                replace(w, score=min(w.score, 0.5)) for w in glyph_words(line, box, crop_box)
            )
        elif line:
            words.extend(glyph_words(line, box, crop_box))
        elif cell:
            # ink in a ruled cell that reads as nothing is not a blank: unsure, never dropped
            words.append(OcrWord("?", tuple(float(v) for v in box), 0.0))  # type: ignore[arg-type]
    return words, [c for c in cells if c not in inks]


def _sign_seen(glyphs: list) -> list:
    """A line read 「-」 then a digit, where the ink shows the minus shaped as one (a dash at the
    line's middle, wider than high): the model's doubt between a dash, a point and nothing is
    settled by that shape, so the minus is as sure as the model is that no stroked character
    stands there."""
    if len(glyphs) < 2 or glyphs[0].text != "-" or not glyphs[1].text.isdigit():
        return glyphs
    sign = glyphs[0]
    return [replace(sign, prob=max(sign.prob, sign.mark or 0.0)), *glyphs[1:]]


def _sign_unread(glyphs: list, box: tuple, crop_box: tuple, dashed: bool, found: list) -> bool:
    """A mark of the cell's ink may have been passed over: the first character read is a digit
    and before it the cell shows a mark shaped as a minus sign (`dashed`) or its first mark
    (`found`: ocr_cells.marks) lies well left of it — or a number was read with fewer characters
    than the marks of its ink. A speck of noise in the box's corner is no mark (it made 「26」
    unsure at 150 dpi)."""
    inked = (found[0][0], *box[1:]) if found else box
    left = glyphs[0].text.isdigit() and (dashed or _ink_left_unread(glyphs, inked, crop_box))
    return left or _marks_unread(glyphs, len(found))


def _ink_left_unread(glyphs: list, box: tuple, crop_box: tuple) -> bool:
    """The cell's ink begins well left of the first character read, and that character is a
    digit: something before the number was not read."""
    first = glyphs[0]
    if not first.text.isdigit():
        return False
    height = box[3] - box[1]
    start = crop_box[0] + first.centre * (crop_box[2] - crop_box[0]) - 0.3 * height
    return start - box[0] > 0.5 * height


def _marks_unread(glyphs: list, count: int) -> bool:
    """A cell read as a number (ASCII characters only) with fewer characters than the marks
    its ink makes: one was not read."""
    read = [g for g in glyphs if not g.text.isspace()]
    return all(g.text.isascii() for g in read) and len(read) < count


def glyph_words(glyphs: list, box: tuple, crop_box: tuple) -> list[OcrWord]:
    """A recognised line's glyphs as words: a run of ASCII characters (a number) is one word,
    each CJK character another; boxes placed along the line where the model emitted them, the
    score of a word its least sure character's."""
    x0, top, x1, bottom = box
    left, width = crop_box[0], crop_box[2] - crop_box[0]
    height = bottom - top
    words: list[OcrWord] = []
    run: list = []

    def flush() -> None:
        if not run:
            return
        half = [0.3 * height if g.text.isascii() else 0.5 * height for g in (run[0], run[-1])]
        a = max(x0, left + run[0].centre * width - half[0])
        b = min(x1, left + run[-1].centre * width + half[1])
        text = "".join(g.text for g in run)
        words.append(OcrWord(text, (a, top, max(b, a + 1), bottom), min(g.prob for g in run)))
        run.clear()

    for g in glyphs:
        if g.text.isspace():
            flush()
        elif g.text.isascii():
            run.append(g)
        else:
            flush()
            run.append(g)
            flush()
    flush()
    return words


def _line_boxes(eng, img: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Text line boxes PP-OCR detection finds in `img` (axis-aligned: the page is deskewed)."""
    out = []
    for quad in _detect(eng, img):
        xs, ys = quad[:, 0], quad[:, 1]
        box = (
            max(0, int(xs.min())),
            max(0, int(ys.min())),
            min(img.shape[1], int(math.ceil(xs.max()))),
            min(img.shape[0], int(math.ceil(ys.max()))),
        )
        if box[2] - box[0] >= 2 and box[3] - box[1] >= 2:
            out.append(box)
    return out


def _page_line_boxes(eng, img: np.ndarray, dpi: float) -> list[tuple[int, int, int, int]]:
    """Text line boxes of a page (its tables blanked), detected only where it has ink.

    Detection costs in proportion to the pixels it is shown, and a report page outside its tables
    is mostly paper. So the rows within `BAND_INCH` of ink are cut out and stacked (the paper
    between them left out), shown to the detector at the scale the whole page would have been
    (`DET_SIDE` on the page's long side), and the boxes put back on the page's rows.
    """
    import cv2

    h, w = img.shape
    rows = _ink_rows(img, dpi)
    if not rows.any():
        return []
    keep = np.flatnonzero(rows)
    f = min(1.0, DET_SIDE / max(h, w))
    stacked = img[keep]
    if f < 1.0:
        size = (max(1, int(w * f)), max(1, int(len(keep) * f)))
        stacked = cv2.resize(stacked, size, interpolation=cv2.INTER_LINEAR)
    # the detector rounds each side to a multiple of 32 px by stretching: pad the height instead,
    # so lines keep the page's proportions
    pad = -stacked.shape[0] % 32
    if pad:
        stacked = np.vstack([stacked, np.full((pad, stacked.shape[1]), 255, dtype=np.uint8)])
    last = len(keep) - 1
    out = []
    for a, b, c, d in _line_boxes(eng, stacked):
        top = int(keep[min(last, int(b / f))])
        bottom = int(keep[min(last, max(0, math.ceil(d / f) - 1))]) + 1
        box = (int(a / f), top, min(w, math.ceil(c / f)), bottom)
        if box[2] - box[0] >= 2 and box[3] - box[1] >= 2:
            out.append(box)
    return out


def _ink_rows(img: np.ndarray, dpi: float) -> np.ndarray:
    """Which rows of `img` lie within `BAND_INCH` of ink (specks of noise are not ink; faint
    print is, though lighter than Otsu's threshold)."""
    import cv2

    paper = float(np.median(img[::4, ::4]))
    ink = _binary(img) | ((img < paper - 25).astype(np.uint8) * 255)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    speck = max(4, round(GRAIN_INCH * dpi))
    reach = max(8, round(BAND_INCH * dpi))
    rows = np.zeros(img.shape[0] + 1, dtype=np.int32)
    for i in range(1, n):
        if max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) >= speck:
            top = stats[i, cv2.CC_STAT_TOP]
            rows[max(0, top - reach)] += 1
            rows[min(img.shape[0], top + stats[i, cv2.CC_STAT_HEIGHT] + reach)] -= 1
    return np.cumsum(rows[:-1]) > 0


def _cell_line_boxes(eng, img: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Text lines in one cell's image. Detection misses a line that touches the image's edge, so
    the cell is given a white margin first."""
    m = 16
    framed = np.full((img.shape[0] + 2 * m, img.shape[1] + 2 * m), 255, dtype=np.uint8)
    framed[m:-m, m:-m] = img
    return [(a - m, b - m, c - m, d - m) for a, b, c, d in _line_boxes(eng, framed)]


def _padded(grey: np.ndarray, box: tuple, pad: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """`box` cut from the page with `pad` px of margin (white beyond the page), as BGR."""
    import cv2

    x0, y0, x1, y1 = (int(v) for v in box)
    crop = np.full((y1 - y0 + 2 * pad, x1 - x0 + 2 * pad), 255, dtype=np.uint8)
    crop[pad : pad + y1 - y0, pad : pad + x1 - x0] = grey[y0:y1, x0:x1]
    return cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR), (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
