"""Fixes to Rasa 3.6.21 itself, applied at start by bot.server.serve (never by editing
.venv). tests/test_patches.py fails if the pinned Rasa changes a patched function.

1. A reply to every message (rasa.core.actions.action.RemoteAction.run). Rasa logs an
   action server that is down, frozen or failing and sends the user nothing (`[]`),
   after up to 5 minutes (DEFAULT_REQUEST_TIMEOUT). Here the call is cut after
   ACTION_TIMEOUT seconds (default 2.5) and any failure becomes the knowledge file's
   `action_failed` apology; the user's message is stored as usual.
2. No state from typed text (rasa.core.processor.MessageProcessor.parse_message).
   Rasa reads `/intent{"slot": value}` typed by any user as an intent with entities,
   which slots can take. Here only the bot's own button payloads
   (Knowledge.button_payloads, no entities) pass as intents; any other text starting
   with "/" is read as words by the NLU, up to its `{entities}` or `@confidence`.
3. GET / says hello without the Rasa version (rasa.server.add_root_route), and request
   bodies over bot.channels.guard.REQUEST_MAX_BYTES get 413 from Sanic.
4. The shell keeps its free-text prompt after an answer with quick replies
   (rasa.core.channels.console._print_bot_output): Rasa turns the buttons of the latest
   message into a selection menu, which after every answer would make the user pick
   "Type out your own message..." before each question. Here the text is printed, then
   the buttons as a list of what can be typed (their payloads work as typed text).
"""
from __future__ import annotations

import asyncio
import copy
import logging
import os
import re
from typing import Any, FrozenSet, Optional

logger = logging.getLogger(__name__)

APPLIED = False
DEFAULT_ACTION_TIMEOUT = 2.5
ROOT_TEXT = "Hello from the career bot"
INTENT_DATA = re.compile(r"[@{]")  # where Rasa's `/intent@confidence{entities}` data starts


def action_timeout() -> float:
    try:
        return float(os.environ.get("ACTION_TIMEOUT", DEFAULT_ACTION_TIMEOUT))
    except ValueError:
        return DEFAULT_ACTION_TIMEOUT


def _knowledge():
    from bot import KNOWLEDGE_FILE
    from bot.knowledge import load_knowledge

    return load_knowledge(KNOWLEDGE_FILE)


def own_payloads() -> FrozenSet[str]:
    """The payloads of the bot's own buttons: the only typed intents it accepts."""
    return frozenset(_knowledge().button_payloads())


def apology() -> str:
    return _knowledge().messages["action_failed"]


def _patch_remote_action(apology_text: str) -> None:
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered

    original = RemoteAction.run

    async def run(self, output_channel, nlg, tracker, domain):
        try:
            return await asyncio.wait_for(original(self, output_channel, nlg, tracker, domain),
                                          action_timeout())
        except ActionExecutionRejection:
            raise
        except Exception as error:  # noqa: BLE001 - down, timed out, failed: still a reply
            reason = "timed out" if isinstance(error, asyncio.TimeoutError) else type(error).__name__
            logger.error("action %s failed (%s); the user got the apology", self.name(), reason)
            return [BotUttered(text=apology_text, metadata={"action_failed": True})]

    run.__wrapped__ = original
    RemoteAction.run = run


def readable(text: Any, payloads: FrozenSet[str]) -> Optional[str]:
    """The text to give the NLU instead of `text`, or None to leave it as it is: text
    starting with "/" that is not one of the bot's own payloads is read as words."""
    if not isinstance(text, str) or not text.strip().startswith("/") or text.strip() in payloads:
        return None
    words = text.strip()
    while words.startswith("/"):  # Rasa's regex intent reader fires on a leading "/"
        words = words[1:].strip()  # (after stripping spaces: YAMLStoryReader.unpack_regex_message)
    # What follows the name in `/intent@0.9{"slot": value}` is data, not words: read, a
    # value such as "pay_median" steered the classifier to the answer it names.
    words = INTENT_DATA.split(words, maxsplit=1)[0].strip()
    return words or "?"  # the NLU fails on empty text; "?" has no word: the bot declines


def _patch_parse_message(payloads: FrozenSet[str]) -> None:
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor.parse_message

    async def parse_message(self, message, tracker=None, only_output_properties=True):
        words = readable(message.text, payloads)
        if words is None:
            parse_data = await original(self, message, tracker, only_output_properties)
            if isinstance(message.text, str) and message.text.strip().startswith("/"):
                parse_data["entities"] = []  # a payload carries no entities
            return parse_data
        shadow = copy.copy(message)
        shadow.text = words
        parse_data = await original(self, shadow, tracker, only_output_properties)
        parse_data["text"] = message.text
        return parse_data

    parse_message.__wrapped__ = original
    MessageProcessor.parse_message = parse_message


def _patch_root_route() -> None:
    import rasa.server
    from sanic import response

    from bot.channels.guard import REQUEST_MAX_BYTES

    original = rasa.server.add_root_route

    def add_root_route(app) -> None:
        app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES

        @app.get("/")
        async def hello(_request):
            return response.text(ROOT_TEXT)

    add_root_route.__wrapped__ = original
    rasa.server.add_root_route = add_root_route


def _patch_console() -> None:
    from rasa.core.channels import console

    original = console._print_bot_output

    def _print_bot_output(message, is_latest_message=False, color=console.rasa.shared.utils.io.bcolors.OKBLUE):
        buttons = message.get("buttons") or []
        original({k: v for k, v in message.items() if k != "buttons"}, False, color)
        for index, button in enumerate(buttons):
            console.rasa.shared.utils.cli.print_color(console.cli_utils.button_to_string(button, index),
                                                      color=color)
        return None

    _print_bot_output.__wrapped__ = original
    console._print_bot_output = _print_bot_output


def apply() -> None:
    global APPLIED
    if APPLIED:
        return
    _patch_remote_action(apology())
    _patch_parse_message(own_payloads())
    _patch_root_route()
    _patch_console()
    APPLIED = True
