"""End to end over REST: a real action server and rasa server on free loopback ports."""
import uuid

import pytest

from bot.launcher import Servers, free_port, post_rest
from tests.conftest import figures_outside_knowledge, numbers_in


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    servers = Servers(bot_port=free_port(), action_port=free_port(),
                      tracker_db=tmp_path_factory.mktemp("state") / "tracker.db", log_dir=logs)
    with servers:
        yield servers


def say(bot, sender, text):
    messages = post_rest(bot.url, sender, text)
    assert messages, f"no reply to {text!r}"
    return messages


def text_of(messages):
    return "\n".join(m.get("text", "") for m in messages)


@pytest.mark.parametrize(
    "question, figure, source",
    [
        ("what's the median salary of a machine learning engineer?", "$131,490", "https://www.bls.gov/"),
        ("whats the avg base pay for ml engineers", "$125,672", "https://www.indeed.com/career/"),
        ("how fast are these jobs growing", "21%", "https://www.bls.gov/"),
        ("how much did job postings for ML engineers grow?", "344%", "https://www.coursera.org/"),
        ("what does an ML engineer do?", "statistical analyses", "https://www.coursera.org/"),
        ("what is machine learning", "computer science", "https://www.ibm.com/"),
        ("where is machine learning used", "face recognition", "https://www.coursera.org/"),
        ("how do I become a machine learning engineer", "three steps", "https://www.coursera.org/"),
        ("what skills do I need", "mathematics", "https://www.coursera.org/"),
        ("any courses you'd recommend?", "Coursera", "https://www.coursera.org/"),
        ("did the pandemic change demand", "COVID-19", "https://www.coursera.org/"),
    ],
)
def test_topic_answers_carry_figure_and_source(bot, question, figure, source):
    messages = say(bot, f"topic-{uuid.uuid4().hex}", question)
    text = text_of(messages)
    assert figure in text
    assert "[1]" in text and "Sources:" in text and f"]({source}" in text
    assert not figures_outside_knowledge(text)


def test_follow_ups_in_one_conversation(bot):
    sender = f"follow-{uuid.uuid4().hex}"
    text = text_of(say(bot, sender, "what's the median pay for ML engineers?"))
    assert "$131,490" in text and "$125,672" not in text
    text = text_of(say(bot, sender, "and the average?"))
    assert "$125,672" in text and "as of June 2022" in text
    text = text_of(say(bot, sender, "tell me more"))
    assert "six figures" in text
    text = text_of(say(bot, sender, "where does that come from?"))
    assert text.startswith("That answer came from:")
    assert "Coursera" in text and "bls.gov" not in text


@pytest.mark.parametrize(
    "question, says",
    [
        ("what's the weather like in Boston?", "outside what my sources cover"),
        ("how much does a nurse earn", "machine learning engineers in the US"),
        ("ML salaries in Germany", "US figures"),
        ("asdfghjkl qwerty", "outside what my sources cover"),
        ("<script>alert(1)</script>", "outside what my sources cover"),
    ],
)
def test_out_of_scope_is_declined_without_figures(bot, question, says):
    messages = say(bot, f"oos-{uuid.uuid4().hex}", question)
    text = text_of(messages)
    assert says in text
    assert not numbers_in(text)
    assert any(m.get("buttons") for m in messages)


def test_empty_message_is_ignored_and_the_conversation_goes_on(bot):
    sender = f"empty-{uuid.uuid4().hex}"
    for blank in ("", "   "):
        assert post_rest(bot.url, sender, blank) == []  # nothing was said, so nothing to answer
    assert "$131,490" in text_of(say(bot, sender, "median pay for ML engineers?"))


@pytest.mark.parametrize("text", ["?" * 500, "💼💰📈", "/ask_pay{\"pay_statistic\": [1, 2]}",
                                  "/tell_more{\"last_topic\": \"<b>x</b>\"}", "/nonexistent_intent"])
def test_odd_input_gets_a_polite_answer(bot, text):
    messages = say(bot, f"odd-{uuid.uuid4().hex}", text)
    reply = text_of(messages)
    assert reply
    assert not figures_outside_knowledge(reply)


def test_chitchat(bot):
    sender = f"chat-{uuid.uuid4().hex}"
    greeting = say(bot, sender, "hello")
    assert "machine learning engineer" in text_of(greeting)
    assert len(greeting[-1]["buttons"]) >= 3
    assert "bot" in text_of(say(bot, sender, "are you a bot?"))
    assert "welcome" in text_of(say(bot, sender, "thanks a lot"))
    assert "Bye" in text_of(say(bot, sender, "goodbye"))


def test_history_survives_a_restart(bot):
    sender = f"restart-{uuid.uuid4().hex}"
    assert "$125,672" in text_of(say(bot, sender, "average salary for ML engineers?"))
    bot.restart_bot()
    text = text_of(say(bot, sender, "where does that come from?"))
    assert "Indeed" in text and "figure as of June 2022" in text
