"""A fake Slack for the end-to-end tests: a Web API on loopback that records
chat.postMessage, the bot started with Slack credentials pointing at it, and signed
Events API requests (DMs, mentions) to /webhooks/slack/webhook.

Used by tests/test_slack_channel.py, test_slack_redis.py, test_cluster.py and
test_bad_input.py. The channel answers in a background task, after the webhook has
returned, so callers wait for posts (with a deadline, `eventually`) instead of expecting
them when the request returns.
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

import pytest

from bot.ops.launcher import Servers, free_port

SECRET = "test-secret"
BOT_USER = "UCAREERBOT"
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)
ANSWER_WAIT = 60.0  # the first answers after start-up can be slow
_ids = itertools.count(1)
T = TypeVar("T")


def unique(prefix: str) -> str:
    return f"{prefix}{int(time.time() * 1000) % 10**8:08d}{next(_ids):04d}"


def unique_ts() -> str:
    """A Slack timestamp no other message of the test run has."""
    return f"1600000000.{next(_ids):06d}"


def eventually(probe: Callable[[], T], what: str, timeout: float = ANSWER_WAIT) -> T:
    """probe()'s first truthy result, polled until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.1)


# -- a fake Slack Web API ----------------------------------------------------------------
class FakeSlack:
    """Records chat.postMessage calls; can answer the next posts to a channel with an error."""

    def __init__(self):
        self.posts: list[dict] = []  # accepted posts
        self.failed: list[dict] = []  # posts answered with an error
        self.failing: dict[str, int] = {}  # channel -> how many more posts to refuse
        self.calls: list[str] = []
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
                answer = {
                    "ok": True,
                    "channel": body.get("channel"),
                    "ts": f"{time.time():.6f}",
                    "message": {"text": body.get("text")},
                }
                with fake.lock:
                    fake.calls.append(self.path)
                    if method == "chat.postMessage" and fake.failing.get(body.get("channel")):
                        fake.failing[body["channel"]] -= 1
                        fake.failed.append(body)
                        answer = {"ok": False, "error": "fatal_error"}  # as Slack reports a 500
                    elif method == "chat.postMessage":
                        fake.posts.append(body)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def __enter__(self) -> "FakeSlack":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next_posts(self, channel: str, count: int = 1) -> None:
        with self.lock:
            self.failing[channel] = count

    def posts_to(self, channel: str) -> list[dict]:
        with self.lock:
            return [p for p in self.posts if p.get("channel") == channel]

    def failed_posts_to(self, channel: str) -> list[dict]:
        with self.lock:
            return [p for p in self.failed if p.get("channel") == channel]

    def wait_for_posts(self, channel: str, count: int = 1, timeout: float = ANSWER_WAIT) -> list[dict]:
        return eventually(
            lambda: len(self.posts_to(channel)) >= count and self.posts_to(channel),
            f"{count} post(s) to {channel}",
            timeout,
        )


def start_bot(slack: FakeSlack, state: Path, credentials: Path | None = None, extra_env: dict | None = None) -> Servers:
    """The bot (action server + rasa) on free ports with its tracker database and logs
    under `state`, the Slack channel on and posting to `slack`; started, or the test
    fails with the end of the logs."""
    servers = Servers(
        bot_port=free_port(),
        action_port=free_port(),
        tracker_db=state / "tracker.db",
        log_dir=state / "logs",
        credentials=credentials,
        extra_env={
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            **(extra_env or {}),
        },
    )
    for name in PROXY_VARIABLES:  # slack_sdk would send even loopback calls to a proxy
        servers.env.pop(name, None)
    try:
        servers.start()
    except RuntimeError as error:
        logs = "".join(p.read_text(errors="replace")[-3000:] for p in (state / "logs").glob("*.log"))
        pytest.fail(f"{error}\n{logs}")
    return servers


# -- signed requests ---------------------------------------------------------------------
NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def post(
    bot,
    body: bytes,
    content_type: str = "application/json",
    secret: str = SECRET,
    timestamp: str | None = None,
    headers: dict | None = None,
    channel: str = "slack",
):
    """POST to the Slack webhook (of `channel`); returns (status, body text)."""
    timestamp = timestamp or str(int(time.time()))
    request = urllib.request.Request(
        f"{bot.url}/webhooks/{channel}/webhook",
        data=body,
        method="POST",
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(body, timestamp, secret),
            **(headers or {}),
        },
    )
    try:
        with NO_PROXY_OPENER.open(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def event(
    kind: str,
    text: str,
    channel: str,
    user: str,
    channel_type: str,
    thread_ts: str | None = None,
    bot_user: str = BOT_USER,
    **extra,
) -> dict:
    """An event_callback for the app whose bot user is `bot_user`."""
    ts = unique_ts()
    body = {
        "type": kind,
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
        **extra,
    }
    if thread_ts:
        body["thread_ts"] = thread_ts
    return {
        "token": "legacy-verification-token",
        "team_id": "T0TEAM",
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": unique("Ev"),
        "event_time": int(time.time()),
        "event": body,
        "authorizations": [{"team_id": "T0TEAM", "user_id": bot_user, "is_bot": True}],
    }


def dm(text: str, channel: str, user: str, **extra) -> dict:
    return event("message", text, channel, user, "im", **extra)


def mention(text: str, channel: str, user: str, **extra) -> dict:
    return event("app_mention", f"<@{BOT_USER}> {text}", channel, user, "channel", **extra)


def mention_and_message(text: str, channel: str, user: str) -> tuple:
    """One @mention as Slack delivers it twice when the app also subscribes to
    message.channels: as app_mention, and as a message event with its own event_id."""
    first = mention(text, channel, user)
    second = json.loads(json.dumps(first))
    second["event_id"] = unique("Ev")
    second["event"]["type"] = "message"
    return first, second


def send(bot, body: dict, **kwargs):
    status, text = post(bot, json.dumps(body).encode(), **kwargs)
    assert status == 200, (status, text)
    return text
