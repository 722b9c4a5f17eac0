"""T2-003, T3-004 (validate_pair), X-001, X-002 (compare_documents, find_duplicates)."""

from __future__ import annotations

from validator_builders import blank, clone, consistent_report, get, put

from services.validator import compare_documents, find_duplicates, validate_pair
from services.validator.cross import jaccard, narrative, shingles
from shared.report import Section

LONG_TEXT = (
    "本机关坚持以公开为常态、不公开为例外，围绕优化营商环境、保障和改善民生等重点工作，"
    "及时公开财政预决算、重大建设项目、公共资源配置、社会公益事业建设等领域信息。"
    "全面梳理政府信息公开事项清单，动态更新主动公开基本目录，规范依申请公开办理流程，"
    "严格落实保密审查和发布审核机制，确保公开内容准确、及时、规范。"
    "加强政府网站和政务新媒体建设，优化栏目设置，提升平台服务能力和用户体验。"
    "健全政务公开工作考核评议机制，将政务公开纳入年度绩效考核，强化监督保障。"
)


def pair(year_prev: int = 2021):
    prev = consistent_report(year=year_prev)
    cur = consistent_report(year=year_prev + 1)
    # year Y: in_force(Y) = 12 + 3 − 1 = 14; carried in = last year's carried out
    put(cur, "active_disclosure.normative_documents.in_force", 14)
    for col, cell in prev.tables["applications"]["carried_over_out"].items():
        put(cur, f"applications.carried_over_in.{col}", cell.value)
    return prev, cur


def test_validate_pair_accepts_consecutive_years_that_agree():
    prev, cur = pair()
    assert validate_pair(prev, cur) == []


def test_t2_003_flags_in_force_that_does_not_follow_from_last_year_and_reports_the_difference():
    prev, cur = pair()
    put(cur, "active_disclosure.normative_documents.in_force", 20)
    [f] = validate_pair(prev, cur)
    assert (f.rule, f.severity) == ("T2-003", "warning")
    assert (
        "in_force(2022) = 20 but in_force(2021) 12 + issued 3 − repealed 1 = 14 (difference 6)"
        in f.message
    )
    assert "previous(2021):active_disclosure.normative_documents.in_force" in f.cells


def test_t2_003_needs_the_2021_format_in_both_years():
    prev, cur = pair(2020)
    prev.format_version = "2019"
    put(cur, "active_disclosure.normative_documents.in_force", 20)
    assert [f.rule for f in validate_pair(prev, cur)] == []


def test_t3_004_flags_carried_over_in_that_differs_from_last_years_carried_over_out():
    prev, cur = pair()
    put(cur, "applications.carried_over_in.natural_person", 0)
    put(
        cur,
        "applications.carried_over_in.total",
        get(cur, "applications.carried_over_in.total").value - 3,
    )
    found = [f for f in validate_pair(prev, cur) if f.rule == "T3-004"]
    assert [f.cells[0] for f in found] == [
        "applications.carried_over_in.natural_person",
        "applications.carried_over_in.total",
    ]
    assert {f.severity for f in found} == {"warning"}


def test_t3_004_tags_a_blank_carry_over_as_due_to_blank():
    prev, cur = pair()
    blank(cur, "applications.carried_over_in.total")
    [f] = validate_pair(prev, cur)
    assert f.tags == ["due_to_blank"]


def test_validate_pair_ignores_years_that_are_not_consecutive():
    prev, cur = pair()
    cur.report_year = 2023
    put(cur, "active_disclosure.normative_documents.in_force", 99)
    assert validate_pair(prev, cur) == []


def test_x001_flags_the_same_agency_and_year_published_twice_with_different_numbers():
    a = consistent_report()
    a.source_url = "http://example.gov.cn/a.html"
    b = clone(a)
    b.source_url = "http://example.gov.cn/b.html"
    put(b, "review_litigation.admin_review.pending", 2)
    put(b, "review_litigation.admin_review.total", 3)
    [f] = compare_documents(a, b)
    assert (f.rule, f.severity) == ("X-001", "warning")
    assert f.cells == [
        "review_litigation.admin_review.pending",
        "review_litigation.admin_review.total",
    ]
    assert "numbers_differ" in f.tags and "a.html" in f.message


def test_x001_flags_a_republication_with_the_same_numbers():
    a = consistent_report()
    b = clone(a)
    a.source_url, b.source_url = "http://x/1", "http://x/2"
    [f] = compare_documents(a, b)
    assert f.rule == "X-001" and f.tags == ["same_numbers"]


def test_x001_ignores_the_same_document_and_different_years():
    a = consistent_report()
    a.source_url = "http://x/1"
    assert compare_documents(a, clone(a)) == []
    b = consistent_report(year=2022)
    b.source_url = "http://x/2"
    assert [f.rule for f in compare_documents(a, b)] != ["X-001"]


def test_x002_flags_identical_nonzero_tables_of_different_agencies():
    a = consistent_report(agency="温州市鹿城区财政局")
    b = consistent_report(agency="温州市龙湾区财政局")
    b.sections["overview"] = Section("一、总体情况", "完全不同的叙述。")
    [f] = compare_documents(a, b)
    assert (f.rule, f.severity, f.tags) == ("X-002", "warning", ["identical_tables"])


