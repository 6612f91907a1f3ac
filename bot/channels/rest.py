"""Rasa's REST channel (POST /webhooks/rest/webhook) with strict input.

Registered in credentials.yml as bot.channels.rest.StrictRestInput (name "rest", so the
URL is Rasa's). Differences from rasa.core.channels.rest.RestInput, which answers a bad
body with a 500 and a traceback, or a 200 with `[]` and an exception in the log:

- the body must be a JSON object with a string `sender` (1-128 characters, valid
  Unicode: a lone surrogate such as JSON's "\\ud83d" made the tracker store exit the
  server) and a string `message`; `metadata`, if present, an object. Anything else:
  400 with a one-line JSON error ({"error": "..."}), no traceback. A missing sender is
  never a shared conversation.
- the conversation id is "rest:<sender>" (bot.channels.guard): REST cannot write into
  a web-chat or Slack conversation.
- long and blank messages are handled by bot.channels.guard (a polite reply, no NLU).
- `?stream=true` is not offered (it hung on bad input); replies come as one JSON list.
- a failure while handling still returns 200 with what was collected, and logs one short
  line (the user's text cut, no traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import (
    browser_origin_allowed,
    check_text,
    conversation_id,
    handle_or_apologise,
    is_text,
    read_json,
)
from bot.rasa_ext.framing import checking_framing

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128


def bad_request(error: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": error}, status=status)


def read_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or ValueError with a one-line reason."""
    try:
        body = read_json(request.body or b"")
    except ValueError as error:
        reason = str(error) if "nested" in str(error) else "not JSON"
        raise ValueError(f"the body must be a JSON object ({reason})") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise ValueError("'sender' must be a non-empty string")
    if not is_text(sender):  # "\\ud83d": the tracker store cannot hold it
        raise ValueError("'sender' must be valid Unicode")
    if len(sender) > MAX_SENDER_CHARS:
        raise ValueError(f"'sender' must be at most {MAX_SENDER_CHARS} characters")
    if not isinstance(body.get("message"), str):
        raise ValueError("'message' must be a string")
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        raise ValueError("'metadata' must be a JSON object")
    return body


def user_message(body: dict[str, Any], output: OutputChannel) -> UserMessage:
    """The message Rasa handles for a checked REST body (read_body), replies going to
    `output`. The answer tools hand their questions to an in-process bot through this
    too (bot.measure.answer_eval), so they are read exactly as REST reads them."""
    checked = check_text(body["message"])
    return UserMessage(
        checked.text,
        output,
        conversation_id(StrictRestInput.name(), body["sender"]),
        parse_data=checked.parse_data(),
        input_channel=StrictRestInput.name(),
        metadata=checked.metadata(body.get("metadata")),
    )


class StrictRestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("strict_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not browser_origin_allowed(request.headers.get("origin")):
                # a page elsewhere (a text/plain POST needs no preflight) may not write here
                return bad_request("requests from this page's origin are not allowed", status=403)
            try:
                body = read_body(request)
            except ValueError as error:
                return bad_request(str(error))
            collector = CollectingOutputChannel()
            message = user_message(body, collector)

            async def apologise(text: str) -> None:
                if not collector.messages:  # what was said before the failure stands
                    await collector.send_text_message(message.sender_id, text)

            await handle_or_apologise(on_new_message, message, apologise)
            return response.json(collector.messages)

        return checking_framing(webhook)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()
