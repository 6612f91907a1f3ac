"""The Slack app channel: Rasa 3.6's SlackInput with its gaps fixed.

Registered in credentials.yml as `bot.channels.slack.Slack`; its route is
/webhooks/slack/webhook (name() stays "slack"), for both Events API requests and
interactivity (button clicks). Environment:

    SLACK_BOT_TOKEN       the app's Bot User OAuth Token (xoxb-...), via credentials.yml
    SLACK_SIGNING_SECRET  the app's signing secret, via credentials.yml
    SLACK_API_URL         base URL of the Slack Web API (default https://slack.com/api/),
                          read here so tests can point the bot at a local fake

What this adds to rasa.core.channels.slack.SlackInput:
- Content-Type is compared without parameters ("application/json; charset=utf-8" too).
- One answer per message: events are named by event_id and by (channel, ts). A retry
  (X-Slack-Retry-Num) of an event that is being answered, or was answered, is
  acknowledged and not processed again, whatever X-Slack-Retry-Reason says (rasa#3882);
  a retry of an event whose first delivery never arrived, or whose answer failed, is
  answered. A mention delivered both as app_mention and as a channel message is
  answered once (rasa#2784). A failed answer is logged with its traceback.
- A body that is not what Slack sends (not JSON, not a JSON object, a form without a
  JSON-object `payload`) gets 400; an error in the channel's own code is not hidden
  behind that 400 but left to Sanic (500, traceback in the log).
- The Web API client gets SLACK_API_URL as its base_url.
- "<@BOT>" mentions are stripped before NLU; a bare mention is treated as a greeting.
- Threads: a message in a thread is answered in that thread; an @mention in a channel
  is answered in a thread under the mention; a top-level DM gets a top-level answer.
- Replies are Slack mrkdwn: [t](u) -> <u|t>, **b** -> *b*, "Sources:" in bold;
  buttons become a blocks message (section + actions) whose button values are the
  payloads, and clicks (form-encoded `payload=` JSON) come back as user messages.

The memory of deliveries: with REDIS_URL set (redis://[user:password@]host[:port][/db],
read when the channel is made) it lives in Redis (RedisDeliveries), shared by every Rasa
server behind a load balancer, so a retry that reaches another server than the first
delivery is not answered twice. Each delivery's keys (careerbot:slack:...) are checked
and marked at once by a Lua script: in flight for 2 minutes (so the marks of a server
killed mid-answer expire), answered for an hour. If Redis cannot be reached the error is
logged and the message is answered anyway (at least once), this server's own memory
standing in. Without REDIS_URL the memory lives in the process (Deliveries), enough for
Rasa's one Sanic worker.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import inspect
import json
import logging
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

import redis.asyncio
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from redis.exceptions import RedisError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import settings
from bot.channels import MARKDOWN_LINK
from bot.channels.guard import check_text, conversation_id, read_json
from bot.rasa_ext.framing import checking_framing

logger = logging.getLogger(__name__)

GREETING = "/greet"  # what a bare "@bot" mention means
MAX_BUTTONS_PER_BLOCK = 25  # Slack's limit for the elements of one actions block
MAX_SECTION_TEXT = 3000  # Slack's limit for a section's text
MAX_BUTTON_TEXT = 75  # Slack's limit for a button label
# message subtypes that are still a person writing to the bot
USER_SUBTYPES = {None, "thread_broadcast", "file_share"}


def slack_api_url() -> str:
    url = settings.value("SLACK_API_URL")
    return url if url.endswith("/") else url + "/"


# -- Markdown -> Slack mrkdwn --------------------------------------------------------
BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
# a line that is only a short label ending in a colon, like "Sources:"
LABEL_LINE = re.compile(r"^[^\[\]<>*_`|\n]{1,60}:$")
_PLACEHOLDER = "\x00{}\x00"


def escape(text: str) -> str:
    """Slack needs &, < and > escaped in message text (and nothing else)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_to_mrkdwn(text: str) -> str:
    """Convert the bot's Markdown replies to Slack mrkdwn.

    [title](url) -> <url|title>; **bold** / __bold__ -> *bold*; *italic* -> _italic_;
    "# heading" and label lines such as "Sources:" -> bold. Citation markers [n] and
    line breaks are kept; &, < and > in the text are escaped as Slack requires.
    """
    links: list[str] = []

    def keep_link(match: re.Match) -> str:
        title, url = match.group(1), match.group(2)
        links.append(f"<{url.replace('|', '%7C').replace('>', '%3E')}|{escape(title)}>")
        return _PLACEHOLDER.format(len(links) - 1)

    text = MARKDOWN_LINK.sub(keep_link, text)
    text = escape(text)
    text = ITALIC.sub(r"_\1_", text)  # before bold, so **x** is not read as *(*x*)*
    text = BOLD.sub(r"*\2*", text)
    lines = []
    for line in text.split("\n"):
        heading = HEADING.match(line)
        if heading:
            line = f"*{heading.group(1)}*"
        elif LABEL_LINE.match(line.strip()):
            line = f"*{line.strip()}*"
        lines.append(line)
    text = "\n".join(lines)
    return re.sub("\x00(\\d+)\x00", lambda m: links[int(m.group(1))], text)