def test_x002_does_not_flag_identical_all_zero_tables():
    from validator_builders import seed_report

    a, b = seed_report("001_de27d4d4802e9364.txt"), seed_report("003_fd629941e7a907e0.txt")
    assert compare_documents(a, b) == []


def test_x002_flags_a_near_identical_narrative_with_only_names_and_years_changed():
    a = consistent_report(agency="温州市鹿城区财政局", year=2021)
    b = consistent_report(agency="温州市鹿城区财政局", year=2022)
    put(b, "applications.granted.natural_person", 11)  # tables differ
    a.sections["overview"] = Section("一、总体情况", "2021年，鹿城区财政局" + LONG_TEXT)
    b.sections["overview"] = Section("一、总体情况", "2022年，鹿城区财政局" + LONG_TEXT)
    [f] = compare_documents(a, b)
    assert (f.rule, f.tags) == ("X-002", ["similar_text"])
    assert "similarity 0.9" in f.message or "similarity 1.00" in f.message


def test_x002_does_not_flag_different_narratives_or_short_ones():
    a = consistent_report(agency="温州市鹿城区财政局")
    b = consistent_report(agency="温州市龙湾区教育局")
    put(b, "applications.granted.natural_person", 11)
    a.sections["overview"] = Section("一、总体情况", LONG_TEXT)
    b.sections["overview"] = Section("一、总体情况", "本局围绕教育领域重点工作，" + LONG_TEXT[::-1])
    assert compare_documents(a, b) == []
    assert jaccard(shingles(narrative(a)), shingles(narrative(b))) < 0.2


def random_text(rng, n: int = 400) -> str:
    return "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(n))


def test_find_duplicates_finds_the_pairs_in_a_batch_without_flagging_the_rest():
    import random

    from nianbao.samples.synth import synth_report

    rng = random.Random(7)
    batch = [synth_report("2021", seed) for seed in range(12)]
    for i, r in enumerate(batch):
        r.agency_name = f"测试市第{i}区财政局"
        r.source_url = f"http://x/{i}"
        r.sections["overview"] = Section("一、总体情况", random_text(rng))
    dup = clone(batch[3])
    dup.source_url = "http://x/dup"
    copy_text = clone(batch[5])
    copy_text.agency_name = "测试市第99区教育局"
    copy_text.source_url = "http://x/copy"
    put(
        copy_text, "applications.granted.natural_person", 999
    )  # tables differ: only the text is copied
    batch += [dup, copy_text]
    found = {
        (p.earlier, p.later): [(f.rule, f.tags) for f in p.findings] for p in find_duplicates(batch)
    }
    assert found == {(3, 12): [("X-001", ["same_numbers"])], (5, 13): [("X-002", ["similar_text"])]}


def test_candidate_pairs_stay_linear_when_one_template_is_copied_many_times():
    from services.validator.cross import Fingerprint, candidate_pairs

    same = Fingerprint(agency="测试局", year=2022, tables=1, signature=tuple(range(64)))
    pairs = candidate_pairs([same] * 500)
    assert sum(len(earlier) for earlier in pairs.values()) <= 2 * 500
    assert set(pairs[499]) == {0, 498}  # the bucket's first report and the one before


def test_narratives_sharing_one_lsh_band_but_little_else_are_not_candidates():
    from nianbao.samples.synth import synth_report
    from services.validator.cross import Fingerprint, candidate_pairs, fingerprint

    shared_band = tuple(range(4))  # band 0 equal, the other 60 buckets differ
    a = Fingerprint(
        agency="甲局", year=2022, tables=None, signature=shared_band + tuple(range(100, 160))
    )
    b = Fingerprint(
        agency="乙局", year=2022, tables=None, signature=shared_band + tuple(range(200, 260))
    )
    near = Fingerprint(
        agency="丙局",
        year=2022,
        tables=None,
        signature=shared_band + tuple(range(100, 150)) + tuple(range(300, 310)),
    )
    assert dict(candidate_pairs([a, b])) == {}
    assert {k: dict(v) for k, v in candidate_pairs([a, near]).items()} == {1: {0: {"text"}}}
    # fingerprints keep the signature packed: 64 × 4 bytes
    report = synth_report("2021", 1)
    assert len(fingerprint(report).signature) == 256


def test_the_vectorised_minhash_estimates_the_exact_jaccard():
    import random

    from services.validator.cross import estimated_jaccard, minhash_text

    words = "本机关全年主动公开政府信息依申请公开办理答复行政复议诉讼情况良好规范有序"
    rng = random.Random(5)
    text = "".join(rng.choice(words) for _ in range(1200))
    near = text[:1000] + "".join(rng.choice(words) for _ in range(200))
    other = "".join(rng.choice(words) for _ in range(1200))
    for a, b in ((text, near), (text, other), (text, text)):
        exact = jaccard(shingles(a), shingles(b))
        assert abs(estimated_jaccard(minhash_text(a), minhash_text(b)) - exact) < 0.12, exact
