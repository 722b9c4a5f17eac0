"""A doubted digit is confirmed only by the page's own surely-read glyphs of that digit: the same
print vouches for it, a different digit, too few witnesses, touching digits or a coin toss do not."""

from __future__ import annotations

import cv2
import numpy as np

from services.parser.extract.ocr_cells import marks
from services.parser.extract.ocr_glyphs import confirm_digits
from services.parser.extract.ocr_lines import Glyph

DPI = 200.0
CELL = (80, 50)  # a cell's width and height, px


def page(texts: list[str], scales: list[float] | None = None) -> tuple[np.ndarray, list, list]:
    """A page of cells, one text each, printed in one font: grey, ink boxes, marks."""
    grey = np.full((CELL[1] * (len(texts) + 1), CELL[0] * 2), 255, dtype=np.uint8)
    for i, text in enumerate(texts):
        cv2.putText(grey, text, (10, CELL[1] * (i + 1)), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 0, 3)
    return (
        grey,
        *inked(grey, [(CELL[1] * i + 5, CELL[1] * (i + 1) + 8) for i in range(len(texts))]),
    )


def inked(grey: np.ndarray, bands: list[tuple[int, int]]) -> tuple[list, list]:
    """The ink box and the marks of each band of rows (top, bottom) of the page."""
    binary = np.where(grey < 128, 255, 0).astype(np.uint8)
    boxes = [ink_box(binary, top, bottom) for top, bottom in bands]
    return boxes, [marks(binary, box, DPI) for box in boxes]


def ink_box(binary: np.ndarray, top: int, bottom: int) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(binary[top:bottom])
    return (int(xs.min()), top + int(ys.min()), int(xs.max()) + 1, top + int(ys.max()) + 1)


def read_as(texts: list[str], probs: list[float]) -> list[list[Glyph]]:
    return [[Glyph(c, 0.5, p) for c in t] for t, p in zip(texts, probs, strict=True)]


def test_a_doubted_zero_printed_as_the_pages_sure_zeros_is_as_sure_as_they_are():
    grey, boxes, spans = page(["0", "0", "0", "0", "7"])
    lines = read_as(["0", "0", "0", "0", "7"], [0.999, 0.995, 0.998, 0.78, 0.999])
    out = confirm_digits(grey, lines, boxes, spans)
    assert [g.prob for g in out[3]] == [0.995]  # the least sure zero it matched
    assert out[:3] == lines[:3] and out[4] == lines[4]


def test_an_eight_the_model_took_for_a_zero_is_not_confirmed_by_the_zeros():
    grey, boxes, spans = page(["0", "0", "0", "8"])
    lines = read_as(["0", "0", "0", "0"], [0.999, 0.999, 0.999, 0.8])
    out = confirm_digits(grey, lines, boxes, spans)
    assert out[3][0].prob == 0.8


def test_two_witnesses_are_not_enough():
    grey, boxes, spans = page(["0", "0", "0"])
    lines = read_as(["0", "0", "0"], [0.999, 0.999, 0.8])
    assert confirm_digits(grey, lines, boxes, spans)[2][0].prob == 0.8


def test_a_digit_the_model_gave_less_than_even_odds_stays_doubted():
    grey, boxes, spans = page(["0", "0", "0", "0"])
    lines = read_as(["0", "0", "0", "0"], [0.999, 0.999, 0.999, 0.4])
    assert confirm_digits(grey, lines, boxes, spans)[3][0].prob == 0.4


def test_a_confirmed_digit_is_no_witness_for_another():
    grey, boxes, spans = page(["0", "0", "0", "0"])
    # two sure zeros: neither doubted zero may count the other as its third witness
    lines = read_as(["0", "0", "0", "0"], [0.999, 0.999, 0.8, 0.8])
    out = confirm_digits(grey, lines, boxes, spans)
    assert [line[0].prob for line in out] == [0.999, 0.999, 0.8, 0.8]


