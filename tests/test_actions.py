"""The one custom action, in rasa-sdk's own test style: a Tracker and a CollectingDispatcher.

The action only translates: tracker -> bot.turn.Turn, Outcome -> message and slot
events. These tests check that translation on real turns; what the responder decides
is tested in tests/test_responder.py.
"""

import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionRespond
from bot.feedback import METADATA_KEY
from bot.grounding import stated_body, stated_facts
from tests.conftest import ANSWERS, numbers_in, ungrounded

KB = ANSWERS.kb


def tracker(text="", intent=None, confidence=1.0, entities=(), **slots):
    return Tracker(
        sender_id="tester",
        slots={"last_topic": None, "last_facts": None, "seen_facts": None, "asked_topics": None, **slots},
        latest_message={
            "intent": {"name": intent, "confidence": confidence} if intent else {},
            "entities": list(entities),
            "text": text,
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(trk):
    dispatcher = CollectingDispatcher()
    events = ActionRespond().run(dispatcher, trk, {})
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
def test_a_button_payload_answers_its_topic_with_citations(intent):
    message, events = run(tracker(f"/{intent}", intent))
    text = message["text"]
    facts = expected_facts(intent)
    assert [f.id for f in stated_facts(text, KB)] == [f.id for f in facts]
    for fact in facts:
        for source_id in fact.sources:
            assert f"]({KB.source(source_id).url})" in text
    assert "[1]" in text and KB.messages["sources_heading"] in text
    assert not ungrounded(text)
    slots = slot_events(events)
    assert slots["last_facts"] == slots["seen_facts"] == [f.id for f in facts]
    assert slots["last_topic"] == KB.routes[intent].topic


def test_median_then_average_then_more_then_sources():
    message, events = run(
        tracker(
            "what's the median salary?", "ask_pay_median", entities=[{"entity": "pay_statistic", "value": "median"}]
        )
    )
    assert "$131,490" in message["text"] and "$125,672" not in message["text"]
    slots = slot_events(events)

    message, events = run(tracker("and the average?", "ask_pay_average", **slots))
    assert "$125,672" in message["text"] and "$131,490" not in message["text"]
    slots = slot_events(events)
    answer_id = slots.pop("last_answer")
    assert slots == {
        "last_topic": "pay",
        "last_facts": ["pay_average"],
        "seen_facts": ["pay_median", "pay_average"],
        "asked_topics": ["pay"],
    }
    assert re.fullmatch(r"[0-9a-f]{12}", answer_id) and message[METADATA_KEY]["answer"] == answer_id

    message, events = run(tracker("tell me more", "tell_more", **slots))
    following = next(f for f in KB.facts_of("pay") if f.id not in slots["seen_facts"])
    assert stated_body(following) in message["text"]
    more = slot_events(events)
    assert more["last_facts"] == [following.id]
    assert more["seen_facts"] == ["pay_median", "pay_average", following.id]

    message, events = run(tracker("where does that come from?", "request_source", **more))
    assert message["text"].startswith(KB.messages["sources_of_last"])
    publisher = KB.source(following.sources[0]).publisher
    assert f"[1] {publisher}:" in message["text"] and "indeed.com" not in message["text"]
    assert events == []


def test_sources_before_any_answer():
    message, events = run(tracker("where is that from?", "request_source"))
    assert message["text"] == KB.messages["no_answer_yet"]
    assert message["buttons"] and events == []


@pytest.mark.parametrize(
    "text, intent, slots",
    [
        ("", None, {}),
        ("what is astrology", "ask_astrology", {}),
        ("tell me more", "tell_more", {"last_topic": "no_such_topic"}),
        ("tell me more", "tell_more", {"last_topic": 7, "seen_facts": "pay_median"}),
        ("tell me more", "tell_more", {"last_topic": ["pay"], "seen_facts": [{"x": 1}]}),
        ("where is that from?", "request_source", {"last_facts": ["made_up_fact"]}),
        ("where is that from?", "request_source", {"last_facts": "<script>"}),
        ("where is that from?", "request_source", {"last_facts": 131490}),
        ("how old is that figure?", "request_source", {"last_facts": {"a": 1}}),
    ],
)
def test_junk_slots_and_unknown_intents_are_answered_gracefully(text, intent, slots):
    message, events = run(tracker(text, intent, **slots))
    assert message["text"]
    assert not ungrounded(message["text"])
    assert "131490" not in message["text"]
    assert message["buttons"]  # offers the suggested questions instead
    assert events == []


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("what's the weather like tomorrow", [], KB.messages["decline"]),
        (
            "ML salaries in Germany",
            [{"entity": "country", "value": "Germany"}],
            KB.messages["out_of_region"].replace("{subject}", "Germany"),
        ),
        (
            "how much do nurses earn",
            [{"entity": "occupation", "value": "nurse"}],
            KB.messages["other_occupation"].replace("{subject}", "nurses"),
        ),
    ],
)
def test_decline_has_no_figure_and_offers_questions(text, entities, expected):
    message, events = run(tracker(text, "out_of_scope", 0.9, entities))
    assert message["text"] == expected
    assert not numbers_in(message["text"])
    assert [b["payload"] for b in message["buttons"]] == [s.payload for s in KB.suggestions]
    # no fact said, so nothing to follow up; only what a declined question about pay asked
    assert [e["name"] for e in events] == (["declined_topic"] if "salar" in text else [])


