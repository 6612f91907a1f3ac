"""2. No state from typed text (rasa.core.processor.MessageProcessor.parse_message).

Rasa reads `/intent{"slot": value}` typed by any user as an intent with entities, which
slots can take. Here only the bot's own button payloads (Knowledge.button_payloads, no
entities) pass as intents; any other text starting with "/" is read as words by the NLU,
up to its `{entities}` or `@confidence`. The text Rasa stores is the text the user typed.
"""

from __future__ import annotations

import copy
import re
from typing import Any

WHY = (
    "Rasa reads a leading '/' itself, before and inside its graph; bot/channels/guard.py could only"
    " rewrite the text, which would change what is stored and reported, and `make shell` uses"
    " Rasa's own cmdline channel, which the guard does not see"
)
PINS = {
    "rasa.core.processor:MessageProcessor.parse_message": "b98d8e49b9f2c433",
    # strips the text, then reads a leading "/" as an intent (what `readable` undoes)
    "rasa.shared.core.training_data.story_reader.yaml_story_reader:YAMLStoryReader.unpack_regex_message": (
        "bf81f8a66c2c3e52"
    ),
}

INTENT_DATA = re.compile(r"[@{]")  # where Rasa's `/intent@confidence{entities}` data starts


def readable(text: Any, payloads: frozenset[str]) -> str | None:
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


def apply(payloads: frozenset[str]) -> None:
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
