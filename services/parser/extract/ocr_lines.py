"""Line crops → characters with positions and honest scores (PP-OCR recognition, our own decoding).

RapidOCR's recogniser reports a line's score as the *mean* of its characters' probabilities: one
doubtful digit in 「1234」 hides behind three sure ones. We run its recognition model (the ONNX
session and the image normalisation it ships) and decode the CTC output here instead, so that:

- every character keeps its own probability, and a word's score is its *lowest* character's —
  a number is only as sure as its least sure digit;
- glyphs that mean the same digit are one class: in a run of digits the model's split between
  「0」「O」「o」「〇」 (a lone zero in a table cell is read 0.88 / O 0.10 / o 0.02) is one
  probability of zero, not a doubt between a digit and a letter. Only zero-like glyphs are merged
  (the measured confusion); 1 / l / I stay apart, so a doubt there stays a doubt;
- each character's position comes from the time step that emitted it, so a line crop yields
  characters placed along the line, as a text layer would.

Pure functions apart from the model call; reads no settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ZERO_LIKE = "0Oo〇０Ｏｏ"
MARKS = " -.·"  # a short mark, or a space: what a faint minus sign is taken for
BATCH = 16  # crops per model call at most (as RapidOCR batches them)
WIDER = 1.1  # a crop this much wider than a batch's first starts a new batch (see _batches)
# a crop is read with padding after it of this share of its width at least: read without, the
# model's last characters lose confidence (「92.2496」 under a seal: 0.63 at 1.0, 0.999 at 1.1;
# a wide 「9」: 0.905 at 1.0, 0.958 at 1.3)
TRAIL = 1.25
# ... but never more than this many heights: what the last characters need is room after them, a
# character or so, not a share of the line (a line of 40 characters padded by 10 more costs a
# quarter more to read)
TRAIL_MAX = 1.5


@dataclass(frozen=True)
class Glyph:
    """One recognised character of a crop: its text, centre x as a share of the crop's width,
    and the probability the model gave it (zero-like glyphs summed in digit runs)."""

    text: str
    centre: float
    prob: float
    # a 「-」's step: the probability of a short mark or of nothing (「-」「.」「·」, blank) rather
    # than a character with strokes — the model cannot tell a faint minus from a point (「-4」 at
    # 150 dpi: - 0.37, blank 0.36, . 0.23); the ink's shape can (ocr_cells.starts_with_dash)
    mark: float | None = None


def read_crops(rec, crops: list[np.ndarray]) -> list[list[Glyph]]:
    """Recognise each crop (H×W×3 uint8) as one text line; glyphs in reading order."""
    out: list[list[Glyph]] = [[] for _ in crops]
    if not crops:
        return out
    _, height, width = rec.rec_image_shape[:3]
    chars = rec.postprocess_op.character
    zero_ids, mark_ids = _ids(chars, ZERO_LIKE), _ids(chars, MARKS)
    ratios = [max(width / height, _trailed(c.shape[1] / max(1, c.shape[0]))) for c in crops]
    for batch in _batches(ratios):
        ratio = max(ratios[i] for i in batch)
        norm = np.concatenate([rec.resize_norm_img(crops[i], ratio)[np.newaxis] for i in batch])
        probs = rec.session(norm.astype(np.float32))
        padded = height * ratio
        for j, i in enumerate(batch):
            used = min(padded, np.ceil(height * crops[i].shape[1] / max(1, crops[i].shape[0])))
            out[i] = decode(probs[j], chars, zero_ids, padded / used, mark_ids)
    return out


def _trailed(ratio: float) -> float:
    """A crop's width/height with its trailing padding (`TRAIL`, `TRAIL_MAX`)."""
    return ratio + min((TRAIL - 1) * ratio, TRAIL_MAX)


def _batches(ratios: list[float]) -> list[list[int]]:
    """Crop indices grouped for model calls: similar widths together, at most `BATCH` a call.

    The model's cost is proportional to the padded width of the whole batch (a column costs
    about the same alone or in a batch of 16, measured), so a batch mixing a 600 px line with
    1800 px ones pays for 1800 px three times over. A batch closes when the next crop is
    `WIDER` than its first: padding wastes at most that share.
    """
    out: list[list[int]] = []
    for i in sorted(range(len(ratios)), key=lambda k: ratios[k]):
        if out and len(out[-1]) < BATCH and ratios[i] <= ratios[out[-1][0]] * WIDER:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def decode(
    probs: np.ndarray,
    chars: list[str],
    zero_ids: np.ndarray,
    stretch: float,
    mark_ids: np.ndarray,
) -> list[Glyph]:
    """CTC greedy decoding of one crop's T×C probabilities (see module docstring).

    `zero_ids` and `mark_ids` are the classes of `ZERO_LIKE` and `MARKS` in `chars`; `stretch`
    converts a time step's share of the padded input into a share of the crop itself.
    """
    steps = probs.shape[0]
    best = probs.argmax(axis=1)
    glyphs: list[Glyph] = []
    zeros: list[float] = []
    previous = -1
    for t in range(steps):
        k = int(best[t])
        if k != previous and k != 0 and k < len(chars):
            text = chars[k]
            centre = min(1.0, (t + 0.5) / steps * stretch)
            # a short mark or nothing (class 0 is CTC's blank): see Glyph.mark
            mark = float(probs[t, 0] + probs[t, mark_ids].sum()) if text == "-" else None
            glyphs.append(Glyph(text, centre, float(probs[t, k]), mark))
            zeros.append(float(probs[t, zero_ids].sum()) if text in ZERO_LIKE else 0.0)
        previous = k
    return _merge_zeros(glyphs, zeros)


def _merge_zeros(glyphs: list[Glyph], zeros: list[float]) -> list[Glyph]:
    """In each run of ASCII letters and digits made only of digits and zero-like glyphs, a
    zero-like glyph is the digit 0 with the zero class's probability."""
    out = list(glyphs)
    i = 0
    while i < len(out):
        if not _alnum(out[i].text):
            i += 1
            continue
        j = i
        while j < len(out) and _alnum(out[j].text):
            j += 1
        run = out[i:j]
        if all(g.text.isdigit() or g.text in ZERO_LIKE for g in run):
            for k in range(i, j):
                if out[k].text in ZERO_LIKE:
                    out[k] = Glyph("0", out[k].centre, zeros[k])
        i = j
    return out


def _alnum(text: str) -> bool:
    # 〇 is left out: beside Chinese numerals it is the zero of a date (二〇二一年), not a digit
    return text in "０Ｏｏ" or (text.isascii() and text.isalnum())


def _ids(chars: list[str], wanted: str) -> np.ndarray:
    return np.array([i for i, c in enumerate(chars) if c in set(wanted)], dtype=np.int64)