@pytest.mark.parametrize(
    "intent, message_key",
    [
        ("greet", "greet"),
        ("help", "help"),
        ("thanks", "thanks"),
        ("goodbye", "goodbye"),
        ("bot_challenge", "bot_challenge"),
    ],
)
def test_chitchat_sends_its_message(intent, message_key):
    message, events = run(tracker("hi", intent))
    assert message["text"] == KB.messages[message_key]
    if intent in ("greet", "help"):
        assert [b["payload"] for b in message["buttons"]] == [s.payload for s in KB.suggestions]
    assert events == []


def test_a_fact_answer_offers_more_its_source_and_topics_not_asked_yet():
    after = KB.after_answer
    topic = next(t for t in KB.topics if len(KB.facts_of(t.id)) > t.first and t.next)
    intent = KB.topic_question(topic.id).payload[1:]
    message, events = run(tracker(f"/{intent}", intent))
    payloads = [b["payload"] for b in message["buttons"]]
    offered = topic.next[: after.related]
    assert payloads == [after.more.payload, after.source.payload] + [KB.topic_question(t).payload for t in offered] + [
        after.helpful.payload,
        after.unhelpful.payload,
    ]
    slots = slot_events(events)
    assert slots["asked_topics"] == [topic.id]
    # after an answer on the first topic offered, the topics asked about are not offered again
    first = offered[0]
    intent = KB.topic_question(first).payload[1:]
    message, events = run(tracker(f"/{intent}", intent, **slots))
    offered_now = [b["payload"] for b in message["buttons"]]
    assert KB.topic_question(topic.id).payload not in offered_now
    assert KB.topic_question(first).payload not in offered_now
    assert slot_events(events)["asked_topics"] == [topic.id, first]


def test_tell_me_more_is_offered_only_while_the_topic_has_more():
    topic = next(t for t in KB.topics if len(KB.facts_of(t.id)) > t.first)
    seen = [f.id for f in KB.facts_of(topic.id)]
    intent = KB.topic_question(topic.id).payload[1:]
    message, _ = run(tracker(f"/{intent}", intent, last_topic=topic.id, seen_facts=seen[:-1]))
    assert KB.after_answer.more.payload in [b["payload"] for b in message["buttons"]]
    message, _ = run(
        tracker("tell me more", "tell_more", last_topic=topic.id, seen_facts=seen[:-1], last_facts=seen[-2:-1])
    )
    assert KB.after_answer.more.payload not in [b["payload"] for b in message["buttons"]]


