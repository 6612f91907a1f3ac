"""bot/background.py: a person's degree, its field and work with data, from their story."""

import pytest

from bot.background import background_of


@pytest.mark.parametrize(
    "told, degree, field, data_work",
    [
        (["I'm 34, a nurse in Ohio for 9 yrs, BSN degree."], "bachelor", "nursing", False),
        (["dropped out of college at 20.", "Did a coding bootcamp last year."], "bootcamp", None, False),
        (["Retail store manager, 37, Wisconsin.", "no degree."], "none", None, False),
        (["I have a CS degree and 2 years as a data analyst."], "bachelor", "computer science", True),
        (["I'm a physics PhD student, 4th year."], "phd", "physics", False),
        (["I have a master's in statistics."], "master", "statistics", False),
        (["I love tinkering with arduino."], None, None, False),
    ],
)
def test_what_the_story_says(told, degree, field, data_work):
    background = background_of(told)
    assert (background.degree, background.field, background.data_work) == (degree, field, data_work)


def test_how_it_is_described_and_whether_the_sources_name_the_field():
    chemistry = background_of(["I have a chemistry degree."])
    assert chemistry.describe() == "a chemistry degree" and chemistry.field_named_by_sources is False
    statistics = background_of(["BS in statistics, now working as a data analyst."])
    assert statistics.describe() == "a statistics degree and work with data" and statistics.field_named_by_sources
    assert background_of(["no degree.", "did a bootcamp"]).describe() == "a bootcamp"
