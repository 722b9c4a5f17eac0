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


def test_rulings_printed_light_grey_give_the_cells_the_same_rulings_printed_black_give():
    from nianbao.samples.scans import Degrade, as_image, scan_pages
    from nianbao.samples.synth import synth_report
    from services.parser.extract import ocr

    def cells(degrade: Degrade) -> list[int]:
        import io

        from PIL import Image

        page = scan_pages(synth_report("2021", 100), dpi=150, degrade=degrade)[1]
        jpeg = Image.open(io.BytesIO(as_image(page, "jpeg", quality=80)))  # as scanners save
        grey = ocr.grey_without_seal(np.asarray(jpeg.convert("RGB")))
        grey = ocr.rotate(grey, -ocr.measure_skew(grey))
        rules, _ = ocr.find_rules(grey, 150.0)
        h, w = grey.shape
        return [len(table_cells) for _, table_cells in ruled_tables(rules, w, h, 150.0)]

    black = cells(Degrade(skew=0.5))
    assert black == [199, 34]  # T3 with its 26 rows, and T4
    assert cells(Degrade(skew=0.5, faint_rules=True)) == black  # at the text's threshold: [46, 13]
    # the grey fringes of blurred text join into runs at the faint look; none is taken as a rule
    assert cells(Degrade(skew=0.5, blur=0.8)) == black
    assert cells(Degrade(skew=0.5, blur=0.8, faint_rules=True)) == black


def test_a_run_with_ink_along_its_side_is_text_and_a_ruling_a_margin_away_from_text_is_not():
    from services.parser.extract.ocr import _inside_text

    ink = np.zeros((100, 200), dtype=np.uint8)
    ink[40:42, 10:190] = 255  # a run of 180 px: the joined grey fringes of a line of text
    for x in range(10, 190, 5):
        ink[30:52, x : x + 3] = 255  # the glyphs' strokes, through it (CJK: dense)
    assert _inside_text(ink, (10, 40, 180, 2), horizontal=True, reach=4)
    blurred = np.zeros((100, 200), dtype=np.uint8)
    blurred[38:49, 10:190] = 255  # a blurred line's whole height joined into one run
    for x in range(10, 190, 4):
        blurred[49:52, x : x + 3] = 255  # the feet of its glyphs below it, nothing above
    assert _inside_text(blurred, (10, 38, 180, 11), horizontal=True, reach=4)
    ruling = np.zeros((100, 200), dtype=np.uint8)
    ruling[40:42, 10:190] = 255
    for x in range(30, 170, 40):
        ruling[30:38, x : x + 12] = 255  # the numbers of the row above, a few px away
    ruling[50:60, 14:190:12] = 255  # the row below, a margin away
    assert not _inside_text(ruling, (10, 40, 180, 2), horizontal=True, reach=4)
    standing = ruling.T.copy()  # the same, turned: a vertical run
    assert not _inside_text(standing, (40, 10, 2, 180), horizontal=False, reach=4)
    assert _inside_text(ink.T.copy(), (40, 10, 2, 180), horizontal=False, reach=4)


def test_a_line_whose_first_mark_is_shaped_as_a_minus_starts_with_a_dash():
    from services.parser.extract.ocr_cells import CellLine, starts_with_dash

    cell = (780, 1030, 900, 1070)
    binary = np.zeros((1200, 1000), dtype=np.uint8)
    binary[1043:1056, 800:810] = 255  # the digit 2, 13 px high (150 dpi)
    binary[1049:1051, 795:798] = 255  # a faint minus: 3×2 px, left of the box it was read in
    two = CellLine((800, 1043, 810, 1056), cell)
    assert starts_with_dash(binary, two, 150.0)
    binary[1049:1051, 795:798] = 0
    assert not starts_with_dash(binary, two, 150.0)
    binary[1054:1056, 795:798] = 255  # a decimal-point-like mark on the baseline is no minus
    assert not starts_with_dash(binary, two, 150.0)
    binary[1054:1056, 795:798] = 0
    binary[1049, 795] = binary[1050, 797] = 255  # two grains of noise are no minus either
    assert not starts_with_dash(binary, two, 150.0)


def test_a_digit_read_first_after_a_minus_shaped_mark_makes_the_sign_unread():
    from services.parser.extract.ocr import _sign_unread

    box, crop = (797, 1044, 810, 1057), (793, 1040, 814, 1061)
    two = [Glyph("2", 0.583, 0.997)]  # the ink starts 0.34 line heights left of the 2: too little
    digit = [(800, 810)]  # the smudge before the 2 too small to be a mark of its own
    assert not _sign_unread(two, box, crop, False, digit)
    assert _sign_unread(two, box, crop, True, digit)
    minus_two = [Glyph("-", 0.3, 0.8), Glyph("2", 0.583, 0.997)]
    assert not _sign_unread(minus_two, box, crop, True, [(797, 800), (802, 810)])
    # two marks, one character read: whatever its shape, the first mark was passed over
    assert _sign_unread(two, box, crop, False, [(797, 800), (802, 810)])


