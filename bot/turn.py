"""One turn as the responder sees it (Turn: the message, what Rasa made of it, the slots)
and what it decides (Outcome: the reply and the slots to set)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.reply import Reply


@dataclass
class Turn:
    """One user message with what Rasa made of it and the last answer's slots."""

    text: str
    intent: str | None = None
    confidence: float = 0.0
    entities: Sequence[Mapping] = ()
    last_topic: object = None
    last_facts: object = None
    seen_facts: object = None
    refused: object = None  # "too_long" or "empty": the channel did not let NLU read it
    asked_topics: object = None  # topics answered so far in the conversation
    last_answer: object = None  # the id of the last fact answer (what a rating rates)
    feedback_asked: object = None  # after a 👎: the rated answer a comment would be about
    background: tuple[str, ...] = ()  # what the person told about themselves (bot.reading), set aside
    known_background: object = None  # the slot: what earlier turns told of it (bot.background.Background)
    declined_topic: object = None  # the slot: the topic of the last message, declined as another job's or country's


@dataclass
class Outcome:
    reply: Reply
    seen: list[str] = field(default_factory=list)  # facts shown so far on reply.topic
    asked: list[str] = field(default_factory=list)  # topics answered so far, reply.topic last
    feedback: dict[str, object] | None = None  # a rating or comment to store (bot/feedback.py)
    asking: dict[str, object] | None = None  # the answer whose comment the next message may be
    background: dict[str, object] | None = None  # what this turn told of the person's education and work
    declined: str | None = None  # the topic of a question declined as another job's or country's
