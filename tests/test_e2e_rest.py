"""End to end over REST: a real action server and rasa server on free loopback ports."""

import uuid

import pytest

from bot.grounding import stated_facts
from bot.ops.launcher import post_rest
from tests.conftest import ANSWERS, numbers_in, ungrounded

pytestmark = pytest.mark.servers

KB = ANSWERS.kb


def say(bot, sender, text):
    messages = post_rest(bot.url, sender, text)
    assert messages, f"no reply to {text!r}"
    return messages


def text_of(messages):
    return "\n".join(m.get("text", "") for m in messages)


@pytest.mark.parametrize(
    "question, figure",
    [
        ("what's the median salary of a machine learning engineer?", "$131,490"),
        ("whats the avg base pay for ml engineers", "$125,672"),
        ("how fast are these jobs growing", "21%"),
        ("how much did job postings for ML engineers grow?", "344%"),
    ],
)
def test_seed_figures_over_rest(bot, question, figure):
    text = text_of(say(bot, f"seed-{uuid.uuid4().hex}", question))
    assert figure in text
    assert not ungrounded(text)


@pytest.mark.parametrize(
    "question, topic",
    [
        ("what does an ML engineer do?", "role"),
        ("what is machine learning", "what_is_ml"),
        ("where is machine learning used", "applications"),
        ("how do I become a machine learning engineer", "how_to_start"),
        ("what skills do I need", "skills"),
        ("any courses you'd recommend?", "courses"),
        ("did the pandemic change demand", "pandemic"),
    ],
)
def test_topic_answers_state_the_topics_facts_with_sources(bot, question, topic):
    text = text_of(say(bot, f"topic-{uuid.uuid4().hex}", question))
    stated = [f for f in stated_facts(text, KB) if topic in f.topics]
    assert stated, text
    for fact in stated:
        for source_id in fact.sources:
            assert f"]({KB.source(source_id).url})" in text
    assert "[1]" in text and KB.messages["sources_heading"] in text
    assert not ungrounded(text)


def test_follow_ups_in_one_conversation(bot):
    sender = f"follow-{uuid.uuid4().hex}"
    text = text_of(say(bot, sender, "what's the median pay for ML engineers?"))
    assert "$131,490" in text and "$125,672" not in text
    text = text_of(say(bot, sender, "and the average?"))
    assert "$125,672" in text and "as of June 2022" in text
    text = text_of(say(bot, sender, "tell me more"))
    following = [f for f in stated_facts(text, KB)]
    assert following and all("pay" in f.topics for f in following), text
    text = text_of(say(bot, sender, "where does that come from?"))
    assert text.startswith(KB.messages["sources_of_last"])
    cited = {KB.source(s).url for f in following for s in f.sources}
    assert all(url in text for url in cited) and "bls.gov" not in text


@pytest.mark.parametrize(
    "question, says",
    [
        ("what's the weather like in Boston?", KB.messages["decline"]),
        ("how much does a nurse earn", KB.messages["other_occupation"].replace("{subject}", "nurses")),
        ("ML salaries in Germany", KB.messages["out_of_region"].replace("{subject}", "Germany")),
        ("asdfghjkl qwerty", KB.messages["decline"]),
        ("<script>alert(1)</script>", KB.messages["decline"]),
    ],
)
def test_out_of_scope_is_declined_without_figures(bot, question, says):
    messages = say(bot, f"oos-{uuid.uuid4().hex}", question)
    text = text_of(messages)
    assert text == says
    assert not numbers_in(text)
    assert any(m.get("buttons") for m in messages)


def test_an_empty_message_gets_a_prompt_to_ask_and_the_conversation_goes_on(bot):
    sender = f"empty-{uuid.uuid4().hex}"
    for blank in ("", "   "):
        messages = post_rest(bot.url, sender, blank)
        assert text_of(messages) == KB.messages["empty_message"]
        assert [b["payload"] for b in messages[-1]["buttons"]] == [s.payload for s in KB.suggestions]
    assert "$131,490" in text_of(say(bot, sender, "median pay for ML engineers?"))


@pytest.mark.parametrize(
    "text",
    [
        "?" * 500,
        "💼💰📈",
        '/ask_pay{"pay_statistic": [1, 2]}',
        '/tell_more{"last_topic": "<b>x</b>"}',
        "/nonexistent_intent",
    ],
)
def test_odd_input_gets_a_polite_answer(bot, text):
    messages = say(bot, f"odd-{uuid.uuid4().hex}", text)
    reply = text_of(messages)
    assert reply
    assert not ungrounded(reply)


def test_chitchat(bot):
    sender = f"chat-{uuid.uuid4().hex}"
    greeting = say(bot, sender, "hello")
    assert text_of(greeting) == KB.messages["greet"]
    assert [b["payload"] for b in greeting[-1]["buttons"]] == [s.payload for s in KB.suggestions]
    assert text_of(say(bot, sender, "are you a bot?")) == KB.messages["bot_challenge"]
    assert text_of(say(bot, sender, "thanks a lot")) == KB.messages["thanks"]
    assert text_of(say(bot, sender, "goodbye")) == KB.messages["goodbye"]


def test_history_survives_a_restart(bot):
    sender = f"restart-{uuid.uuid4().hex}"
    assert "$125,672" in text_of(say(bot, sender, "average salary for ML engineers?"))
    bot.restart_bot()
    text = text_of(say(bot, sender, "where does that come from?"))
    assert "indeed.com" in text and "figure as of June 2022" in text


def test_conversations_are_stored_with_a_write_ahead_log(bot):
    import sqlite3

    say(bot, f"wal-{uuid.uuid4().hex}", "hi")
    with sqlite3.connect(bot.tracker_db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: as durable
        assert connection.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    connection.close()