# -- what is stored with each reply, ratings and comments (bot/feedback.py) -----------------


@pytest.mark.parametrize(
    "text, intent, kind, gaps, scope",
    [
        ("/ask_pay_median", "ask_pay_median", "answer", [], None),
        ("what GPA do employers want from ML engineers?", "ask_degree", "gap", ["grades"], None),
        ("what's the weather?", "out_of_scope", "decline", [], None),
        (
            "what do ML engineers earn in Germany?",
            "ask_pay",
            "decline",
            [],
            {"reason": "out_of_region", "subject": "Germany"},
        ),
        ("hi", "greet", "chitchat", [], None),
    ],
)
def test_every_reply_carries_its_kind_facts_and_gaps_for_the_report(text, intent, kind, gaps, scope):
    message, events = run(tracker(text, intent, confidence=0.9))
    stored = message[METADATA_KEY]
    assert stored["kind"] == kind and stored["gaps"] == gaps and stored["scope"] == scope
    slots = slot_events(events)
    if kind in ("answer", "gap"):
        assert stored["facts"] == slots["last_facts"] and stored["answer"] == slots["last_answer"]
        assert stored["topic"] == slots["last_topic"]
    else:
        assert stored["answer"] is None and stored["facts"] == [] and "last_answer" not in slots


def rated(text, intent, confidence=1.0):
    """An answer, then `text` rating it: the answer's message and slots, the rating's."""
    answer, events = run(tracker("/ask_pay", "ask_pay"))
    slots = slot_events(events)
    message, events = run(tracker(text, intent, confidence, **slots))
    return answer, slots, message, slot_events(events)


@pytest.mark.parametrize(
    "text, intent, rating",
    [
        ("/feedback_good", "feedback_good", "up"),
        ("thanks, that helped", "feedback_good", "up"),
        ("/feedback_bad", "feedback_bad", "down"),
        ("that's wrong", "feedback_bad", "down"),
    ],
)
def test_a_rating_is_stored_with_the_answer_it_rates_and_changes_nothing_else(text, intent, rating):
    answer, before, message, slots = rated(text, intent)
    assert slots["feedback"] == {
        "rating": rating,
        "answer": before["last_answer"],
        "facts": before["last_facts"],
        "topic": "pay",
        "comment": None,
    }
    assert not {"last_topic", "last_facts", "seen_facts", "last_answer"} & set(slots)  # the answer stays the last
    assert message[METADATA_KEY]["kind"] == "feedback" and not numbers_in(message["text"])
    if rating == "up":
        assert message["text"] == KB.messages["feedback_thanks"] and "feedback_asked" not in slots
    else:
        assert message["text"] == KB.messages["feedback_ask"]
        assert slots["feedback_asked"] == {
            "answer": before["last_answer"],
            "facts": before["last_facts"],
            "topic": "pay",
        }


def test_a_typed_rating_the_classifier_is_unsure_of_is_no_rating():
    _, _, message, slots = rated("that's wrong", "feedback_bad", confidence=0.3)
    assert "feedback" not in slots and message[METADATA_KEY]["kind"] != "feedback"


def test_a_rating_with_a_figure_of_its_own_is_a_claim_to_check_not_only_a_rating():
    _, _, message, slots = rated("that's wrong, they make $400k", "feedback_bad", confidence=0.9)
    assert "feedback" not in slots and "$400" not in message["text"]
    assert message["text"].startswith(KB.messages["unsupported_figure"])


def test_a_rating_before_any_answer_says_there_is_nothing_to_rate():
    message, events = run(tracker("/feedback_bad", "feedback_bad"))
    assert message["text"].startswith(KB.messages["nothing_to_rate"]) and events == []