def _chunks(text: str, size: int) -> list[str]:
    """Split a long text at line breaks into pieces of at most `size` characters."""
    pieces, current = [], ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def buttons_to_blocks(text: str, buttons: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A section with the (mrkdwn) text, then actions blocks of buttons whose values are
    the payloads. Titles are plain text, cut to Slack's 75 characters."""
    blocks: list[dict[str, Any]] = []
    mrkdwn = markdown_to_mrkdwn(text).strip() if text else ""
    for piece in _chunks(mrkdwn, MAX_SECTION_TEXT) if mrkdwn else []:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": piece}})
    elements = []
    for index, button in enumerate(buttons):
        title = str(button.get("title") or button.get("payload") or "")
        if len(title) > MAX_BUTTON_TEXT:
            title = title[: MAX_BUTTON_TEXT - 1] + "…"
        elements.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": title, "emoji": True},
                "value": str(button.get("payload") or title),
                "action_id": f"suggestion_{index}",
            }
        )
    for start in range(0, len(elements), MAX_BUTTONS_PER_BLOCK):
        blocks.append({"type": "actions", "elements": elements[start : start + MAX_BUTTONS_PER_BLOCK]})
    return blocks


def fallback_text(text: str, buttons: Iterable[dict[str, Any]]) -> str:
    """The `text` of a blocks message (notifications, screen readers)."""
    if text and text.strip():
        return markdown_to_mrkdwn(text).strip()
    titles = [str(b.get("title") or b.get("payload")) for b in buttons]
    return "Suggested questions: " + ", ".join(titles) if titles else " "


# -- Slack text -> user message --------------------------------------------------------
SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
ANY_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def clean_user_text(text: str, bot_ids: Iterable[str] = (), leading_mention: bool = False) -> str:
    """Slack message text -> what the NLU should read.

    Drops mentions of the bot (<@U123> or <@U123|name>) — and, for an app_mention whose
    bot id is unknown, a leading mention — turns <url|label> into label and <url> into
    url, and unescapes &amp; &lt; &gt;.
    """
    for bot_id in bot_ids:
        if bot_id:
            text = re.sub(rf"<@{re.escape(bot_id)}(?:\|[^>]*)?>", " ", text)
    if leading_mention:
        text = re.sub(rf"^\s*{ANY_MENTION.pattern}", " ", text)
    text = SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = html.unescape(text) if "&" in text else text
    return re.sub(r"\s+", " ", text).strip()


ANSWERED_TTL = 3600.0  # seconds an answered delivery is remembered (Slack retries for minutes)
IN_FLIGHT_TTL = 120.0  # seconds a delivery stays in flight in Redis unless finished first


def _usable(keys: Iterable[Hashable | None]) -> tuple:
    """The keys that name something: not empty, and no empty part in a tuple key."""
    return tuple(k for k in keys if k and all(_parts(k)))


def _parts(key: Hashable) -> tuple:
    return key if isinstance(key, tuple) else (key,)


