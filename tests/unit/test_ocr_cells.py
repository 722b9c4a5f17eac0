"""Where a scanned table is read: its ruled cells, the ink in each, the lines of a wrapped cell."""

from __future__ import annotations

import numpy as np

from services.parser.extract.ocr import glyph_words
from services.parser.extract.ocr_cells import blank_tables, cell_lines, ink_boxes, ruled_tables
from services.parser.extract.ocr_lines import Glyph

DPI = 200.0


def grid(xs: list[int], ys: list[int]) -> list[tuple[int, int, int, int]]:
    rules = [(xs[0], y, xs[-1], y) for y in ys]
    rules += [(x, ys[0], x, ys[-1]) for x in xs]
    return rules


def test_ruled_segments_give_each_table_cell_in_pixels():
    tables = ruled_tables(grid([100, 400, 600], [100, 150, 200]), 1000, 800, DPI)
    assert len(tables) == 1
    box, cells = tables[0]
    assert box == (100, 100, 600, 200)
    assert sorted(cells) == [
        (100, 100, 400, 150),
        (100, 150, 400, 200),
        (400, 100, 600, 150),
        (400, 150, 600, 200),
    ]


def test_a_frame_of_one_column_is_not_a_table():
    assert ruled_tables(grid([100, 600], [100, 150, 200]), 1000, 800, DPI) == []


def test_a_cell_without_ink_is_absent_and_specks_are_not_ink():
    binary = np.zeros((300, 700), dtype=np.uint8)
    binary[120:135, 420:430] = 255  # a digit in the right top cell
    binary[170, 200] = 255  # one speck of scanner noise in the left bottom cell
    cells = [(100, 100, 400, 150), (100, 150, 400, 200), (400, 100, 600, 150)]
    assert ink_boxes(binary, cells, DPI) == {(400, 100, 600, 150): (420, 120, 430, 135)}


def test_a_cell_taller_than_a_line_is_split_by_detection_and_others_are_read_whole():
    grey = np.full((300, 700), 255, dtype=np.uint8)
    inks = {
        (0, 0, 100, 40): (10, 10, 30, 30),
        (100, 0, 200, 40): (110, 10, 130, 30),
        (0, 40, 200, 140): (10, 50, 190, 130),  # four lines' height
    }
    asked = []

    def detect(img):
        asked.append(img.shape)
        return [(5, 50, 180, 80), (5, 10, 180, 40)]

    lines = cell_lines(grey, inks, detect)
    assert asked == [(100, 200)]
    assert [line.box for line in lines] == [
        (10, 10, 30, 30),
        (110, 10, 130, 30),
        (5, 50, 180, 80),
        (5, 90, 180, 120),
    ]


def test_tables_are_left_out_of_page_wide_detection():
    grey = np.zeros((50, 50), dtype=np.uint8)
    out = blank_tables(grey, [((10, 10, 20, 20), [])])
    assert out[15, 15] == 255 and out[5, 5] == 0 and grey[15, 15] == 0


def test_a_line_of_glyphs_becomes_a_number_word_and_one_word_per_chinese_character():
    glyphs = [Glyph("共", 0.1, 0.99), Glyph("1", 0.5, 0.99), Glyph("2", 0.6, 0.8)]
    words = glyph_words(glyphs, (0, 0, 100, 20), (0, 0, 100, 20))
    assert [(w.text, round(w.score, 2)) for w in words] == [("共", 0.99), ("12", 0.8)]
    assert words[1].box[0] < 50 < 60 < words[1].box[2] <= 100


def test_a_cell_over_others_from_a_missed_rule_leaves_their_ink_to_them():
    # the rule under 「行政许可 | 0」 was missed: the finder returns a cell over the whole two
    # rows beside the value cell; the 0 must be read once, in its own cell
    binary = np.zeros((300, 700), dtype=np.uint8)
    binary[110:125, 150:200] = 255  # the label, in the merged cell only
    binary[110:125, 450:460] = 255  # the 0, in the value cell (and under the merged one)
    merged, value = (100, 100, 600, 200), (400, 100, 600, 150)
    inks = ink_boxes(binary, [merged, value], DPI)
    assert inks[value] == (450, 110, 460, 125)
    assert inks[merged] == (150, 110, 200, 125)


def test_a_character_belongs_to_the_smallest_cell_it_lies_in():
    from services.parser.extract.pdf_table import cell_texts

    merged, value = (10.0, 10.0, 300.0, 60.0), (150.0, 10.0, 300.0, 35.0)
    zero = {"text": "0", "x0": 200.0, "x1": 206.0, "top": 15.0, "bottom": 25.0}
    assert cell_texts([merged, value], [zero]) == {value: "0"}


def test_a_minus_sign_smaller_than_a_speck_stays_with_its_number_and_a_stray_dot_does_not():
    binary = np.zeros((300, 700), dtype=np.uint8)
    binary[110:130, 460:472] = 255  # the digit 2
    binary[120:122, 450:456] = 255  # its minus sign: 6×2 px, below the speck area at 300 dpi
    binary[127:129, 440:442] = 255  # a round speck of noise at the baseline, left of it
    cell = (400, 100, 600, 150)
    assert ink_boxes(binary, [cell], 300.0) == {cell: (450, 110, 472, 130)}


def test_rulings_printed_too_faintly_to_be_seen_whole_are_told_and_dark_ones_are_not():
    from nianbao.samples.scans import Degrade, as_image, scan_pages
    from nianbao.samples.synth import synth_report
    from services.parser.extract import ocr

    def told(degrade: Degrade) -> bool:
        import io

        from PIL import Image

        page = scan_pages(synth_report("2021", 100), dpi=150, degrade=degrade)[1]
        jpeg = Image.open(io.BytesIO(as_image(page, "jpeg", quality=80)))  # as scanners save
        grey = ocr.grey_without_seal(np.asarray(jpeg.convert("RGB")))
        grey = ocr.rotate(grey, -ocr.measure_skew(grey))
        rules, mask = ocr.find_rules(grey, 150.0)
        return ocr.rules_partly_seen(grey, rules, mask, 150.0)

    assert told(Degrade(skew=0.5, faint_rules=True))
    assert not told(Degrade(skew=0.8, noise=0.003))
    assert not told(
        Degrade(skew=0.5, blur=0.8)
    )  # grey fringes of blurred text are no faint rulings


def test_ink_well_left_of_the_first_digit_read_makes_the_number_unsure():
    from services.parser.extract.ocr import _ink_left_unread

    # a cell's ink 797–810 px (a faint 「-」 then 「4」), the crop padded 4 px each side
    box, crop = (797, 1045, 810, 1056), (793, 1041, 814, 1060)
    four_alone = [Glyph("4", (806 - 793) / 21, 0.999)]
    assert _ink_left_unread(four_alone, box, crop)
    minus_four = [Glyph("-", (799 - 793) / 21, 0.9), Glyph("4", (806 - 793) / 21, 0.999)]
    assert not _ink_left_unread(minus_four, box, crop)
    assert not _ink_left_unread([Glyph("4", (804 - 793) / 21, 0.999)], (800, 1045, 808, 1056), crop)
