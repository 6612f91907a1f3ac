"""The Slack channel end to end: the real bot (bot.ops.launcher.Servers) with Slack credentials,
a fake Slack Web API on loopback that records chat.postMessage (tests/support/slack_fake.py), and
signed requests to /webhooks/slack/webhook. One bot per module: start-up takes ~25 s.

The channel answers in a background task, after the webhook has returned, so the tests
wait (with a deadline) for posts instead of expecting them when the request returns.
That no further post comes is shown with a barrier, not a pause: see posts_before_barrier.
"""

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from bot.channels.guard import conversation_id
from tests.conftest import ANSWERS, action_server_down
from tests.support.slack_fake import (
    BOT_USER,
    NO_PROXY_OPENER,
    dm,
    event,
    eventually,
    mention,
    mention_and_message,
    post,
    send,
    unique,
    unique_ts,
)
from tests.support.tracker_rows import feedback_of, stored_events

pytestmark = pytest.mark.servers

BARRIER = "thanks"  # what posts_before_barrier says
# the shared bot also has a Slack channel with a planted handler bug (tests/support/slack_handler_bug.py)


@pytest.fixture(scope="module")
def median_pay(answers) -> tuple[str, str]:
    """The median-pay figure and the address of its source, read from data/knowledge.yml.
    Every pay question the tests ask is answered with that fact (the first pay answer
    shows it, and it is the answer to "the median pay")."""
    fact = answers.kb.fact(answers.kb.routes["ask_pay_median"].facts[0])
    assert fact in answers.kb.facts_of("pay")[: answers.kb.topic("pay").first]
    figure = re.findall(r"\$[\d,]+", fact.text)[-1]
    return figure, answers.kb.source(fact.sources[0]).url


# where a record of the bot's log starts: a dated line (Rasa's format), or the line
# Sanic writes, undated, before the traceback of an error in a request handler
LOG_RECORD = re.compile(r"^(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d |Exception occurred while handling uri)", re.MULTILINE)