class Seen:
    """Keys added in the last `ttl` seconds (Slack retries for a few minutes)."""

    def __init__(self, ttl: float = ANSWERED_TTL, limit: int = 10000):
        self.ttl, self.limit = ttl, limit
        self._keys: OrderedDict[Hashable, float] = OrderedDict()

    def _expire(self, now: float) -> None:
        while self._keys:
            key, when = next(iter(self._keys.items()))
            if now - when <= self.ttl and len(self._keys) <= self.limit:
                break
            self._keys.popitem(last=False)

    def contains(self, *keys: Hashable | None) -> bool:
        """True if any of the (non-empty) keys was added and has not expired."""
        self._expire(time.monotonic())
        return any(k in self._keys for k in _usable(keys))

    def add(self, *keys: Hashable | None) -> None:
        """Remember the (non-empty) keys from now on."""
        now = time.monotonic()
        for key in _usable(keys):
            self._keys[key] = now
            self._keys.move_to_end(key)
        self._expire(now)


class Deliveries:
    """Which Slack deliveries are being answered, and which were answered.

    A delivery is named by one or more keys (event_id, (channel, ts), ...); two
    deliveries that share a key are the same message. `start` refuses a delivery that
    is being answered (in flight) or was answered; `finish` takes it out of flight and
    remembers it as answered only if it was — so a retry of a delivery whose answer
    failed is answered, once. The channel runs on one event loop, and neither method
    awaits, so no lock is needed.
    """

    def __init__(self, answered: Seen | None = None):
        self.answered = answered if answered is not None else Seen()
        self.in_flight: set[Hashable] = set()

    def start(self, *keys: Hashable | None) -> bool:
        """Mark the delivery in flight; False if it is in flight or answered already."""
        keys = _usable(keys)
        if any(k in self.in_flight for k in keys) or self.answered.contains(*keys):
            return False
        self.in_flight.update(keys)
        return True

    def finish(self, keys: Iterable[Hashable | None], answered: bool) -> None:
        """The delivery is no longer in flight; remember it if it was answered."""
        keys = _usable(keys)
        self.in_flight.difference_update(keys)
        if answered:
            self.answered.add(*keys)


# KEYS: a delivery's keys. ARGV: the in-flight mark, its lifetime in ms. 0 if any key is
# marked (in flight or answered), else all of them are marked in flight: 1.
START_SCRIPT = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
end
return 1
"""
# KEYS: a delivery's keys. ARGV: the mark, its lifetime in ms. Marks every key.
MARK_SCRIPT = """
for _, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
end
return 1
"""
# KEYS: a delivery's keys. ARGV: this server's in-flight mark. Deletes the keys that
# still hold it (not an answered mark, nor another server's, set after ours expired).
DROP_SCRIPT = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 1
"""
REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)


