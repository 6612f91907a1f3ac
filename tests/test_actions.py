"""Custom actions in rasa-sdk's own test style: a Tracker and a CollectingDispatcher."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (ActionAnswer, ActionCiteSources, ActionDecline, ActionOffer,
                             ActionTellMore)
from tests.conftest import figures_outside_knowledge, numbers_in


def tracker(intent=None, entities=(), text="", **slots):
    return Tracker(
        sender_id="tester",
        slots={"last_topic": None, "last_facts": None, "seen_facts": None, **slots},
        latest_message={"intent": {"name": intent, "confidence": 1.0} if intent else {},
                        "entities": list(entities), "text": text},
        events=[], paused=False, followup_action=None, active_loop={},
        latest_action_name="action_listen",
    )


def run(action, trk):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, trk, {})
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0], events


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.mark.parametrize(
    "intent, figure, source_url",
    [
        ("ask_pay", "$131,490", "https://www.bls.gov/"),
        ("ask_pay_median", "$131,490", "https://www.bls.gov/"),
        ("ask_pay_average", "$125,672", "https://www.indeed.com/career/"),
        ("ask_outlook", "21%", "https://www.bls.gov/"),
        ("ask_postings_growth", "344%", "https://www.coursera.org/"),
        ("ask_what_is_ml", "", "https://www.ibm.com/"),
        ("ask_applications", "", "https://www.bigcommerce.com/"),
        ("ask_role", "", "https://www.coursera.org/"),
        ("ask_team_role", "", "https://www.coursera.org/"),
        ("ask_pandemic", "COVID-19", "https://www.coursera.org/"),
        ("ask_how_to_start", "three steps", "https://www.coursera.org/"),
        ("ask_degree", "bachelor's degree", "https://www.coursera.org/"),
        ("ask_advanced_degree", "master's", "https://www.coursera.org/"),
        ("ask_entry_level", "not an entry-level job", "https://www.coursera.org/"),
        ("ask_skills", "mathematics", "https://www.coursera.org/"),
        ("ask_courses", "Coursera", "https://www.coursera.org/"),
    ],
)
def test_each_topic_answers_with_its_citation(intent, figure, source_url):
    message, events = run(ActionAnswer(), tracker(intent))
    assert figure in message["text"]
    assert "[1]" in message["text"] and "Sources:" in message["text"]
    assert f"]({source_url}" in message["text"]
    slots = slot_events(events)
    assert slots["last_facts"] and slots["last_facts"] == slots["seen_facts"]
    assert slots["last_topic"]


def test_median_then_average_then_more_then_sources():
    message, events = run(ActionAnswer(), tracker("ask_pay_median"))
    assert "$131,490" in message["text"] and "$125,672" not in message["text"]
    slots = slot_events(events)

    message, events = run(ActionAnswer(), tracker("ask_pay_average", **slots))
    assert "$125,672" in message["text"] and "$131,490" not in message["text"]
    slots = slot_events(events)
    assert slots == {"last_topic": "pay", "last_facts": ["pay_average"], "seen_facts": ["pay_average"]}

    message, events = run(ActionTellMore(), tracker("tell_more", **slots))
    assert "six figures" in message["text"]
    more = slot_events(events)
    assert more["last_facts"] == ["pay_above_average"]
    assert more["seen_facts"] == ["pay_average", "pay_above_average"]

    message, events = run(ActionCiteSources(), tracker("request_source", **more))
    assert message["text"].startswith("That answer came from:")
    assert "[1] Coursera" in message["text"] and "Indeed" not in message["text"]
    assert events == []


def test_sources_before_any_answer():
    message, events = run(ActionCiteSources(), tracker("request_source"))
    assert "haven't given you any facts" in message["text"]
    assert message["buttons"] and events == []


@pytest.mark.parametrize(
    "action, intent, slots",
    [
        (ActionAnswer(), "ask_astrology", {}),
        (ActionAnswer(), None, {}),
        (ActionTellMore(), "tell_more", {"last_topic": "no_such_topic"}),
        (ActionTellMore(), "tell_more", {"last_topic": 7, "seen_facts": "pay_median"}),
        (ActionTellMore(), "tell_more", {"last_topic": ["pay"], "seen_facts": [{"x": 1}]}),
        (ActionCiteSources(), "request_source", {"last_facts": ["made_up_fact"]}),
        (ActionCiteSources(), "request_source", {"last_facts": "<script>"}),
        (ActionCiteSources(), "request_source", {"last_facts": 131490}),
    ],
)
def test_junk_slots_and_unknown_intents_are_answered_gracefully(action, intent, slots):
    message, events = run(action, tracker(intent, **slots))
    assert message["text"]
    assert not figures_outside_knowledge(message["text"])
    assert "131490" not in message["text"]
    assert message["buttons"]  # offers the suggested questions instead
    assert events == []


def test_tell_more_with_injected_topic_starts_that_topic():
    message, events = run(ActionTellMore(), tracker("tell_more", last_topic="outlook"))
    assert "21%" in message["text"]
    assert slot_events(events)["seen_facts"] == ["outlook_bls_growth"]


@pytest.mark.parametrize(
    "entities, expected",
    [
        ([], "outside what my sources cover"),
        ([{"entity": "country", "value": "Germany"}], "US figures for machine learning engineers"),
        ([{"entity": "occupation", "value": "nurse"}], "about nurses"),
    ],
)
def test_decline_has_no_figure_and_offers_questions(entities, expected):
    message, events = run(ActionDecline(), tracker("out_of_scope", entities))
    assert expected in message["text"]
    assert not numbers_in(message["text"])
    assert [b["payload"] for b in message["buttons"]][0].startswith("/ask_")
    assert events == []


def test_pay_question_about_another_country_is_declined():
    message, events = run(ActionAnswer(), tracker("ask_pay", [{"entity": "country", "value": "India"}]))
    assert "for India" in message["text"] and not numbers_in(message["text"])
    assert events == []


@pytest.mark.parametrize("intent, response", [("greet", "utter_greet"), ("help", "utter_help")])
def test_offer_uses_the_domain_response_with_suggestions(intent, response):
    message, _ = run(ActionOffer(), tracker(intent))
    assert message["response"] == response
    assert len(message["buttons"]) >= 3