def test_a_minus_the_ink_shows_dash_shaped_is_as_sure_as_a_short_mark_there():
    from services.parser.extract.ocr import _sign_seen

    doubted = [Glyph("-", 0.3, 0.37, mark=0.98), Glyph("4", 0.6, 0.999)]
    assert [round(g.prob, 3) for g in _sign_seen(doubted)] == [0.98, 0.999]
    # a dash that is the line itself (no number after it) is left as read
    assert _sign_seen([Glyph("-", 0.5, 0.37, mark=0.98)])[0].prob == 0.37
    stroked = [Glyph("-", 0.3, 0.37, mark=0.4), Glyph("4", 0.6, 0.999)]  # 一 as likely as not
    assert _sign_seen(stroked)[0].prob == 0.4


def test_ink_well_left_of_the_first_digit_read_makes_the_number_unsure():
    from services.parser.extract.ocr import _ink_left_unread

    # a cell's ink 797–810 px (a faint 「-」 then 「4」), the crop padded 4 px each side
    box, crop = (797, 1045, 810, 1056), (793, 1041, 814, 1060)
    four_alone = [Glyph("4", (806 - 793) / 21, 0.999)]
    assert _ink_left_unread(four_alone, box, crop)
    minus_four = [Glyph("-", (799 - 793) / 21, 0.9), Glyph("4", (806 - 793) / 21, 0.999)]
    assert not _ink_left_unread(minus_four, box, crop)
    assert not _ink_left_unread([Glyph("4", (804 - 793) / 21, 0.999)], (800, 1045, 808, 1056), crop)


def test_a_number_read_with_fewer_characters_than_the_marks_of_its_ink_is_short_of_one():
    from services.parser.extract.ocr import _marks_unread
    from services.parser.extract.ocr_cells import marks

    binary = np.zeros((40, 60), dtype=np.uint8)
    box = (10, 10, 40, 24)  # a line of ink 14 px high, at 150 dpi
    binary[11:23, 26:34] = 255  # a digit
    binary[16:18, 20:24] = 255  # a minus sign before it, as small as a speck at 150 dpi
    binary[10:12, 10:12] = 255  # a speck of noise in the line's top corner: no mark
    assert marks(binary, box, 150.0) == [(20, 24), (26, 34)]
    assert _marks_unread([Glyph("2", 0.6, 0.999)], 2)  # 「-2」 read 「2」
    assert not _marks_unread([Glyph("-", 0.4, 0.9), Glyph("2", 0.6, 0.999)], 2)
    assert not _marks_unread([Glyph("本", 0.5, 0.99)], 2)  # words are judged otherwise

    binary[11:23, 35:38] = 255  # the pieces of one character, side by side in its column...
    binary[11:14, 36:39] = 255
    assert marks(binary, box, 150.0)[2] == (35, 39)  # ...are one mark


def test_a_red_seal_leaves_no_outline_of_its_own_and_keeps_the_print_under_it():
    import io

    import cv2
    from PIL import Image

    from nianbao.samples.scans import Degrade, as_image, scan_pages
    from nianbao.samples.synth import synth_report
    from services.parser.extract import ocr

    def grey(seal: bool) -> np.ndarray:
        page = scan_pages(synth_report("2019", 101), dpi=150, degrade=Degrade(seal=seal))[0]
        jpeg = Image.open(io.BytesIO(as_image(page, "jpeg", quality=80)))  # as scanners save
        return ocr.grey_without_seal(np.asarray(jpeg.convert("RGB")))

    stamped, clean = grey(True), grey(False)
    threshold, _ = cv2.threshold(clean, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    ink, print_ = stamped < threshold, clean < threshold
    near = np.ones((3, 3), np.uint8)
    seal = (stamped != clean) & ~print_  # where the seal changed the page
    outline = ink & ~cv2.dilate(print_.view(np.uint8), near).view(bool)
    lost = print_ & ~cv2.dilate(ink.view(np.uint8), near).view(bool)
    assert seal.sum() > 10_000  # the seal is there (a 4 cm ring, a star)
    # the seal's blurred edges once stayed as grey strokes (175 px of ink on this page), read
    # as characters: 「0」 read 「V6」, 「12」 read 「AL 12」
    assert outline.sum() < 20
    assert lost.sum() == 0