class RedisDeliveries:
    """Deliveries kept in Redis for every Rasa server: `start` and `finish` as Deliveries',
    but coroutines.

    A key is "careerbot:slack:" + the key as JSON (a tuple key is a JSON list). `start`
    runs START_SCRIPT, so two servers starting deliveries that share a key at the same
    moment cannot both win. In flight, a key holds this server's mark for
    `in_flight_ttl` seconds: a server that dies mid-answer (kill -9) leaves marks that
    expire, and a Slack retry after that is answered. `finish` marks the keys answered
    for `answered_ttl` seconds, or deletes this server's marks if the answer failed.

    Redis unreachable (or slower than `timeout`): the error is logged and `local`, this
    server's own Deliveries, decides instead, so the message is answered (at least
    once; a retry on another server may be answered too) and the request never fails.
    """

    answered_mark = "answered"

    def __init__(
        self,
        url: str,
        in_flight_ttl: float = IN_FLIGHT_TTL,
        answered_ttl: float = ANSWERED_TTL,
        prefix: str = "careerbot:slack:",
        timeout: float = 1.0,
    ) -> None:
        # no connection yet: from_url only reads the URL (a malformed one fails here)
        self.redis = redis.asyncio.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.in_flight_ttl, self.answered_ttl, self.prefix = in_flight_ttl, answered_ttl, prefix
        self.in_flight_mark = f"in-flight {uuid.uuid4().hex}"  # this server's
        self.local = Deliveries(Seen(answered_ttl))
        self._start = self.redis.register_script(START_SCRIPT)
        self._mark = self.redis.register_script(MARK_SCRIPT)
        self._drop = self.redis.register_script(DROP_SCRIPT)

    @property
    def where(self) -> str:
        """host:port/db of the Redis (the URL without its password)."""
        found = self.redis.connection_pool.connection_kwargs
        return f"{found.get('host')}:{found.get('port')}/{found.get('db', 0)}"

    def redis_key(self, key: Hashable) -> str:
        return self.prefix + json.dumps(key, separators=(",", ":"))

    async def start(self, *keys: Hashable | None) -> bool:
        """Mark the delivery in flight; False if it is in flight or answered already,
        on this server or another one."""
        keys = _usable(keys)
        if not keys:
            return True
        try:
            return bool(
                await self._start(
                    keys=[self.redis_key(k) for k in keys], args=[self.in_flight_mark, _ms(self.in_flight_ttl)]
                )
            )
        except REDIS_ERRORS as error:
            logger.error(
                "Redis (%s) is unreachable: %s. Slack delivery %s is checked against "
                "this server's memory only; another server may answer it too.",
                self.where,
                _said(error),
                keys[0],
            )
            return self.local.start(*keys)

    async def finish(self, keys: Iterable[Hashable | None], answered: bool) -> None:
        """The delivery is no longer in flight; remember it if it was answered."""
        keys = _usable(keys)
        self.local.finish(keys, answered)
        if not keys:
            return
        redis_keys = [self.redis_key(k) for k in keys]
        try:
            if answered:
                await self._mark(keys=redis_keys, args=[self.answered_mark, _ms(self.answered_ttl)])
            else:
                await self._drop(keys=redis_keys, args=[self.in_flight_mark])
        except REDIS_ERRORS as error:
            logger.error(
                "Redis (%s) is unreachable: %s. Slack delivery %s could not be recorded as %s.",
                self.where,
                _said(error),
                keys[0],
                "answered" if answered else "unanswered",
            )


async def _settled(value: Any) -> Any:
    """`value`, awaited if it is awaitable: Deliveries answers at once, RedisDeliveries
    once Redis has."""
    return await value if inspect.isawaitable(value) else value


def _said(error: BaseException) -> str:
    return str(error) or type(error).__name__  # asyncio.TimeoutError says nothing


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def memory_of_deliveries(redis_url: str | None = None) -> Deliveries | RedisDeliveries:
    """The memory of deliveries: in Redis if `redis_url` (default: the environment's
    REDIS_URL) is not empty, else in the process."""
    url = settings.value("REDIS_URL") if redis_url is None else redis_url.strip()
    if not url:
        return Deliveries()
    shared = RedisDeliveries(url)
    logger.info("Slack deliveries are remembered in Redis (%s), shared by every server.", shared.where)
    return shared


# -- output ------------------------------------------------------------------------------
class SlackOutput(SlackBot):
    """Posts replies as mrkdwn (text) or blocks (buttons) through chat.postMessage.

    It counts its posts and failed posts: `delivered` tells the input channel whether
    the answer to one message went out (see SlackAppInput._answer).
    """

    @classmethod
    def name(cls) -> str:
        return "slack"

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        base_url: str | None = None,
    ) -> None:
        OutputChannel.__init__(self)
        self.slack_channel = slack_channel
        self.thread_id = thread_id
        self.proxy = proxy
        self.client = AsyncWebClient(token, base_url=base_url or slack_api_url(), proxy=proxy)
        self.posts = 0
        self.failed_posts = 0

    @property
    def delivered(self) -> bool:
        """At least one message was posted, and no post failed."""
        return self.posts > 0 and self.failed_posts == 0

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        if self.thread_id:
            kwargs["thread_ts"] = self.thread_id
        try:
            # no as_user: Slack apps with granular bot tokens post as the bot anyway;
            # an error answer ({"ok": false}) raises SlackApiError
            await self.client.chat_postMessage(channel=channel, **kwargs)
        except Exception:
            self.failed_posts += 1
            raise
        self.posts += 1

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        recipient = self.slack_channel or recipient_id
        # a blank line separates messages, as in Rasa's own channels; the bot's
        # answers use single line breaks, so an answer is one message
        for part in text.strip().split("\n\n"):
            if part.strip():
                await self._post_message(
                    channel=recipient, text=markdown_to_mrkdwn(part), mrkdwn=True, unfurl_links=False
                )

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        recipient = self.slack_channel or recipient_id
        await self._post_message(
            channel=recipient,
            text=fallback_text(text, buttons),
            blocks=buttons_to_blocks(text, buttons),
            unfurl_links=False,
        )

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        message = dict(json_message)
        channel = message.pop("channel", None) or self.slack_channel or recipient_id
        message.pop("as_user", None)
        await self._post_message(channel=channel, **message)


