"""Decoding a recognised line: a number is as sure as its least sure digit, and a zero the model
splits between 「0」 and 「O」 is one probability of zero — inside a run of digits only."""

from __future__ import annotations

import numpy as np

from services.parser.extract.ocr_lines import (
    BATCH,
    MARKS,
    TRAIL,
    TRAIL_MAX,
    WIDER,
    ZERO_LIKE,
    _batches,
    _trailed,
    decode,
)

CHARS = ["blank", "0", "1", "2", "O", "o", "〇", "二", "年", "C", "R", "-", ".", "·", " "]
ZERO_IDS = np.array([i for i, c in enumerate(CHARS) if c in ZERO_LIKE])
MARK_IDS = np.array([i for i, c in enumerate(CHARS) if c in MARKS])


def steps(*dists: dict[str, float]) -> np.ndarray:
    """One row of probabilities per time step; what a step does not name goes to blank."""
    out = np.zeros((len(dists), len(CHARS)), dtype=np.float32)
    for t, d in enumerate(dists):
        for ch, p in d.items():
            out[t, CHARS.index(ch)] = p
        out[t, 0] += 1.0 - sum(d.values())
    return out


def text(glyphs) -> str:
    return "".join(g.text for g in glyphs)


def test_a_lone_zero_split_between_digit_and_letter_is_a_sure_zero():
    glyphs = decode(
        steps({}, {"0": 0.88, "O": 0.10, "o": 0.02}, {}), CHARS, ZERO_IDS, 1.0, MARK_IDS
    )
    assert text(glyphs) == "0"
    assert abs(glyphs[0].prob - 1.0) < 1e-6


def test_a_letter_o_read_as_likelier_than_zero_in_a_digit_run_becomes_zero():
    probs = steps({"1": 0.99}, {}, {"O": 0.55, "0": 0.40}, {})
    glyphs = decode(probs, CHARS, ZERO_IDS, 1.0, MARK_IDS)
    assert text(glyphs) == "10"
    assert abs(glyphs[1].prob - 0.95) < 1e-6


def test_a_number_is_as_sure_as_its_least_sure_digit_not_their_mean():
    probs = steps({"1": 0.999}, {}, {"2": 0.6, "1": 0.4}, {}, {"1": 0.999})
    glyphs = decode(probs, CHARS, ZERO_IDS, 1.0, MARK_IDS)
    assert text(glyphs) == "121"
    assert min(g.prob for g in glyphs) < 0.61


def test_letters_beside_an_o_keep_it_a_letter():
    probs = steps({"O": 0.9, "0": 0.1}, {}, {"C": 0.99}, {}, {"R": 0.99})
    assert text(decode(probs, CHARS, ZERO_IDS, 1.0, MARK_IDS)) == "OCR"


def test_the_zero_of_a_chinese_date_stays_a_chinese_numeral():
    probs = steps({"二": 0.99}, {"〇": 0.97, "0": 0.02}, {"二": 0.99}, {}, {"年": 0.99})
    assert text(decode(probs, CHARS, ZERO_IDS, 1.0, MARK_IDS)) == "二〇二年"


def test_a_repeated_step_is_one_character_and_a_blank_between_makes_two():
    probs = steps({"1": 0.99}, {"1": 0.99}, {}, {"1": 0.99})
    assert text(decode(probs, CHARS, ZERO_IDS, 1.0, MARK_IDS)) == "11"


def test_each_character_is_placed_where_its_step_lies_along_the_crop():
    probs = steps({"1": 0.99}, {}, {}, {"2": 0.99})
    glyphs = decode(probs, CHARS, ZERO_IDS, 1.0, MARK_IDS)
    assert [round(g.centre, 3) for g in glyphs] == [0.125, 0.875]
    # a crop padded to twice its width in its batch: the same steps lie twice as far along it
    stretched = decode(probs, CHARS, ZERO_IDS, 2.0, MARK_IDS)
    assert [round(g.centre, 3) for g in stretched] == [0.25, 1.0]


def test_a_minus_sign_keeps_how_sure_the_model_is_of_a_short_mark_or_nothing_at_its_step():
    # a faint minus at 150 dpi: 「-」 0.38, blank 0.37, 「.」 0.22 — and a stroked 「1」 0.03
    probs = steps({"-": 0.38, ".": 0.22, "1": 0.03}, {}, {"2": 0.99})
    glyphs = decode(probs, CHARS, ZERO_IDS, 1.0, MARK_IDS)
    assert text(glyphs) == "-2"
    assert abs(glyphs[0].prob - 0.38) < 1e-6
    assert glyphs[0].mark is not None and abs(glyphs[0].mark - 0.97) < 1e-5
    assert glyphs[1].mark is None  # only a minus's doubt can be settled by its shape


def test_crops_are_batched_with_crops_of_their_width_never_more_than_a_batch():
    # 20 number cells (all padded to the minimum width), a line 10× its height, two of 30×
    ratios = [2.5] * 20 + [10.0, 30.0, 31.0]
    batches = _batches(ratios)
    assert sorted(i for b in batches for i in b) == list(range(23))
    assert [len(b) for b in batches] == [BATCH, 4, 1, 2]
    # a batch is padded to its widest crop: none pays more than WIDER for a wider neighbour
    for b in batches:
        assert max(ratios[i] for i in b) <= WIDER * min(ratios[i] for i in b)


def test_a_short_crop_is_padded_by_a_share_of_its_width_a_long_line_by_a_character_or_so():
    assert _trailed(2.0) == TRAIL * 2.0  # 「92.2496」 needs its quarter
    assert _trailed(40.0) == 40.0 + TRAIL_MAX  # not 10 more heights after a 40-character line
    assert _trailed(40.0) < 1.05 * 40.0
