"""The Slack channel end to end: the real bot (bot.launcher.Servers) with Slack credentials,
a fake Slack Web API on loopback that records chat.postMessage, and signed requests to
/webhooks/slack/webhook. One bot per module: start-up takes ~25 s.

The channel answers in a background task, after the webhook has returned, so the tests
poll the fake for posts instead of expecting them when the request returns.
"""
import hashlib
import hmac
import itertools
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional

import pytest

from bot.launcher import Servers, free_port

SECRET = "test-secret"
BOT_USER = "UCAREERBOT"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
                   "http_proxy", "https_proxy", "all_proxy", "no_proxy")
ANSWER_WAIT = 60.0  # the first answers after start-up can be slow
QUIET_WAIT = 3.0  # how long to watch for a post that must not come
_ids = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{int(time.time() * 1000) % 10 ** 8:08d}{next(_ids):04d}"


# -- a fake Slack Web API ----------------------------------------------------------------
class FakeSlack:
    def __init__(self):
        self.posts: List[dict] = []
        self.calls: List[str] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = (self.headers.get("Content-Type") or "").split(";")[0]
                if kind == "application/json":
                    body = json.loads(raw or b"{}")
                else:
                    body = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
                for key in ("blocks", "attachments"):
                    if isinstance(body.get(key), str):
                        body[key] = json.loads(body[key])
                body["_authorization"] = self.headers.get("Authorization")
                method = self.path.rsplit("/", 1)[-1]
                with fake.lock:
                    fake.calls.append(self.path)
                    if method == "chat.postMessage":
                        fake.posts.append(body)
                answer = json.dumps({"ok": True, "channel": body.get("channel"),
                                     "ts": f"{time.time():.6f}",
                                     "message": {"text": body.get("text")}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def posts_to(self, channel: str) -> List[dict]:
        with self.lock:
            return [p for p in self.posts if p.get("channel") == channel]

    def wait_for_posts(self, channel: str, count: int = 1, timeout: float = ANSWER_WAIT) -> List[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            posts = self.posts_to(channel)
            if len(posts) >= count:
                return posts
            time.sleep(0.1)
        raise AssertionError(f"expected {count} post(s) to {channel} within {timeout:.0f} s, "
                             f"got {self.posts_to(channel)}")

    def exactly_one_post(self, channel: str) -> dict:
        self.wait_for_posts(channel)
        time.sleep(QUIET_WAIT)
        posts = self.posts_to(channel)
        assert len(posts) == 1, posts
        return posts[0]

    def no_post(self, channel: str) -> None:
        time.sleep(QUIET_WAIT)
        assert self.posts_to(channel) == []


@pytest.fixture(scope="module")
def slack():
    fake = FakeSlack()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture(scope="module")
def bot(slack, tmp_path_factory):
    state = tmp_path_factory.mktemp("slack-bot")
    servers = Servers(
        bot_port=free_port(), action_port=free_port(), tracker_db=state / "tracker.db",
        log_dir=state / "logs",
        extra_env={"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
                   "SLACK_API_URL": slack.api_url},
    )
    for name in PROXY_VARIABLES:  # slack_sdk would send even loopback calls to a proxy
        servers.env.pop(name, None)
    try:
        servers.start()
    except RuntimeError as error:
        logs = "".join(p.read_text(errors="replace")[-3000:] for p in (state / "logs").glob("*.log"))
        pytest.fail(f"{error}\n{logs}")
    yield servers
    servers.stop()


# -- signed requests ---------------------------------------------------------------------
NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def post(bot, body: bytes, content_type: str = "application/json", secret: str = SECRET,
         timestamp: Optional[str] = None, headers: Optional[dict] = None):
    """POST to the Slack webhook; returns (status, body text)."""
    timestamp = timestamp or str(int(time.time()))
    request = urllib.request.Request(
        f"{bot.url}/webhooks/slack/webhook", data=body, method="POST",
        headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
                 "X-Slack-Signature": sign(body, timestamp, secret), **(headers or {})})
    try:
        with NO_PROXY_OPENER.open(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def event(kind: str, text: str, channel: str, user: str, channel_type: str,
          thread_ts: Optional[str] = None, **extra) -> dict:
    ts = f"{time.time():.6f}"
    body = {"type": kind, "user": user, "text": text, "ts": ts, "channel": channel,
            "event_ts": ts, "channel_type": channel_type, **extra}
    if thread_ts:
        body["thread_ts"] = thread_ts
    return {
        "token": "legacy-verification-token", "team_id": "T0TEAM", "api_app_id": "A0APP",
        "type": "event_callback", "event_id": unique("Ev"), "event_time": int(time.time()),
        "event": body,
        "authorizations": [{"team_id": "T0TEAM", "user_id": BOT_USER, "is_bot": True}],
    }


def dm(text: str, channel: str, user: str, **extra) -> dict:
    return event("message", text, channel, user, "im", **extra)


def mention(text: str, channel: str, user: str, **extra) -> dict:
    return event("app_mention", f"<@{BOT_USER}> {text}", channel, user, "channel", **extra)


def send(bot, body: dict, **kwargs):
    status, text = post(bot, json.dumps(body).encode(), **kwargs)
    assert status == 200, (status, text)
    return text


def stored_user_texts(bot, sender: str) -> List[str]:
    """User messages the tracker store (SQLite) holds for a sender."""
    if not bot.tracker_db.exists():
        return []
    with sqlite3.connect(bot.tracker_db) as db:
        if not db.execute("SELECT name FROM sqlite_master WHERE name = 'events'").fetchall():
            return []
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    texts = []
    for (data,) in rows:
        stored = json.loads(data)
        if stored.get("event") == "user":
            texts.append(stored.get("text"))
    return texts


def conversation_count(bot, sender: str) -> int:
    if not bot.tracker_db.exists():
        return 0
    with sqlite3.connect(bot.tracker_db) as db:
        if not db.execute("SELECT name FROM sqlite_master WHERE name = 'events'").fetchall():
            return 0
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


# -- the tests ---------------------------------------------------------------------------
def test_dm_question_gets_one_cited_answer_in_slack_format(bot, slack):
    channel, user = unique("D"), unique("U")
    send(bot, dm("what is the median pay for machine learning engineers?", channel, user))
    answer = slack.exactly_one_post(channel)
    assert "$131,490" in answer["text"]
    assert "<https://www.bls.gov/" in answer["text"] and "|" in answer["text"]
    assert "](" not in answer["text"]  # no Markdown links left
    assert "*Sources:*" in answer["text"]
    assert "thread_ts" not in answer  # a top-level DM gets a top-level answer
    assert answer["_authorization"] == "Bearer xoxb-test"
    assert stored_user_texts(bot, user) == ["what is the median pay for machine learning engineers?"]


def test_mention_in_a_channel_is_answered_in_a_thread_under_it(bot, slack):
    channel, user = unique("C"), unique("U")
    body = mention("what do machine learning engineers earn?", channel, user)
    send(bot, body)
    answer = slack.exactly_one_post(channel)
    assert answer["thread_ts"] == body["event"]["ts"]
    assert "$131,490" in answer["text"]
    assert stored_user_texts(bot, user) == ["what do machine learning engineers earn?"]  # no <@BOT>


def test_mention_inside_a_thread_is_answered_in_that_thread(bot, slack):
    channel, user, thread = unique("C"), unique("U"), "1700000000.000100"
    send(bot, mention("what is the job outlook?", channel, user, thread_ts=thread))
    answer = slack.exactly_one_post(channel)
    assert answer["thread_ts"] == thread
    assert "<https://" in answer["text"]


def test_dm_in_a_thread_is_answered_in_that_thread(bot, slack):
    channel, user, thread = unique("D"), unique("U"), "1700000001.000200"
    send(bot, dm("what skills do I need?", channel, user, thread_ts=thread))
    answer = slack.exactly_one_post(channel)
    assert answer["thread_ts"] == thread


def test_greeting_offers_suggested_questions_as_buttons(bot, slack):
    channel, user = unique("D"), unique("U")
    send(bot, dm("hello", channel, user))
    answer = slack.exactly_one_post(channel)
    blocks = answer["blocks"]
    assert blocks[0]["type"] == "section" and blocks[0]["text"]["type"] == "mrkdwn"
    actions = [b for b in blocks if b["type"] == "actions"]
    values = [e["value"] for a in actions for e in a["elements"]]
    assert "/ask_pay" in values and all(v.startswith("/") for v in values)
    assert answer["text"].strip()  # fallback text for notifications


def test_a_bare_mention_is_a_greeting(bot, slack):
    channel, user = unique("C"), unique("U")
    body = event("app_mention", f"<@{BOT_USER}>", channel, user, "channel")
    send(bot, body)
    answer = slack.exactly_one_post(channel)
    assert answer["thread_ts"] == body["event"]["ts"]
    assert any(b["type"] == "actions" for b in answer["blocks"])


def test_button_click_is_answered(bot, slack):
    channel, user = unique("D"), unique("U")
    payload = {
        "type": "block_actions", "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
        "user": {"id": user, "username": "someone", "team_id": "T0TEAM"},
        "channel": {"id": channel, "name": "directmessage"},
        "container": {"type": "message", "message_ts": "1700000002.000300",
                      "channel_id": channel, "is_ephemeral": False},
        "message": {"type": "message", "ts": "1700000002.000300", "bot_id": "B0BOT",
                    "text": "Suggested questions"},
        "response_url": "https://hooks.slack.com/actions/T0TEAM/1/x",
        "trigger_id": "1.2.3",
        "actions": [{"type": "button", "action_id": "suggestion_0", "block_id": "b1",
                     "value": "/ask_pay", "action_ts": f"{time.time():.6f}",
                     "text": {"type": "plain_text", "text": "What do ML engineers earn?"}}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    status, _ = post(bot, body, content_type="application/x-www-form-urlencoded")
    assert status == 200
    answer = slack.exactly_one_post(channel)
    assert "$131,490" in answer["text"] and "<https://www.bls.gov/" in answer["text"]
    assert "thread_ts" not in answer
    assert stored_user_texts(bot, user) == ["/ask_pay"]


def test_button_click_in_a_thread_is_answered_in_the_thread(bot, slack):
    channel, user, thread = unique("C"), unique("U"), "1700000003.000400"
    payload = {
        "type": "block_actions", "user": {"id": user}, "channel": {"id": channel},
        "container": {"type": "message", "message_ts": "1700000004.000500", "channel_id": channel,
                      "thread_ts": thread},
        "message": {"type": "message", "ts": "1700000004.000500", "thread_ts": thread},
        "actions": [{"type": "button", "action_id": "suggestion_1", "value": "/ask_outlook",
                     "action_ts": f"{time.time():.6f}"}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    assert post(bot, body, content_type="application/x-www-form-urlencoded")[0] == 200
    assert slack.exactly_one_post(channel)["thread_ts"] == thread


def test_bad_signature_is_rejected_and_nothing_happens(bot, slack):
    channel, user = unique("D"), unique("U")
    body = json.dumps(dm("what do machine learning engineers earn?", channel, user)).encode()
    status, _ = post(bot, body, secret="not-the-secret")
    assert 400 <= status < 500
    slack.no_post(channel)
    assert conversation_count(bot, user) == 0


def test_unsigned_request_is_rejected(bot, slack):
    channel, user = unique("D"), unique("U")
    body = json.dumps(dm("hello", channel, user)).encode()
    request = urllib.request.Request(f"{bot.url}/webhooks/slack/webhook", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as error:
        NO_PROXY_OPENER.open(request, timeout=30)
    assert 400 <= error.value.code < 500
    slack.no_post(channel)
    assert conversation_count(bot, user) == 0


def test_timestamp_older_than_five_minutes_is_rejected(bot, slack):
    channel, user = unique("D"), unique("U")
    body = json.dumps(dm("what do machine learning engineers earn?", channel, user)).encode()
    status, _ = post(bot, body, timestamp=str(int(time.time()) - 6 * 60))  # correctly signed
    assert 400 <= status < 500
    slack.no_post(channel)
    assert conversation_count(bot, user) == 0


RETRY_REASONS = ["http_timeout", "http_error", "connection_failed", "too_many_redirects",
                 "unknown_error"]


def test_retries_of_a_delivered_event_are_not_answered_again(bot, slack):
    channel, user = unique("D"), unique("U")
    body = dm("what do machine learning engineers earn?", channel, user)
    send(bot, body)
    slack.wait_for_posts(channel)
    for number, reason in enumerate(RETRY_REASONS, 1):
        send(bot, body, headers={"X-Slack-Retry-Num": str(min(number, 3)),
                                 "X-Slack-Retry-Reason": reason})
    slack.exactly_one_post(channel)
    assert len(stored_user_texts(bot, user)) == 1


@pytest.mark.parametrize("reason", RETRY_REASONS)
def test_retry_arriving_while_the_first_delivery_is_processed(bot, slack, reason):
    channel, user = unique("D"), unique("U")
    body = dm("what is the job outlook?", channel, user)
    send(bot, body)  # no waiting: the retry comes while the answer is being made
    send(bot, body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": reason})
    slack.exactly_one_post(channel)


def test_retry_of_an_event_that_never_arrived_is_answered_once(bot, slack):
    channel, user = unique("D"), unique("U")
    body = dm("what do machine learning engineers earn?", channel, user)
    for number in (1, 2):
        send(bot, body, headers={"X-Slack-Retry-Num": str(number),
                                 "X-Slack-Retry-Reason": "connection_failed"})
    assert "$131,490" in slack.exactly_one_post(channel)["text"]


def test_mention_delivered_also_as_a_channel_message_is_answered_once(bot, slack):
    channel, user = unique("C"), unique("U")
    first = mention("what do machine learning engineers earn?", channel, user)
    second = json.loads(json.dumps(first))
    second["event_id"] = unique("Ev")
    second["event"]["type"] = "message"  # what message.channels would deliver
    send(bot, first)
    send(bot, second)
    slack.exactly_one_post(channel)


def test_url_verification_returns_the_challenge(bot):
    body = {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification"}
    status, text = post(bot, json.dumps(body).encode())
    assert status == 200
    assert json.loads(text) == {"challenge": body["challenge"]}


def test_json_with_a_charset_is_handled(bot, slack):
    channel, user = unique("D"), unique("U")
    send(bot, dm("what do machine learning engineers earn?", channel, user),
         content_type="application/json; charset=utf-8")
    assert "$131,490" in slack.exactly_one_post(channel)["text"]


def test_messages_from_bots_are_ignored(bot, slack):
    channel, user = unique("D"), unique("U")
    send(bot, dm("what do machine learning engineers earn?", channel, user, bot_id="B0OTHER"))
    send(bot, event("message", "an edit", channel, user, "im", subtype="message_changed"))
    send(bot, dm("my own answer", channel, BOT_USER))  # the bot's own user id
    slack.no_post(channel)
    assert conversation_count(bot, user) == 0


def test_channel_messages_without_a_mention_are_ignored(bot, slack):
    channel, user = unique("C"), unique("U")
    send(bot, event("message", "what do machine learning engineers earn?", channel, user, "channel"))
    slack.no_post(channel)
