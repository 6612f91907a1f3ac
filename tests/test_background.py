"""bot/background.py: a person's degree, its field and work with data, from their story."""

import pytest

from bot.background import Background, background_of


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


@pytest.mark.parametrize(
    "told, years, age",
    [
        (["I'm 34, a nurse in Ohio for 9 yrs, BSN degree."], 9, 34),
        (["Retail store manager, 37, Wisconsin."], None, 37),
        (["CPA here, nine years in audit."], 9, None),
        (["29 yr old trucker, been driving OTR 8 years"], 8, 29),
        (["I taught for 3 years, then 12 years in sales."], 12, None),
        (["I love tinkering with arduino."], None, None),
    ],
)
def test_years_of_work_and_age(told, years, age):
    background = background_of(told)
    assert (background.years, background.age) == (years, age)


def test_job_and_place_are_kept_as_the_responder_found_them_and_the_slot_round_trips():
    background = background_of(["I'm 41, a pharmacist in Texas for 15 years."], job="pharmacist", place="Texas")
    slot = background.as_slot()
    assert slot == {
        "degree": None, "field": None, "data_work": False, "job": "pharmacist", "years": 15, "age": 41, "place": "Texas"
    }  # fmt: skip
    assert Background.from_slot(slot) == background


@pytest.mark.parametrize(
    "slot",
    [
        {"age": "41", "years": True, "job": "x" * 500, "place": 3},
        {"age": 400, "years": -2, "job": ["nurse"], "place": None},
        "I'm a nurse",
    ],
)
def test_a_slot_holding_anything_else_is_nothing_known(slot):
    assert Background.from_slot(slot) == Background()


def test_what_a_later_story_tells_wins_and_the_rest_is_kept():
    earlier = background_of(["I'm 30 and a nurse."], job="nurse", place="Ohio")
    later = background_of(["I moved; I have a CS degree now."], place="Texas")
    both = earlier.updated(later)
    assert (both.degree, both.job, both.age, both.place) == ("bachelor", "nurse", 30, "Texas")
