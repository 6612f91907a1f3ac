"""The knowledge file's entries, each a strict pydantic model: sources, facts, gaps,
topics, routes, suggestions, kinds, forecasts and the scope."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from pydantic import BaseModel, Extra, root_validator, validator

# A suggestion's payload: an intent, optionally with entities, as Rasa parses `/intent{...}`.
PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z0-9_-]+)(?P<entities>\{.*\})?$")


class KnowledgeError(Exception):
    """The knowledge file cannot be used; the message says where and why."""


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True
        allow_mutation = False


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _phrases(value: list[str], required: bool) -> list[str]:
    """`asks`: example questions or key phrases, each non-empty, no repeats."""
    if required and not value:
        raise ValueError("needs at least one phrase")
    seen = set()
    for phrase in value:
        if not phrase.strip():
            raise ValueError("a phrase must not be empty")
        if phrase.lower() in seen:
            raise ValueError(f"phrase {phrase!r} is listed twice")
        seen.add(phrase.lower())
    return value


class Source(_Strict):
    id: str
    publisher: str
    title: str
    url: str
    accessed: date | None = None
    date_note: str | None = None

    _blank = validator("id", "publisher", "title", "url", allow_reuse=True)(_not_blank)

    @validator("url")
    def _http(cls, value: str) -> str:
        if not re.match(r"https?://\S+$", value):
            raise ValueError(f"url must start with http:// or https://, got {value!r}")
        return value

    @root_validator(skip_on_failure=True)
    def _dated(cls, values):
        if values.get("accessed") is None and not values.get("date_note"):
            raise ValueError("needs `accessed` (YYYY-MM-DD) or a `date_note` saying how old it is")
        return values


AS_OF_PATTERN = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


class Fact(_Strict):
    id: str
    topic: str | list[str]
    text: str
    sources: list[str]
    as_of: str | None = None
    keys: dict[str, list[str]] = {}
    asks: list[str] = []

    _blank = validator("id", "text", allow_reuse=True)(_not_blank)
    _asks = validator("asks", allow_reuse=True)(lambda value: _phrases(value, required=False))

    @validator("as_of", pre=True)
    def _as_of(cls, value):
        if value is None:
            return None
        value = str(value)
        match = AS_OF_PATTERN.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"as_of must be YYYY-MM or YYYY-MM-DD, got {value!r}")
        return value

    @validator("sources")
    def _has_source(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least one source id")
        return value

    @property
    def topics(self) -> list[str]:
        return [self.topic] if isinstance(self.topic, str) else list(self.topic)


class Gap(_Strict):
    """A detail users ask about that the sources do not hold: the bot says so plainly,
    then offers the closest facts (`facts`, or the topic's first ones)."""

    id: str
    topic: str
    detail: str
    asks: list[str]
    facts: list[str] = []

    _blank = validator("id", "detail", allow_reuse=True)(_not_blank)
    _asks = validator("asks", allow_reuse=True)(lambda value: _phrases(value, required=True))


class Topic(_Strict):
    id: str
    title: str
    first: int = 1
    ask: str | None = None  # the question a button offering this topic shows
    next: list[str] = []  # topics offered after an answer on this one, in order

    @validator("first")
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("first must be at least 1")
        return value


class Route(_Strict):
    topic: str
    facts: list[str] = []


class Suggestion(_Strict):
    title: str
    payload: str

    @validator("payload")
    def _intent_payload(cls, value: str) -> str:
        if not PAYLOAD.match(value):
            raise ValueError(f"payload must be an intent such as /ask_pay, got {value!r}")
        return value

    @property
    def intent(self) -> str:
        return PAYLOAD.match(self.payload).group("intent")


def _topic_button(topic: Topic, routes: Mapping[str, Route]) -> Suggestion | None:
    """The button asking about `topic`: its `ask` question, sent as its general route's intent."""
    intent = next((i for i, r in routes.items() if r.topic == topic.id and not r.facts), None)
    if topic.ask is None or intent is None:
        return None
    return Suggestion(title=topic.ask, payload=f"/{intent}")


class AfterAnswer(_Strict):
    """The quick replies after a fact answer: "tell me more" (while the topic has more),
    "where is that from?", up to `related` questions on the topic's `next` topics that the
    user has not asked about yet, then the ratings of the answer (👍 `helpful`, 👎
    `unhelpful`)."""

    more: Suggestion
    source: Suggestion
    helpful: Suggestion
    unhelpful: Suggestion
    related: int = 2

    def fixed(self) -> list[tuple[str, Suggestion]]:
        """The buttons that are not topic questions, by their key."""
        return [(name, getattr(self, name)) for name in ("more", "source", "helpful", "unhelpful")]


class Kind(_Strict):
    """Something a short "which ...?" follow-up can ask for (a subject, say): the words that
    ask for it and the phrases that name one in a fact's text."""

    asked: list[str]
    named: list[str]

    @validator("asked", "named")
    def _listed(cls, value: list[str]) -> list[str]:
        return _phrases(value, required=True)


class Forecast(_Strict):
    """What the sources forecast about one subject of questions about the future ("pay",
    "demand"; bot/forecast.py): the facts that hold a forecast, and the last year it
    reaches. No facts: the sources make no forecast of it."""

    subject: str  # how replies name it: "demand for machine learning engineers"
    topic: str | None = None  # the topic whose question the reply offers (no facts: today's figures)
    facts: list[str] = []
    until: int | None = None

    _blank = validator("subject", allow_reuse=True)(_not_blank)

    @validator("until", always=True)
    def _until_with_facts(cls, until, values):
        if until is not None and not values.get("facts"):
            raise ValueError("`until` needs the `facts` that forecast to it")
        if until is None and values.get("facts"):
            raise ValueError("facts that forecast need `until`, the last year they reach")
        return until


class Scope(_Strict):
    """The one country and the one occupation the sources cover (entity pattern ids)."""

    country: str
    occupation: str


REQUIRED_MESSAGES = (
    "greet",
    "help",
    "sources_heading",
    "sources_of_last",
    "no_answer_yet",
    "more_prompt",
    "no_more",
    "nothing_to_continue",
    "decline",
    "out_of_region",
    "other_occupation",
    "part_out_of_region",
    "part_other_occupation",
    "gap",
    "unsupported_figure",
    "local_figures",
    "figure_dates",
    "no_reference_year",
    "goodbye",
    "thanks",
    "bot_challenge",
    "action_failed",
    "too_long",
    "empty_message",
    "feedback_thanks",
    "feedback_ask",
    "feedback_noted",
    "nothing_to_rate",
    "no_forecast",
    "forecast_until",
)