@pytest.mark.parametrize(
    "comment, intent, answered",
    [
        ("salaries for juniors in texas", "ask_pay", True),  # a question: answered too
        ("the pay in texas", "ask_pay", True),  # the same facts, but asked
        ("it was just confusing", "feedback_bad", False),  # a complaint: noted
        ("i wanted something else", "tell_more", False),  # not "tell me more" here
        ("i wanted something else", "out_of_scope", False),
    ],
)
def test_the_message_after_a_thumbs_down_is_stored_as_its_comment(comment, intent, answered):
    _, before, _, asked = rated("/feedback_bad", "feedback_bad")
    message, events = run(tracker(comment, intent, 0.8, **before, feedback_asked=asked["feedback_asked"]))
    slots = slot_events(events)
    assert slots["feedback"] == {
        "rating": "down",
        "answer": before["last_answer"],
        "facts": before["last_facts"],
        "topic": "pay",
        "comment": comment,
    }
    assert slots["feedback_asked"] is None  # one comment only
    if answered:
        assert message[METADATA_KEY]["kind"] in ("answer", "gap") and "[1]" in message["text"]
    else:
        assert message["text"] == KB.messages["feedback_noted"]


def test_a_button_after_a_thumbs_down_is_no_comment():
    _, before, _, asked = rated("/feedback_bad", "feedback_bad")
    message, events = run(tracker("/ask_outlook", "ask_outlook", **before, feedback_asked=asked["feedback_asked"]))
    slots = slot_events(events)
    assert "feedback" not in slots and slots["feedback_asked"] is None and slots["last_topic"] == "outlook"


def test_what_a_story_tells_of_the_person_is_kept_for_advice_later():
    story = "I'm 29, a chemist in New Jersey, MS in analytical chemistry. What do ML engineers earn?"
    _, events = run(tracker(story, "out_of_scope", 0.5))
    kept = slot_events(events)["background"]
    # what it means, as values (issue 25: job, years, age and place kept as context too), never their sentences
    assert kept == {
        "degree": "master", "field": "chemistry", "data_work": False,
        "job": "chemist", "years": None, "age": 29, "place": "New Jersey",
    }  # fmt: skip
    message, events = run(tracker("ok so what are the next steps for me?", "ask_how_to_start", 0.9, background=kept))
    assert "they don't say whether chemistry counts" in message["text"]
    assert "background" not in slot_events(events)  # nothing new told: the slot stays as it is


def test_a_background_slot_not_set_by_the_action_means_nothing_known():
    _, events = run(tracker("what are the next steps for me?", "ask_how_to_start", 0.9, background="I'm a CS grad"))
    assert "background" not in slot_events(events)


@pytest.mark.parametrize(
    "first, intent, then, lead",
    [
        ("what do pharmacists earn, just to compare", "out_of_scope", "ok fine, and ML engineers?", ""),
        ("What's the ML engineer salary in the UK?", "ask_pay", "ok what about in the US then", ""),
        ("What's the ML engineer salary in the UK?", "ask_pay", "and in Texas?", "Texas"),
    ],
)
def test_after_a_question_about_another_job_or_country_and_ml_engineers_gets_the_same_topic(first, intent, then, lead):
    message, events = run(tracker(first, intent, 0.87))
    assert not stated_facts(message["text"], KB)
    declined = slot_events(events)["declined_topic"]
    assert declined == "pay"
    message, events = run(tracker(then, "nlu_fallback", 0.4, declined_topic=declined))
    assert "$" in message["text"] and "[1]" in message["text"] and lead in message["text"]
    assert slot_events(events)["declined_topic"] is None  # for the next message only


def test_without_a_decline_just_before_and_ml_engineers_is_not_taken_for_a_topic():
    message, events = run(tracker("ok fine, and ML engineers?", "nlu_fallback", 0.4))
    assert "$" not in message["text"] and "declined_topic" not in slot_events(events)