def log_of(bot) -> str:
    return (bot.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")


def wait_for_log(bot, marker: str, *then: str) -> str:
    """The record of the bot's log (a dated line and the lines under it, such as a
    traceback) that contains `marker` and all of `then`, once it has been written."""

    def record() -> str:
        found = [r for r in LOG_RECORD.split(log_of(bot)) if marker in r]
        return found[-1] if found and all(t in found[-1] for t in then) else ""

    return eventually(record, f"a log record with {(marker,) + then}")


def stored_user_texts(bot, user: str) -> list[str]:
    """User messages the tracker store (SQLite) holds for a Slack user's conversation
    (its id is kept apart from other channels': "slack:<user>")."""
    return [e.get("text") for e in stored_events(bot.tracker_db, conversation_id("slack", user), "user")]


def posts_before_barrier(bot, slack, channel: str, *users: str) -> list[dict]:
    """Every post to `channel`, once all that `users` sent before has been answered.

    Each user sends a fresh message (the barrier), in a thread of its own; when every
    barrier's answer is posted, the posts to the channel outside those threads are
    returned. Rasa handles one conversation (here: one Slack user) at a time, in the
    order the messages came (Agent.handle_message holds the conversation's lock), so
    anything a user's earlier message could still post has been posted by then: no
    pause that a slow answer could outlast. Rasa stores a conversation after its answer
    is posted, so the barrier is also waited for in the tracker store (stored_user_texts).
    """
    threads = []
    for user in users:
        threads.append(unique_ts())
        if channel.startswith("C"):
            send(bot, mention(BARRIER, channel, user, thread_ts=threads[-1]))
        else:
            send(bot, dm(BARRIER, channel, user, thread_ts=threads[-1]))
    for thread in threads:
        eventually(
            lambda thread=thread: any(p.get("thread_ts") == thread for p in slack.posts_to(channel)),
            f"the answer to the barrier in thread {thread} of {channel}",
        )
    for user in users:
        eventually(lambda user=user: BARRIER in stored_user_texts(bot, user), f"{user}'s barrier stored")
    return [p for p in slack.posts_to(channel) if p.get("thread_ts") not in threads]


def exactly_one_post(bot, slack, channel: str, user: str) -> dict:
    """The one answer to what `user` sent to `channel` (after waiting for it)."""
    slack.wait_for_posts(channel)
    posts = posts_before_barrier(bot, slack, channel, user)
    assert len(posts) == 1, posts
    return posts[0]


# -- the tests ---------------------------------------------------------------------------
def test_dm_question_gets_one_cited_answer_in_slack_format(bot, slack, median_pay):
    figure, source_url = median_pay
    channel, user = unique("D"), unique("U")
    send(bot, dm("what is the median pay for machine learning engineers?", channel, user))
    answer = exactly_one_post(bot, slack, channel, user)
    assert figure in answer["text"]
    assert f"<{source_url}|" in answer["text"]
    assert "](" not in answer["text"]  # no Markdown links left
    assert "*Sources:*" in answer["text"]
    assert "thread_ts" not in answer  # a top-level DM gets a top-level answer
    assert answer["_authorization"] == "Bearer xoxb-test"
    assert stored_user_texts(bot, user) == ["what is the median pay for machine learning engineers?", BARRIER]


def test_mention_in_a_channel_is_answered_in_a_thread_under_it(bot, slack, median_pay):
    channel, user = unique("C"), unique("U")
    body = mention("what do machine learning engineers earn?", channel, user)
    send(bot, body)
    answer = exactly_one_post(bot, slack, channel, user)
    assert answer["thread_ts"] == body["event"]["ts"]
    assert median_pay[0] in answer["text"]
    # no <@BOT> in what the NLU read
    assert stored_user_texts(bot, user) == ["what do machine learning engineers earn?", BARRIER]


def test_mention_inside_a_thread_is_answered_in_that_thread(bot, slack):
    channel, user, thread = unique("C"), unique("U"), "1700000000.000100"
    send(bot, mention("what is the job outlook?", channel, user, thread_ts=thread))
    answer = exactly_one_post(bot, slack, channel, user)
    assert answer["thread_ts"] == thread
    assert "<https://" in answer["text"]


def test_dm_in_a_thread_is_answered_in_that_thread(bot, slack):
    channel, user, thread = unique("D"), unique("U"), "1700000001.000200"
    send(bot, dm("what skills do I need?", channel, user, thread_ts=thread))
    answer = exactly_one_post(bot, slack, channel, user)
    assert answer["thread_ts"] == thread


def test_greeting_offers_suggested_questions_as_buttons(bot, slack, answers):
    channel, user = unique("D"), unique("U")
    send(bot, dm("hello", channel, user))
    answer = exactly_one_post(bot, slack, channel, user)
    blocks = answer["blocks"]
    assert blocks[0]["type"] == "section" and blocks[0]["text"]["type"] == "mrkdwn"
    actions = [b for b in blocks if b["type"] == "actions"]
    values = [e["value"] for a in actions for e in a["elements"]]
    assert values == [s.payload for s in answers.kb.suggestions]
    assert answer["text"].strip()  # fallback text for notifications


def test_a_fact_answer_offers_its_quick_replies_as_buttons(bot, slack, answers, median_pay):
    channel, user = unique("D"), unique("U")
    send(bot, dm("what is the median pay for machine learning engineers?", channel, user))
    answer = exactly_one_post(bot, slack, channel, user)
    assert median_pay[0] in answer["text"]
    values = [e["value"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    after = answers.kb.after_answer
    assert after.source.payload in values
    assert values == [b.payload for b in answers.after_answer_buttons("pay", ["pay_median"], [])]


def test_a_bare_mention_is_a_greeting(bot, slack):
    channel, user = unique("C"), unique("U")
    body = event("app_mention", f"<@{BOT_USER}>", channel, user, "channel")
    send(bot, body)
    answer = exactly_one_post(bot, slack, channel, user)
    assert answer["thread_ts"] == body["event"]["ts"]
    assert any(b["type"] == "actions" for b in answer["blocks"])


def click(user: str, channel: str, value: str, thread: str | None = None) -> bytes:
    """The form Slack posts when `user` clicks a suggestion button in `channel`."""
    container = {"type": "message", "message_ts": unique_ts(), "channel_id": channel, "is_ephemeral": False}
    message = {"type": "message", "ts": container["message_ts"], "bot_id": "B0BOT", "text": "Suggested questions"}
    if thread:
        container["thread_ts"] = message["thread_ts"] = thread
    payload = {
        "type": "block_actions",
        "team": {"id": "T0TEAM"},
        "api_app_id": "A0APP",
        "user": {"id": user, "username": "someone", "team_id": "T0TEAM"},
        "channel": {"id": channel, "name": "directmessage"},
        "container": container,
        "message": message,
        "response_url": "https://hooks.slack.com/actions/T0TEAM/1/x",
        "trigger_id": "1.2.3",
        "actions": [
            {
                "type": "button",
                "action_id": "suggestion_0",
                "block_id": "b1",
                "value": value,
                "action_ts": unique_ts(),
                "text": {"type": "plain_text", "text": "a suggested question"},
            }
        ],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def test_button_click_is_answered(bot, slack, median_pay):
    figure, source_url = median_pay
    channel, user = unique("D"), unique("U")
    status, _ = post(bot, click(user, channel, "/ask_pay"), content_type="application/x-www-form-urlencoded")
    assert status == 200
    answer = exactly_one_post(bot, slack, channel, user)
    assert figure in answer["text"] and f"<{source_url}|" in answer["text"]
    assert "thread_ts" not in answer
    assert stored_user_texts(bot, user) == ["/ask_pay", BARRIER]


def test_thumbs_down_button_then_a_comment_are_stored_with_the_answer(bot, slack, answers):
    """(No barrier here: it would be the comment. Each step waits for its own post.)"""
    channel, user = unique("D"), unique("U")
    sender = conversation_id("slack", user)

    def next_post(count: int) -> dict:
        eventually(lambda: len(slack.posts_to(channel)) >= count, f"post {count} to {channel}")
        return slack.posts_to(channel)[count - 1]

    send(bot, dm("what is the median pay for machine learning engineers?", channel, user))
    answer = next_post(1)
    after = answers.kb.after_answer
    buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["text"]["text"], e["value"]) for e in buttons[-2:]] == [
        (after.helpful.title, after.helpful.payload),
        (after.unhelpful.title, after.unhelpful.payload),
    ]
    post(bot, click(user, channel, after.unhelpful.payload), content_type="application/x-www-form-urlencoded")
    assert next_post(2)["text"] == answers.kb.messages["feedback_ask"]
    send(bot, dm("i wanted something else", channel, user))
    assert next_post(3)["text"] == answers.kb.messages["feedback_noted"]
    eventually(lambda: len(feedback_of(bot.tracker_db, sender)) == 2, "both feedback events stored")
    rated = stored_events(bot.tracker_db, sender, "bot")[0]["metadata"]["careerbot"]
    assert rated["kind"] == "answer" and rated["answer"] and rated["facts"]
    assert feedback_of(bot.tracker_db, sender) == [
        {"rating": "down", "answer": rated["answer"], "facts": rated["facts"], "topic": "pay", "comment": None},
        {
            "rating": "down",
            "answer": rated["answer"],
            "facts": rated["facts"],
            "topic": "pay",
            "comment": "i wanted something else",
        },
    ]
    assert len(slack.posts_to(channel)) == 3


def test_button_click_in_a_thread_is_answered_in_the_thread(bot, slack):
    channel, user, thread = unique("C"), unique("U"), "1700000003.000400"
    body = click(user, channel, "/ask_outlook", thread=thread)
    assert post(bot, body, content_type="application/x-www-form-urlencoded")[0] == 200
    assert exactly_one_post(bot, slack, channel, user)["thread_ts"] == thread


def test_bad_signature_is_rejected_and_nothing_happens(bot, slack):
    channel, user = unique("D"), unique("U")
    body = json.dumps(dm("what do machine learning engineers earn?", channel, user)).encode()
    status, _ = post(bot, body, secret="not-the-secret")
    assert 400 <= status < 500
    assert posts_before_barrier(bot, slack, channel, user) == []
    assert stored_user_texts(bot, user) == [BARRIER]


def test_unsigned_request_is_rejected(bot, slack):
    channel, user = unique("D"), unique("U")
    body = json.dumps(dm("hello", channel, user)).encode()
    request = urllib.request.Request(
        f"{bot.url}/webhooks/slack/webhook", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        NO_PROXY_OPENER.open(request, timeout=30)
    assert 400 <= error.value.code < 500
    assert posts_before_barrier(bot, slack, channel, user) == []
    assert stored_user_texts(bot, user) == [BARRIER]


def test_timestamp_older_than_five_minutes_is_rejected(bot, slack):
    channel, user = unique("D"), unique("U")
    body = json.dumps(dm("what do machine learning engineers earn?", channel, user)).encode()
    status, _ = post(bot, body, timestamp=str(int(time.time()) - 6 * 60))  # correctly signed
    assert 400 <= status < 500
    assert posts_before_barrier(bot, slack, channel, user) == []
    assert stored_user_texts(bot, user) == [BARRIER]


RETRY_REASONS = ["http_timeout", "http_error", "connection_failed", "too_many_redirects", "unknown_error"]


def retry(number: int, reason: str = "http_timeout") -> dict:
    return {"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": reason}


def test_retries_of_a_delivered_event_are_not_answered_again(bot, slack):
    channel, user = unique("D"), unique("U")
    body = dm("what do machine learning engineers earn?", channel, user)
    send(bot, body)
    slack.wait_for_posts(channel)
    for number, reason in enumerate(RETRY_REASONS, 1):
        send(bot, body, headers=retry(min(number, 3), reason))
    exactly_one_post(bot, slack, channel, user)
    assert stored_user_texts(bot, user) == ["what do machine learning engineers earn?", BARRIER]


@pytest.mark.parametrize("reason", RETRY_REASONS)
def test_retry_arriving_while_the_first_delivery_is_processed(bot, slack, reason):
    channel, user = unique("D"), unique("U")
    body = dm("what is the job outlook?", channel, user)
    send(bot, body)  # no waiting: the retry comes while the answer is being made
    send(bot, body, headers=retry(1, reason))
    exactly_one_post(bot, slack, channel, user)


def test_retry_of_an_event_that_never_arrived_is_answered_once(bot, slack, median_pay):
    channel, user = unique("D"), unique("U")
    body = dm("what do machine learning engineers earn?", channel, user)
    for number in (1, 2):
        send(bot, body, headers=retry(number, "connection_failed"))
    assert median_pay[0] in exactly_one_post(bot, slack, channel, user)["text"]


def test_failed_post_is_logged_and_a_retry_is_answered_once(bot, slack, median_pay):
    channel, user = unique("D"), unique("U")
    question = "what do machine learning engineers earn?"
    body = dm(question, channel, user)
    slack.fail_next_posts(channel)
    send(bot, body)
    # the failure, with its traceback (SlackApiError carries Slack's error code)
    wait_for_log(
        bot, f"Answering Slack delivery {body['event_id']} failed", "Traceback", "SlackApiError", "fatal_error"
    )
    send(bot, body, headers=retry(1))  # answered this time
    slack.wait_for_posts(channel)
    send(bot, body, headers=retry(2))  # answered already: not again
    answer = exactly_one_post(bot, slack, channel, user)
    assert median_pay[0] in answer["text"]
    assert len(slack.failed_posts_to(channel)) == 1
    # the failed attempt left nothing in the conversation (Rasa saves it after the answer)
    assert stored_user_texts(bot, user) == [question, BARRIER]


def test_a_failing_action_server_gets_the_user_an_apology_and_the_next_question_is_answered(bot, slack, median_pay):
    # Rasa 3.6 would log and swallow the failure and post nothing; bot.rasa_ext.patches.action_failure
    # turns it into the knowledge file's apology, posted once
    channel, user = unique("D"), unique("U")
    with action_server_down(bot):
        send(bot, dm("what do machine learning engineers earn?", channel, user))
        apology = slack.wait_for_posts(channel)[0]
    assert apology["text"] == ANSWERS.kb.messages["action_failed"]
    assert "action action_respond failed" in log_of(bot)
    send(bot, dm("what do machine learning engineers earn?", channel, user))
    answers = slack.wait_for_posts(channel, 2)
    assert len(answers) == 2 and median_pay[0] in answers[1]["text"]
    assert slack.failed_posts_to(channel) == []


def test_mention_delivered_also_as_a_channel_message_is_answered_once(bot, slack):
    channel, user = unique("C"), unique("U")
    first, second = mention_and_message("what do machine learning engineers earn?", channel, user)
    send(bot, first)
    send(bot, second)
    exactly_one_post(bot, slack, channel, user)


UNREADABLE = [
    ("application/json", b"{not json"),
    ("application/json", b"\xff\xfe{}"),
    ("application/json", b"[1, 2]"),
    ("application/json", b'"x"'),
    ("application/json", b"null"),
    ("application/x-www-form-urlencoded", b"text=hello"),
    ("application/x-www-form-urlencoded", b""),
    ("application/x-www-form-urlencoded", b"payload=not+json"),
    ("application/x-www-form-urlencoded", b"payload=%5B1%2C+2%5D"),  # [1, 2]
    ("application/x-www-form-urlencoded", b"payload=%FF"),
    ("application/x-www-form-urlencoded", b"payload=\xff"),  # not UTF-8
]


@pytest.mark.parametrize("content_type, body", UNREADABLE)
def test_a_body_slack_would_not_send_is_a_bad_request(bot, content_type, body):
    assert post(bot, body, content_type=content_type) == (400, "Unreadable request.")


@pytest.mark.parametrize("bug", ["KeyError", "TypeError", "AttributeError", "ValueError"])
def test_a_bug_in_a_handler_is_a_server_error_with_a_traceback(bot, bug):
    body = {"type": "event_callback", "bug": bug, "event_id": unique("Ev")}
    status, _ = post(bot, json.dumps(body).encode(), channel="slack_handler_bug")
    assert status == 500
    record = wait_for_log(bot, f"planted {bug} in the event handler of {body['event_id']}")
    assert "Traceback" in record and "slack_handler_bug.py" in record


def test_url_verification_returns_the_challenge(bot):
    body = {
        "token": "legacy",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    status, text = post(bot, json.dumps(body).encode())
    assert status == 200
    assert json.loads(text) == {"challenge": body["challenge"]}


def test_json_with_a_charset_is_handled(bot, slack, median_pay):
    channel, user = unique("D"), unique("U")
    send(
        bot,
        dm("what do machine learning engineers earn?", channel, user),
        content_type="application/json; charset=utf-8",
    )
    assert median_pay[0] in exactly_one_post(bot, slack, channel, user)["text"]


def test_messages_from_bots_are_ignored(bot, slack):
    channel, user, own = unique("D"), unique("U"), unique("U")
    send(bot, dm("what do machine learning engineers earn?", channel, user, bot_id="B0OTHER"))
    send(bot, event("message", "an edit", channel, user, "im", subtype="message_changed"))
    # the bot's own user id (the barrier then comes from that user in another app)
    send(bot, dm("my own answer", channel, own, bot_user=own))
    assert posts_before_barrier(bot, slack, channel, user, own) == []
    assert stored_user_texts(bot, user) == [BARRIER]
    assert stored_user_texts(bot, own) == [BARRIER]


def test_channel_messages_without_a_mention_are_ignored(bot, slack):
    channel, user = unique("C"), unique("U")
    send(bot, event("message", "what do machine learning engineers earn?", channel, user, "channel"))
    assert posts_before_barrier(bot, slack, channel, user) == []
    assert stored_user_texts(bot, user) == [BARRIER]


def wrong(change):
    """A signed DM event with `change` applied to the body (the event at body["event"])."""
    body = dm("what do machine learning engineers earn?", unique("D"), unique("U"))
    change(body)
    return json.dumps(body).encode()


WRONG_DELIVERIES = {
    "user-lone-surrogate": lambda b: b["event"].update(user="\ud83d"),
    "user-object": lambda b: b["event"].update(user={"id": "U1"}),
    "channel-list": lambda b: b["event"].update(channel=["D1"]),
    "channel-missing": lambda b: b["event"].pop("channel"),
    "text-number": lambda b: b["event"].update(text=42),
    "event-list": lambda b: b.update(event=[1]),
    "authorizations-string": lambda b: b.update(authorizations="x"),
    "authorizations-of-strings": lambda b: b.update(authorizations=["x"]),
    "team-object": lambda b: b.update(team_id={"id": "T"}),
    "ts-with-space": lambda b: b["event"].update(ts="1 2"),
}


@pytest.mark.parametrize("name", WRONG_DELIVERIES)
def test_a_delivery_with_fields_of_the_wrong_type_is_a_400(bot, name):
    """Slack ids and field types are checked like REST senders: a one-line 400, never a 500,
    a traceback, or a reply that never comes."""
    before = log_of(bot).count("Traceback")
    status, text = post(bot, wrong(WRONG_DELIVERIES[name]))
    assert status == 400 and list(json.loads(text)) == ["error"], (status, text)
    assert log_of(bot).count("Traceback") == before


def test_a_button_value_that_is_not_text_is_a_400(bot):
    form = urllib.parse.parse_qs(click(unique("U"), unique("D"), "/ask_pay").decode())
    payload = json.loads(form["payload"][0])
    payload["actions"][0]["value"] = {"x": 1}
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    status, text = post(bot, body, content_type="application/x-www-form-urlencoded")
    assert status == 400 and list(json.loads(text)) == ["error"], (status, text)


def test_deliveries_without_an_event_id_or_ts_are_answered_once(bot, slack):
    """Such a delivery is known by a hash of what it says: its replay is not answered again."""
    channel, user = unique("D"), unique("U")
    body = dm("what do machine learning engineers earn?", channel, user)
    del body["event_id"], body["event"]["ts"]
    for _ in range(2):
        assert post(bot, json.dumps(body).encode())[0] == 200
    posts_before_barrier(bot, slack, channel, user)
    assert stored_user_texts(bot, user).count("what do machine learning engineers earn?") == 1