# -- request bodies --------------------------------------------------------------------
class UnreadableRequest(ValueError):
    """A request body that is not what Slack sends."""


def _json_object(raw: Any) -> dict[str, Any]:
    """JSON text (str or UTF-8 bytes) that must hold an object."""
    try:
        value = read_json(raw)
    except ValueError as error:  # not JSON, not UTF-8, nested too deep
        raise UnreadableRequest(str(error)) from error
    if not isinstance(value, dict):
        raise UnreadableRequest(f"JSON {type(value).__name__}, not an object")
    return value


def read_event_body(body: bytes) -> dict[str, Any]:
    """An Events API request (application/json): the JSON object."""
    return _json_object(body or b"{}")


def read_interaction_payload(body: bytes) -> dict[str, Any]:
    """An interactivity request (a form): the JSON object in its `payload` field."""
    try:
        form = parse_qs(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise UnreadableRequest(f"form not UTF-8 ({error})") from error
    if not form.get("payload"):
        raise UnreadableRequest("form without a payload")
    return _json_object(form["payload"][0])


# -- ids and fields ------------------------------------------------------------------
SLACK_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # team, channel, user ids and message ts


def is_slack_id(value: object) -> bool:
    return isinstance(value, str) and SLACK_ID.fullmatch(value) is not None


def wrong_fields(body: dict[str, Any], event: dict[str, Any]) -> str | None:
    """What is wrong with the types and ids of an event delivery, or None."""
    authorizations = body.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        return "authorizations is not a list of objects"
    if event.get("text") is not None and not isinstance(event.get("text"), str):
        return "the text is not a string"
    for name in ("user", "channel", "thread_ts", "ts"):
        if event.get(name) is not None and not is_slack_id(event[name]):
            return f"the event's {name} is not a Slack id"
    for value in (body.get("team_id"), event.get("team")):
        if value is not None and not is_slack_id(value):
            return "the team is not a Slack id"
    return None


def content_key(value: Any) -> str:
    """A key for a delivery that names no event id or ts: a hash of what it says."""
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=True, default=str).encode()
    return "content-" + hashlib.sha256(encoded).hexdigest()[:32]


def _object(payload: dict[str, Any], name: str) -> dict[str, Any]:
    value = payload.get(name)
    return value if isinstance(value, dict) else {}


def _field(payload: dict[str, Any], name: str, key: str) -> Any:
    return _object(payload, name).get(key)


def unreadable(problem: str) -> HTTPResponse:
    logger.warning("Unreadable Slack request: %s", problem)
    return response.json({"error": f"Unreadable request: {problem}."}, status=HTTPStatus.BAD_REQUEST)


