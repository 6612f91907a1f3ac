"""What every user-facing channel checks before a message reaches Rasa.

The same rules on REST, the web chat (socket.io) and Slack:

- Conversation ids are kept apart per channel: a REST client's sender "x" is the
  conversation "rest:x", a web-chat session "web:<id>", a Slack user "slack:<id>", so one
  channel cannot write into another's conversations.
- A message longer than MAX_MESSAGE_CHARS (default 2,000) is not read: it is stored cut
  to that length and answered with a polite refusal, without NLU. A blank message gets a
  prompt to ask something. Both are marked in the message's metadata (`refused`), and the
  action answers them from data/knowledge.yml's messages.
- Only the bot's own button payloads pass as typed intents ("/ask_pay"): Rasa's
  `/intent{"slot": ...}` syntax is read as plain words (bot/rasa_ext/patches/typed_intents.py).
- User text in logs is cut to LOG_CHARS.
- JSON a client sends (a REST body, socket.io data and customData, a Slack payload) may
  nest arrays and objects at most MAX_JSON_DEPTH deep (read_json): deeper, Python's parser
  raised RecursionError (a 500), and what it did parse made Rasa's event fingerprint
  recurse without end (no reply at all).
- A request from a browser page (it carries an Origin) is taken only from the bot's own
  origin (BOT_PUBLIC_URL) or one in WEB_ALLOWED_ORIGINS (browser_origin_allowed), never
  judged by the Host header, which a page that rebinds its name to the bot's address
  forges along with its Origin.
- A message that gets no reply for an internal reason (an error while Rasa handles it, or
  the reply timing out) is answered with the knowledge file's `action_failed` apology
  (handle_or_apologise), never with silence.
- Text must be valid Unicode: JSON's "\\ud83d" decodes to a lone surrogate, which
  UTF-8, the tracker store and spaCy refuse (an id holding one made Rasa's SQL tracker
  store exit the server). In a message it becomes U+FFFD; an id holding one is not an id.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import urllib.parse
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot import settings

logger = logging.getLogger(__name__)

LOG_CHARS = 200
REQUEST_MAX_BYTES = settings.default("SANIC_REQUEST_MAX_SIZE")  # larger bodies get 413 (a message is a few KB)
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_JSON_DEPTH = 32  # arrays and objects inside one another (a message needs 3)


def nested_too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON nests arrays and objects more than `limit` deep (looked at
    without recursion, so any depth is safe to ask about)."""
    todo = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        inside = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if inside is None:
            continue
        if depth > limit:
            return True
        todo.extend((child, depth + 1) for child in inside)
    return False


def read_json(raw: str | bytes) -> Any:
    """JSON text (str or UTF-8 bytes) parsed; ValueError with a one-line reason when it is
    not JSON or nests deeper than MAX_JSON_DEPTH."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} deep") from None
    except (ValueError, UnicodeDecodeError) as error:  # UnicodeDecodeError is a ValueError
        raise ValueError(f"not JSON ({error})") from None
    if nested_too_deep(value):
        raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} deep")
    return value


def max_message_chars() -> int:
    return settings.value("MAX_MESSAGE_CHARS")


def for_log(text: object) -> str:
    """User text as it may appear in a log line: cut, on one line."""
    text = text if isinstance(text, str) else repr(text)
    text = " ".join(text.split())
    return text if len(text) <= LOG_CHARS else f"{text[:LOG_CHARS]}... ({len(text)} characters)"


LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def own_origins() -> set[str]:
    """The origins the bot itself is opened at: BOT_PUBLIC_URL's (default
    http://127.0.0.1:BOT_PORT); a loopback one under both its names."""
    public = settings.value("BOT_PUBLIC_URL") or f"http://127.0.0.1:{settings.value('BOT_PORT')}"
    parts = urllib.parse.urlsplit(public)
    if parts.hostname not in LOOPBACK_NAMES:
        return {public}
    port = f":{parts.port}" if parts.port else ""
    return {f"{parts.scheme}://{name}{port}" for name in LOOPBACK_NAMES}


def browser_origin_allowed(origin: str | None) -> bool:
    """A request's Origin header: none (not sent by a browser page), the bot's own
    (own_origins) or one in WEB_ALLOWED_ORIGINS."""
    if not origin:
        return True
    origin = origin.strip().rstrip("/").lower()
    return origin in own_origins() or origin in {o.lower() for o in settings.value("WEB_ALLOWED_ORIGINS")}


@functools.cache
def apology() -> str:
    """The knowledge file's `action_failed` message."""
    from bot.knowledge import load_knowledge

    return load_knowledge(settings.value("KNOWLEDGE_FILE")).messages["action_failed"]


async def handle_or_apologise(
    on_new_message: Callable[[Any], Awaitable[Any]], message: Any, apologise: Callable[[str], Awaitable[Any]]
) -> None:
    """Hand a UserMessage to Rasa; should that fail or time out, log one short line and
    `apologise` with apology(), so that the user is not left without a reply."""
    try:
        await on_new_message(message)
    except (Exception, CancelledError) as error:  # noqa: BLE001 - the user still gets a reply
        reason = "the reply timed out" if isinstance(error, CancelledError) else for_log(str(error))
        logger.error("%s: handling %r failed: %s", message.input_channel, for_log(message.text), reason)
        try:
            await apologise(apology())
        except Exception as failed:  # noqa: BLE001 - the client is gone: nothing left to tell it
            logger.error("%s: the apology could not be sent: %s", message.input_channel, for_log(str(failed)))


def is_text(value: object) -> bool:
    """A str that can be stored and read: no lone surrogates."""
    return isinstance(value, str) and not LONE_SURROGATE.search(value)


def conversation_id(channel: str, raw_id: str) -> str:
    """The tracker's conversation id for a channel's own id (kept apart per channel)."""
    return f"{channel}:{raw_id}"


@dataclass
class Checked:
    text: str  # what is stored (cut to the limit)
    refused: str | None = None  # "too_long" or "empty": answered without NLU

    def parse_data(self) -> dict[str, Any] | None:
        """Rasa parse data for a refused message (no NLU runs on it), else None."""
        if self.refused is None:
            return None
        return {"text": self.text, "intent": {"name": "nlu_fallback", "confidence": 1.0}, "entities": []}

    def metadata(self, metadata: dict[str, Any] | None) -> dict[str, Any] | None:
        """The client's metadata with our mark; a client cannot set the mark itself."""
        kept = {k: v for k, v in (metadata or {}).items() if k != "refused"}
        if self.refused is None:
            return kept or None
        return {**kept, "refused": self.refused}


def check_text(text: str) -> Checked:
    """A user's message text (a str: channels reject other types before this)."""
    text = LONE_SURROGATE.sub("\ufffd", text)
    limit = max_message_chars()
    if len(text) > limit:
        return Checked(text[:limit], "too_long")
    if not text.strip():
        return Checked(text, "empty")
    return Checked(text)
