"""bot/occupations.py: other jobs named in a message, by list and by rule, never the bot's own."""

import pytest

from bot.occupations import load_occupations, plural

OCCUPATIONS = load_occupations()


@pytest.mark.parametrize(
    "text, names",
    [
        ("what does a pharmacist make?", ["pharmacists"]),
        ("how much do actuaries earn", ["actuaries"]),  # a plural of the list's title
        ("how about dental hygienists?", ["dental hygienists"]),  # the list's, not a longer rule match
        ("nurse practitioners salary", ["nurse practitioners"]),
        ("what do wind turbine technicians earn", ["wind turbine technicians"]),  # by rule
        ("is a UX designer paid more?", ["ux designers"]),
        ("and a data scientist's salary?", ["data scientists"]),  # a job of its own, not the bot's
    ],
)
def test_other_jobs_are_found(text, names):
    assert [t.name for t in OCCUPATIONS.titles(text)] == names


@pytest.mark.parametrize(
    "text",
    [
        "what do machine learning engineers earn?",
        "do ML engineers need a degree?",
        "what do AI engineers do?",
        "do senior engineers earn more?",  # seniority is not a field
        "pay of computer and information research scientists",  # the group the pay figures are for
        "what do hiring managers look for?",
        "which ML model should I learn first?",
    ],
)
def test_the_bots_own_job_and_plain_words_are_not_other_jobs(text):
    assert OCCUPATIONS.titles(text) == []


def test_the_start_points_at_the_title_as_written():
    text = "Is a Dental Hygienist paid well?"
    (title,) = OCCUPATIONS.titles(text)
    assert text[title.start : title.start + len(title.text)] == "Dental Hygienist"


def test_plurals():
    assert [plural(t) for t in ("nurse", "actuary", "coach", "attorney")] == [
        "nurses",
        "actuaries",
        "coaches",
        "attorneys",
    ]
