"""What the tracker store holds, read in one pass for the report.

Rows are read in id order (the order Rasa wrote them), only those the report needs: user
messages, the bot's replies (each carries what it was in its metadata, key `careerbot`:
kind, answer id, facts, topic, gaps) and the `feedback` slot events (ratings and
comments). A user message and the first reply after it in its conversation make a turn;
only a turn's counts and, for a question the bot could not answer well, its text are
kept, so memory grows with the conversations and those questions, not with the rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
import ujson  # twice as fast as json here (a Rasa dependency)

CONFIDENT = 0.6  # bot/responder.py CONFIDENT: below it an answer is a low-confidence one
FALLBACK = "nlu_fallback"
DAY = 86400
ANSWERED = ("answer", "follow_up")  # kinds that answer the question (gap and decline are counted apart)


@dataclass
class Question:
    """A user message the bot declined, answered with a gap, or answered unsure."""

    text: str
    at: float
    sender: str  # hashed
    channel: str
    reason: str  # "declined", "gap", "low confidence"
    intent: str | None  # the classifier's own first intent (under nlu_fallback too)
    confidence: float
    facts: list[str] = field(default_factory=list)  # what the reply stated
    topic: str | None = None
    gaps: list[str] = field(default_factory=list)
    scope: str | None = None  # a decline for scope: why (out_of_region, other_occupation)
    subject: str | None = None  # and about what ("Germany", "nurses")


@dataclass
class Rating:
    at: float
    sender: str  # hashed
    rating: str  # "up" or "down"
    answer: str | None
    facts: list[str]
    topic: str | None
    comment: str | None


@dataclass
class Contents:
    """What the selection holds: counts for the charts, the questions, the ratings."""

    messages: Counter = field(default_factory=Counter)  # day -> user messages
    conversations: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))  # day -> senders
    kinds: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))  # day -> reply kinds
    topics: Counter = field(default_factory=Counter)  # topic -> answers on it
    channels: Counter = field(default_factory=Counter)  # channel -> user messages
    channel_conversations: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    questions: list[Question] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    channels_seen: set[str] = field(default_factory=set)  # in the dates asked, whatever --channel

    @property
    def total_messages(self) -> int:
        return sum(self.messages.values())

    def all_conversations(self) -> set[str]:
        return set().union(*self.conversations.values()) if self.conversations else set()


def own_intent(parse_data: dict) -> tuple[str | None, float]:
    """The classifier's own first intent and its confidence: under nlu_fallback (Rasa's
    FallbackClassifier fired) the first other intent of the ranking."""
    intent = parse_data.get("intent") or {}
    if intent.get("name") != FALLBACK:
        return intent.get("name"), float(intent.get("confidence") or 0.0)
    for entry in parse_data.get("intent_ranking") or []:
        if entry.get("name") != FALLBACK:
            return entry.get("name"), float(entry.get("confidence") or 0.0)
    return None, 0.0


def reason_for(kind: str | None, text: str, confidence: float) -> str | None:
    """Why a turn belongs in the report's questions, if it does."""
    if kind == "decline":
        return "declined"
    if kind == "gap":
        return "gap"
    if kind in ANSWERED and confidence < CONFIDENT and not text.startswith("/"):
        return "low confidence"
    return None


def read(
    engine: sa.engine.Engine,
    hash_sender,
    since: float | None = None,
    until: float | None = None,
    channel: str | None = None,
) -> Contents:
    """The contents of the store between `since` and `until` (epoch seconds, until
    excluded), on `channel` if given; `hash_sender(id)` is how a sender is shown."""
    from bot.storage.tracker_db import events_table

    table = events_table()
    c = table.c
    query = sa.select(c.sender_id, c.type_name, c.timestamp, c.data).where(
        sa.or_(c.type_name.in_(("user", "bot")), sa.and_(c.type_name == "slot", c.action_name == "feedback"))
    )
    if since is not None:
        query = query.where(c.timestamp >= since)
    if until is not None:
        query = query.where(c.timestamp < until)
    query = query.order_by(c.id)
    contents = Contents()
    hashes: dict[str, str] = {}
    pending: dict[str, tuple] = {}  # sender -> its message waiting for the reply
    channel_of: dict[str, str] = {}  # sender -> channel of its last message
    loads = ujson.loads

    def hashed(sender_id: str) -> str:
        if sender_id not in hashes:
            hashes[sender_id] = hash_sender(sender_id)
        return hashes[sender_id]

    def finish(sender_id: str, message: tuple, reply: dict | None) -> None:
        at, text, message_channel, intent, confidence = message
        kind = reply.get("kind") if reply else None
        day = int(at // DAY)
        contents.messages[day] += 1
        contents.conversations[day].add(sender_id)
        contents.kinds[day][kind or "other"] += 1
        contents.channels[message_channel] += 1
        contents.channel_conversations[message_channel].add(sender_id)
        if reply and reply.get("topic") and kind in ("answer", "gap"):
            contents.topics[reply["topic"]] += 1
        why = reason_for(kind, text, confidence)
        if why is not None:
            scope = reply.get("scope") if why == "declined" else None
            scope = scope if isinstance(scope, dict) else {}
            contents.questions.append(
                Question(
                    text,
                    at,
                    hashed(sender_id),
                    message_channel,
                    why,
                    intent,
                    confidence,
                    list(reply.get("facts") or []),
                    reply.get("topic"),
                    list(reply.get("gaps") or []),
                    scope.get("reason"),
                    scope.get("subject"),
                )
            )

    with engine.connect() as connection:
        rows = connection.execution_options(stream_results=True).execute(query)
        for sender_id, type_name, timestamp, data in rows:
            if type_name == "user":
                event = loads(data)
                message_channel = event.get("input_channel") or "unknown"
                contents.channels_seen.add(message_channel)
                channel_of[sender_id] = message_channel
                if sender_id in pending:  # no reply was stored for the one before
                    finish(sender_id, pending.pop(sender_id), None)
                if channel is not None and message_channel != channel:
                    continue
                intent, confidence = own_intent(event.get("parse_data") or {})
                pending[sender_id] = (timestamp, event.get("text") or "", message_channel, intent, confidence)
            elif type_name == "bot":
                if sender_id in pending:
                    reply = (loads(data).get("metadata") or {}).get("careerbot")
                    finish(sender_id, pending.pop(sender_id), reply if isinstance(reply, dict) else None)
            else:
                if channel is not None and channel_of.get(sender_id) != channel:
                    continue
                value = loads(data).get("value")
                if isinstance(value, dict) and value.get("rating") in ("up", "down"):
                    contents.ratings.append(
                        Rating(
                            timestamp,
                            hashed(sender_id),
                            value["rating"],
                            value.get("answer"),
                            [str(f) for f in value.get("facts") or []],
                            value.get("topic"),
                            value.get("comment") if isinstance(value.get("comment"), str) else None,
                        )
                    )
    for sender_id, message in pending.items():
        finish(sender_id, message, None)
    return contents
