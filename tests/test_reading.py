"""bot/reading.py: a message read once, its story set aside from its question, and
questions about the future marked with their subject."""

import pytest

from bot.occupations import load_occupations
from bot.reading import START_QUESTION, asks, read, sentences_of

YEAR, HORIZON = 2026, 2031
JOBS = load_occupations().titles  # as the responder reads


def read_(text):
    return read(text, YEAR, HORIZON, jobs=JOBS)


def test_a_story_before_the_question_is_background_and_the_question_is_what_is_answered():
    reading = read_(
        "I'm 34 and have been a registered nurse in Ohio for 9 years, BSN degree. Pharmacist before that. "
        "I like coding. How much do machine learning engineers make?"
    )
    assert reading.text == "How much do machine learning engineers make?"  # (liking code: no question)
    assert len(reading.told) == 2 and "nurse" in reading.told[0] and "Pharmacist" in reading.told[1]
    assert reading.rewritten and not reading.implied


def test_who_the_person_is_is_their_story_and_what_they_say_of_this_career_stays_with_a_short_question():
    text = "I'm a UX designer at a startup and our ML engineers fascinate me. What do they actually do?"
    reading = read_(text)
    assert reading.text == text and "UX designer" in reading.told[0]  # ("they": the ML engineers)
    reading = read_(
        "I'm a nurse practitioner in Idaho and weirdly drawn to AI. How does someone become an ML engineer?"
    )
    assert reading.text == "How does someone become an ML engineer?" and "nurse" in reading.told[0]


def test_without_a_story_only_a_statement_about_another_job_is_set_aside():
    text = "My son is 17. His counselor suggested machine learning. Can you explain what the job involves?"
    assert read_(text).text == "My son is 17. Can you explain what the job involves?"


def test_a_statement_with_a_figure_stays_with_the_short_question_it_comes_with():
    text = "My cousin says they make $300k. Is that true?"
    assert read_(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "hi so I'm 34, a nurse in Ohio. honestly no idea where to begin with this machine learning thing.",
        "Retail store manager, 37, Wisconsin. no degree. my nephew is an ML engineer. I want to become one too.",
        "I want to become an ML engineer but I don't know where to start",
    ],
)
def test_statements_saying_the_person_wants_this_career_ask_where_to_start(text):
    assert read_(text).text == START_QUESTION


def test_a_short_where_do_i_begin_asks_where_to_start():
    reading = read_("I'm an accountant and want to pivot into ML engineering. where should I even begin??")
    assert reading.text.endswith(START_QUESTION)


@pytest.mark.parametrize(
    "text",
    [
        "what do ML engineers earn?",  # one question: as it is
        "I'm a nurse.",  # a statement only, no wish: as it is (the responder declines or chats)
        "I read they make $500k. Is that right?",  # a figure told may be a claim to check
        "thanks! that helps.",
    ],
)
def test_a_message_without_a_story_to_set_aside_is_read_as_it_is(text):
    reading = read_(text)
    assert reading.text == text and not reading.rewritten


@pytest.mark.parametrize(
    "text, subject",
    [
        ("how much will I earn as an ML engineer in 5 years?", "pay"),
        ("what will ML engineers make in 2030?", "pay"),  # no pay forecast at all
        ("will salaries keep going up?", "pay"),
        ("will ML engineers still be in demand in 2035?", "demand"),
        ("Is AI going to replace ML engineers?", "demand"),
        ("is it a good long-term career?", "demand"),
        ("will there be jobs in 2030?", "projection"),  # within the projection: it answers that
        ("will AI replace ML engineers before I graduate in 2030?", "demand"),  # no projection answers that
        ("will the job growth keep going after 2031?", "demand"),
        ("What does the hiring forecast look like heading into the early 2030s?", "projection"),
        ("If she goes into ML, will there be jobs waiting when she graduates?", "demand"),
        ("Is this field going to keep expanding or is it about to level off?", "demand"),
        ("Over the long haul, is ML engineering a growing career?", "demand"),
        ("Is ML engineer pay expected to keep going up?", "pay"),
        ("How high could ML engineer pay climb by the end of this decade?", "pay"),
        ("When the projection ends in 2031, what will median pay be?", "pay"),
        ("what do ML engineers earn?", None),
        ("what year does the BLS job forecast run to?", None),
        ("how do I get started?", None),
        ("will I need a degree?", None),
        ("what did they earn in 2021?", None),
    ],
)
def test_questions_about_the_future_are_marked_with_their_subject(text, subject):
    assert read_(text).future == subject


def test_sentences_and_questions():
    assert sentences_of("I'm 22.  I live in Ohio!\nWhat now?") == ["I'm 22.", "I live in Ohio!", "What now?"]
    assert asks("I want to know which skills I need") and asks("so what's next") and asks("why?")
    assert not asks("I have a chemistry degree.")


def test_a_statement_that_starts_like_a_question_is_still_a_statement():
    assert not asks("Did a coding bootcamp last year.")
    assert asks("can i do it without a degree") and asks("no idea where to begin")


@pytest.mark.parametrize(
    "text, asked",
    [
        ("sorry no, I meant the job growth projection, not postings", "the job growth projection, not postings"),
        ("actually scratch that, I meant the job outlook", "the job outlook"),
        ("oops, I meant the median, not the average", "the median, not the average"),
    ],
)
def test_a_correction_of_the_last_message_asks_what_it_corrects_to(text, asked):
    reading = read_(text)
    assert reading.text == asked and reading.rewritten


@pytest.mark.parametrize(
    "text, asked",
    [
        (  # a wish to know, beside a real question, is the story's
            "I've been a diesel mechanic for 19 years. I need to know if it's worth it. "
            "Roughly what does someone in machine learning make?",
            "Roughly what does someone in machine learning make?",
        ),
        (  # what the person says of this career, not leaned on by a short question, is set aside
            "CPA here, nine years in audit. Everyone at my firm is talking about AI. "
            "Is machine learning engineering a field that's genuinely expanding?",
            "Is machine learning engineering a field that's genuinely expanding?",
        ),
        (  # a question said as a wish, after a clause of the story: what it asks
            "I teach 5th grade in Houston. Before I commit to a master's I want to know what ML engineers earn in Texas.",
            "what ML engineers earn in Texas.",
        ),
        (  # a sentence without a question mark that asks about another job is kept with the question
            "are electricians in demand? pay and outlook for electricians please",
            "are electricians in demand? pay and outlook for electricians please",
        ),
    ],
)
def test_only_what_the_message_asks_is_read_as_its_question(text, asked):
    assert read_(text).text == asked


def test_the_persons_own_pay_is_their_story_not_a_claim_to_check():
    reading = read_("I'm a teacher, been teaching 7 years and make about 58k. What do ML engineers earn?")
    assert reading.text == "What do ML engineers earn?"
    assert "58k" in reading.told[0]


def test_a_story_that_only_mentions_this_career_asks_where_to_start():
    reading = read_(
        "I'm 45. I managed retail stores for twenty years. I keep seeing machine learning engineer come up."
    )
    assert reading.text == START_QUESTION and reading.implied
