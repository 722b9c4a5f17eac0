from shared.schema import SCHEMAS


def test_2021_format_has_the_cell_counts_of_rule_s003():
    assert SCHEMAS["2021"].cell_count() == {
        "active_disclosure": 10,
        "applications": 175,
        "review_litigation": 15,
    }


def test_2019_format_has_the_cell_counts_of_rule_s003():
    assert SCHEMAS["2019"].cell_count() == {
        "active_disclosure": 22,
        "applications": 161,
        "review_litigation": 15,
    }