def rings(last: tuple[int, int, int]) -> tuple[np.ndarray, list, list]:
    """Three zeros drawn as rings (half width 12, half height 20, stroke 5 px) and a last ring
    of `last`'s half width, half height and stroke: their shapes correlate above MATCH."""
    grey = np.full((4 * 80, 100), 255, dtype=np.uint8)
    for i, (w, h, stroke) in enumerate([(12, 20, 5)] * 3 + [last]):
        cv2.ellipse(grey, (40, 40 + 80 * i), (w, h), 0, 0, 360, 0, stroke, cv2.LINE_AA)
    return (grey, *inked(grey, [(80 * i, 80 * (i + 1)) for i in range(4)]))


def test_the_same_ring_confirms_the_doubted_zero():
    grey, boxes, spans = rings((12, 20, 5))
    lines = read_as(["0", "0", "0", "0"], [0.999, 0.999, 0.999, 0.8])
    assert confirm_digits(grey, lines, boxes, spans)[3][0].prob == 0.999


def test_a_glyph_of_another_size_is_no_witness():
    # a zero of 80 % the size: the same shape at one size (correlation 0.97), but not the print
    # the page's zeros are in (a smaller font, a footnote mark)
    grey, boxes, spans = rings((10, 16, 4))
    lines = read_as(["0", "0", "0", "0"], [0.999, 0.999, 0.999, 0.8])
    assert confirm_digits(grey, lines, boxes, spans)[3][0].prob == 0.8


def test_a_round_mark_is_no_zero_however_alike_at_one_size():
    # a circle (a 「。」, an 「o」) squeezed to a zero's size correlates 0.96 with the zeros
    grey, boxes, spans = rings((20, 20, 8))
    lines = read_as(["0", "0", "0", "0"], [0.999, 0.999, 0.999, 0.8])
    assert confirm_digits(grey, lines, boxes, spans)[3][0].prob == 0.8


def test_a_print_the_page_read_surely_as_two_digits_confirms_neither():
    grey, boxes, spans = page(["0"] * 7)
    lines = read_as(["0", "0", "0", "6", "6", "6", "0"], [0.999] * 6 + [0.8])
    assert confirm_digits(grey, lines, boxes, spans)[6][0].prob == 0.8


def test_digits_that_touch_or_a_signed_number_are_left_as_read():
    grey, boxes, spans = page(["0", "0", "0", "00", "-0"])
    spans[3] = spans[3][:1]  # two digits printed as one mark
    lines = read_as(["0", "0", "0", "00", "-0"], [0.999, 0.999, 0.999, 0.8, 0.8])
    out = confirm_digits(grey, lines, boxes, spans)
    assert out[3] == lines[3] and out[4] == lines[4]


def test_a_line_outside_the_ruled_cells_is_left_as_read():
    grey, boxes, spans = page(["0", "0", "0", "0"])
    spans[3] = []  # prose, or an unruled table: no marks measured
    lines = read_as(["0", "0", "0", "0"], [0.999, 0.999, 0.999, 0.8])
    assert confirm_digits(grey, lines, boxes, spans)[3] == lines[3]


def test_a_speck_beside_a_doubted_digit_is_not_part_of_its_shape():
    grey, _, _ = page(["0", "0", "0", "0"])
    top, bottom = CELL[1] * 3 + 5, CELL[1] * 4 + 8
    ys, xs = np.nonzero(grey[top:bottom] < 128)
    grey[top + ys.min() - 5 : top + ys.min() - 3, xs.min() + 4 : xs.min() + 6] = 0  # 2×2 px
    boxes, spans = inked(grey, [(CELL[1] * i + 5, CELL[1] * (i + 1) + 8) for i in range(4)])
    lines = read_as(["0", "0", "0", "0"], [0.999, 0.999, 0.999, 0.8])
    assert confirm_digits(grey, lines, boxes, spans)[3][0].prob == 0.999
