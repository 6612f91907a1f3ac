"""Custom actions in rasa-sdk's own test style: a Tracker and a CollectingDispatcher."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (ActionAnswer, ActionCiteSources, ActionDecline, ActionOffer,
                             ActionTellMore)
from bot.grounding import stated_body
from tests.conftest import ANSWERS, numbers_in, ungrounded

KB = ANSWERS.kb


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


def expected_facts(intent):
    """What the knowledge file says a topic question is answered with."""
    route = KB.routes[intent]
    if route.facts:
        return [KB.fact(f) for f in route.facts]
    return KB.facts_of(route.topic)[: KB.topic(route.topic).first]


@pytest.mark.parametrize("intent", sorted(KB.routes))
def test_each_topic_answers_with_its_facts_and_citations(intent):
    message, events = run(ActionAnswer(), tracker(intent))
    text = message["text"]
    facts = expected_facts(intent)
    for fact in facts:
        assert stated_body(fact) in text
        for source_id in fact.sources:
            assert f"]({KB.source(source_id).url})" in text
    assert "[1]" in text and KB.messages["sources_heading"] in text
    assert not ungrounded(text)
    slots = slot_events(events)
    assert slots["last_facts"] == slots["seen_facts"] == [f.id for f in facts]
    assert slots["last_topic"] == KB.routes[intent].topic


def test_median_then_average_then_more_then_sources():
    message, events = run(ActionAnswer(), tracker("ask_pay_median"))
    assert "$131,490" in message["text"] and "$125,672" not in message["text"]
    slots = slot_events(events)

    message, events = run(ActionAnswer(), tracker("ask_pay_average", **slots))
    assert "$125,672" in message["text"] and "$131,490" not in message["text"]
    slots = slot_events(events)
    assert slots == {"last_topic": "pay", "last_facts": ["pay_average"], "seen_facts": ["pay_average"]}

    message, events = run(ActionTellMore(), tracker("tell_more", **slots))
    following = next(f for f in KB.facts_of("pay") if f.id != "pay_average")
    assert stated_body(following) in message["text"]
    more = slot_events(events)
    assert more["last_facts"] == [following.id]
    assert more["seen_facts"] == ["pay_average", following.id]

    message, events = run(ActionCiteSources(), tracker("request_source", **more))
    assert message["text"].startswith(KB.messages["sources_of_last"])
    publisher = KB.source(following.sources[0]).publisher
    assert f"[1] {publisher}:" in message["text"] and "indeed.com" not in message["text"]
    assert events == []


def test_sources_before_any_answer():
    message, events = run(ActionCiteSources(), tracker("request_source"))
    assert message["text"] == KB.messages["no_answer_yet"]
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
    assert not ungrounded(message["text"])
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
        ([], KB.messages["decline"]),
        ([{"entity": "country", "value": "Germany"}], KB.messages["out_of_region"].replace("{subject}", "Germany")),
        ([{"entity": "occupation", "value": "nurse"}], KB.messages["other_occupation"].replace("{subject}", "nurses")),
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
    assert message["text"] == KB.messages["out_of_region"].replace("{subject}", "India")
    assert not numbers_in(message["text"])
    assert events == []


@pytest.mark.parametrize("intent, message_key", [("greet", "greet"), ("help", "help"), (None, "help")])
def test_offer_sends_the_greeting_or_help_with_suggestions(intent, message_key):
    message, events = run(ActionOffer(), tracker(intent))
    assert message["text"] == KB.messages[message_key]
    assert [b["payload"] for b in message["buttons"]] == [s.payload for s in KB.suggestions]
    assert events == []