# -- input ---------------------------------------------------------------------------
class SlackAppInput(SlackInput):
    """Slack Events API + interactivity on /webhooks/slack/webhook."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("slack_token"),
            slack_channel=credentials.get("slack_channel"),
            proxy=credentials.get("proxy"),
            slack_signing_secret=credentials.get("slack_signing_secret", ""),
            conversation_granularity=credentials.get("conversation_granularity", "sender"),
        )

    def __init__(
        self,
        slack_token: str,
        slack_channel: str | None = None,
        proxy: str | None = None,
        slack_signing_secret: str = "",
        conversation_granularity: str | None = "sender",
        api_url: str | None = None,
        redis_url: str | None = None,
    ) -> None:
        super().__init__(
            slack_token,
            slack_channel=slack_channel,
            proxy=proxy,
            slack_retry_reason_header="x-slack-retry-reason",
            slack_retry_number_header="x-slack-retry-num",
            use_threads=True,
            slack_signing_secret=slack_signing_secret,
            conversation_granularity=conversation_granularity,
        )
        self.api_url = api_url or slack_api_url()
        # redis_url None: REDIS_URL from the environment; "": in the process
        self.deliveries = memory_of_deliveries(redis_url)

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        return SlackOutput(
            self.slack_token, channel or self.slack_channel, thread_id, self.proxy, base_url=self.api_url
        )

    # -- parsing ---------------------------------------------------------------
    @staticmethod
    def _media_type(request: Request) -> str:
        return (request.headers.get("content-type") or "").split(";")[0].strip().lower()

    @staticmethod
    def _bot_ids(body: dict[str, Any]) -> list[str]:
        ids = [a.get("user_id") for a in body.get("authorizations") or [] if a.get("is_bot", True)]
        return [i for i in ids if i]

    def _reply_thread(self, event: dict[str, Any], is_dm: bool) -> str | None:
        """In a thread: that thread. A mention in a channel: a thread under it. Else none."""
        if event.get("thread_ts"):
            return event["thread_ts"]
        return None if is_dm else event.get("ts")

    async def _start(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        user: str,
        channel: str,
        thread: str | None,
        metadata: dict,
        keys: tuple[Hashable | None, ...],
    ) -> HTTPResponse:
        """Answer the message in the background, unless this delivery (named by `keys`)
        is being answered or was answered already.

        A duplicate is acknowledged with 200, after which Slack sends no further retry:
        if the answer in flight fails after all, the message stays unanswered (and the
        failure is logged). Answering the duplicate with a non-2xx would make Slack retry
        later, but would count against the app's delivery failure rate.
        """
        if not await _settled(self.deliveries.start(*keys)):
            logger.info("Slack delivery %s is being or was answered; not answering twice.", keys[0])
            return response.text("Already handled.", headers={"X-Slack-No-Retry": "1"})
        sender = conversation_id("slack", self._get_conversation_id(user, channel, thread))
        checked = check_text(text)  # long or blank: a polite reply without NLU
        message = UserMessage(
            checked.text,
            self.get_output_channel(channel, thread),
            sender,
            parse_data=checked.parse_data(),
            input_channel=self.name(),
            metadata=checked.metadata(metadata),
        )
        task = asyncio.create_task(self._answer(on_new_message, message, keys))
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)
        return response.text("")

    async def _answer(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        message: UserMessage,
        keys: tuple[Hashable | None, ...],
    ) -> None:
        """Run Rasa on the message; the delivery counts as answered only if the answer
        went out, and every failure is logged with its traceback.

        What "answered" means in Rasa 3.6: an exception from the output channel (a
        failed chat.postMessage) propagates out of on_new_message (Agent.handle_message,
        MessageProcessor.execute_side_effects; the tracker is then not saved either). But
        a failing custom action (action server down or broken) is logged and swallowed
        by MessageProcessor._run_action, which goes on with no events and so posts
        nothing. The signal is therefore the output channel's own record as well as the
        exception: answered = no exception, at least one post, no failed post. A retry
        of an unanswered delivery is answered in full (a part posted before a failed
        post may appear twice; better than a missing part).
        """
        answered = False
        try:
            await on_new_message(message)
            answered = message.output_channel.delivered
            if not answered:
                logger.warning(
                    "No answer was posted to Slack for delivery %s (see the errors "
                    "above); a retry of it will be answered.",
                    keys[0],
                )
        except Exception:
            logger.exception("Answering Slack delivery %s failed; a retry of it will be answered.", keys[0])
        finally:
            await _settled(self.deliveries.finish(keys, answered))

    async def _handle_callback(
        self, body: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """An Events API request: the URL check, or an event."""
        if body.get("type") == "url_verification":
            return response.json({"challenge": body.get("challenge", "")})
        if body.get("type", "event_callback") != "event_callback":
            return response.text("Ignored.")
        return await self._handle_event(body, on_new_message)

    async def _handle_event(
        self, body: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        event = body.get("event") or {}
        if not isinstance(event, dict):
            return unreadable("the event is not an object")
        kind, channel_type = event.get("type"), event.get("channel_type")
        is_dm = kind == "message" and channel_type == "im"
        if not (is_dm or kind == "app_mention"):
            # channel messages that do not mention the bot (message.channels, if someone
            # subscribes to it) are not for the bot; mentions arrive as app_mention
            return response.text("Not for the bot.")
        problem = wrong_fields(body, event)
        if problem:
            return unreadable(problem)
        bot_ids = self._bot_ids(body)
        if (
            event.get("bot_id")
            or event.get("subtype") not in USER_SUBTYPES
            or not event.get("user")
            or event.get("user") in bot_ids
        ):
            return response.text("Bot message delivered.")
        channel = event.get("channel")
        if not is_slack_id(channel):
            return unreadable("the event has no channel")
        text = clean_user_text(event.get("text") or "", bot_ids, leading_mention=kind == "app_mention") or GREETING
        thread = self._reply_thread(event, is_dm)
        metadata = {
            "out_channel": channel,
            "thread_id": thread,
            "users": bot_ids,
            "event_id": body.get("event_id"),
            "ts": event.get("ts"),
        }
        # a delivery without an event id or ts is known by a hash of what it says
        keys = (body.get("event_id") or content_key(body), (channel, event.get("ts") or content_key(event)))
        return await self._start(on_new_message, text, event["user"], channel, thread, metadata, keys)

    async def _handle_interaction(
        self, payload: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        actions = payload.get("actions")
        if not (isinstance(actions, list) and actions and isinstance(actions[0], dict)):
            return response.text("Interaction ignored.")
        if not self._is_interactive_message(payload):
            return response.text("Interaction ignored.")
        action = payload["actions"][0]
        text = self._get_interactive_response(action)
        if text is None:
            return response.text("User clicked link button")
        if not isinstance(text, str):
            return unreadable("the button's value is not a string")
        user, container, message = (
            _field(payload, "user", "id"),
            _object(payload, "container"),
            _object(payload, "message"),
        )
        channel = _field(payload, "channel", "id") or container.get("channel_id")
        if not user or not channel:
            return response.text("Interaction without user or channel.", status=HTTPStatus.BAD_REQUEST)
        thread = message.get("thread_ts") or container.get("thread_ts")
        team = _field(payload, "team", "id") or ""
        if not all(is_slack_id(value) for value in (user, channel, thread or "x", team or "x")):
            return unreadable("a Slack id that is not one")
        metadata = {"out_channel": channel, "thread_id": thread, "users": [user], "action_ts": action.get("action_ts")}
        keys = (("action", user, action.get("action_ts"), action.get("action_id")),)
        return await self._start(on_new_message, text, user, channel, thread, metadata, keys)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # named after the channel, so that a subclass can be registered next to it
        slack_webhook = Blueprint(f"{self.name()}_webhook", __name__)
        # media type -> (reader of the body, handler of what it read)
        kinds = {
            "application/json": (read_event_body, self._handle_callback),
            "application/x-www-form-urlencoded": (read_interaction_payload, self._handle_interaction),
        }

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @slack_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                return response.text(
                    "Request is not signed with a valid X-Slack-Signature.", status=HTTPStatus.UNAUTHORIZED
                )
            retry = request.headers.get(self.retry_num_header)
            if retry:
                # Slack retries when it saw no 2xx within 3 s, whatever the reason
                # (http_timeout, http_error, connection_failed, ...). A retry of an event
                # being answered or answered is dropped by self.deliveries in _start; one
                # whose first delivery never arrived, or whose answer failed, is answered.
                logger.info("Slack retry #%s (%s) of a delivery.", retry, request.headers.get(self.retry_reason_header))
            kind = kinds.get(self._media_type(request))
            if kind is None:
                return response.text("Unsupported content type.", status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
            read, handle = kind
            try:
                content = read(request.body)
            except UnreadableRequest as error:
                logger.warning("Unreadable Slack request: %s", error)
                return response.text("Unreadable request.", status=HTTPStatus.BAD_REQUEST)
            # outside the try: an error in the handlers is a bug, for Sanic to report (500)
            return await handle(content, on_new_message)

        return checking_framing(slack_webhook)


# The name credentials.yml uses; the launcher calls the channel by it ("Slack: off ...").
Slack = SlackAppInput
