"""Load and validate the knowledge file (data/knowledge.yml).

Every problem stops loading with one KnowledgeError whose message names the file,
the entry and the problem, e.g.::

    data/knowledge.yml: facts[3] (pay_median): unknown source id 'blss'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, Extra, PrivateAttr, ValidationError, root_validator, validator

from bot import parse_yaml
from bot.domain import TOPIC_INTENT_PREFIX, Domain

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


class Knowledge(_Strict):
    sources: list[Source]
    facts: list[Fact]
    topics: list[Topic]
    routes: dict[str, Route]
    messages: dict[str, str]
    suggestions: list[Suggestion | str]  # a topic id stands for its `ask` question
    after_answer: AfterAnswer
    scope: Scope
    gaps: list[Gap] = []
    synonyms: list[list[str]] = []
    steps: list[list[str]] = []  # a path in order; each step's facts, the first one given
    kinds: dict[str, Kind] = {}
    forecasts: dict[str, Forecast] = {}  # by subject: "pay", "demand" (bot/reading.py)
    reasons: dict[str, list[str]] = {}  # fact id -> the facts that say why ("why?" after it)

    @validator("forecasts")
    def _forecast_subjects(cls, forecasts: dict[str, Forecast]) -> dict[str, Forecast]:
        unknown = set(forecasts) - {"pay", "demand"}
        if unknown:
            raise ValueError(f"unknown subject {sorted(unknown)[0]!r} (subjects: pay, demand)")
        return forecasts

    @validator("synonyms")
    def _synonym_groups(cls, groups: list[list[str]]) -> list[list[str]]:
        seen: dict[str, int] = {}
        for number, group in enumerate(groups):
            if len(group) < 2:
                raise ValueError(f"group {number} ({group}) needs at least two words")
            if not re.fullmatch(r"[a-z0-9'-]+", group[0]):
                raise ValueError(f"group {number}: its first entry {group[0]!r} must be one lower-case word")
            for word in group:
                if not re.fullmatch(r"[a-z0-9'-]+( [a-z0-9'-]+){0,2}", word):
                    raise ValueError(f"group {number}: {word!r} must be one to three lower-case words")
                if word in seen:
                    raise ValueError(f"{word!r} is in group {seen[word]} and group {number}")
                seen[word] = number
        return groups

    def synonym_map(self) -> dict[str, str]:
        """word (or phrase of up to three words, "job ads") -> the first word of its group."""
        return {word: group[0] for group in self.synonyms for word in group}

    _sources: dict[str, Source] = PrivateAttr(default_factory=dict)
    _facts: dict[str, Fact] = PrivateAttr(default_factory=dict)
    _topics: dict[str, Topic] = PrivateAttr(default_factory=dict)
    _gaps: dict[str, Gap] = PrivateAttr(default_factory=dict)

    # Lookups, built once after validation.
    def source(self, source_id: str) -> Source:
        return self._sources[source_id]

    def fact(self, fact_id: str) -> Fact:
        return self._facts[fact_id]

    def topic(self, topic_id: str) -> Topic:
        return self._topics[topic_id]

    def topic_question(self, topic_id: str) -> Suggestion | None:
        """The button that asks about a topic: its `ask` and its general route's intent."""
        return _topic_button(self._topics[topic_id], self.routes)

    def button_payloads(self) -> list[str]:
        """Every payload a button of the bot can send (the only typed intents it accepts)."""
        buttons = list(self.suggestions) + [button for _, button in self.after_answer.fixed()]
        buttons += [b for b in (self.topic_question(t.id) for t in self.topics) if b is not None]
        return list(dict.fromkeys(b.payload for b in buttons))

    def gap(self, gap_id: str) -> Gap:
        return self._gaps[gap_id]

    def has_fact(self, fact_id: object) -> bool:
        return isinstance(fact_id, str) and fact_id in self._facts

    def has_topic(self, topic_id: object) -> bool:
        return isinstance(topic_id, str) and topic_id in self._topics

    def facts_of(self, topic_id: str) -> list[Fact]:
        """The topic's facts in file order."""
        return [f for f in self.facts if topic_id in f.topics]


def _entry_name(section: str, index: int, raw: object) -> str:
    if isinstance(raw, dict) and raw.get("id"):
        return f"{section}[{index}] ({raw['id']})"
    return f"{section}[{index}]"


def _describe(error: ValidationError, raw: dict) -> str:
    """The first pydantic error, phrased as 'entry: problem'."""
    first = error.errors()[0]
    loc = list(first["loc"])
    entry, field = [], []
    if loc and loc[0] in ("sources", "facts", "topics", "suggestions", "gaps") and len(loc) > 1:
        section, index = loc[0], loc[1]
        items = raw.get(section) or []
        item = items[index] if isinstance(index, int) and index < len(items) else None
        entry = [_entry_name(section, index, item)]
        field = loc[2:]
    elif loc and loc[0] in ("routes", "messages") and len(loc) > 1:
        entry = [f"{loc[0]}.{loc[1]}"]
        field = loc[2:]
    else:
        entry = [".".join(str(part) for part in loc) or "top level"]
    message = first["msg"]
    if first["type"] == "value_error.missing":
        message = "missing field"
    elif first["type"] == "value_error.extra":
        message = "unknown field"
    where = f"{entry[0]} field '{'.'.join(str(p) for p in field)}'" if field else entry[0]
    return f"{where}: {message}"


def _duplicates(section: str, items: Iterable) -> str | None:
    seen = set()
    for index, item in enumerate(items):
        if item.id in seen:
            return f"{section}[{index}] ({item.id}): duplicate id '{item.id}'"
        seen.add(item.id)
    return None


def _check_keys(kb: Knowledge, entity_ids: Mapping[str, frozenset[str]]) -> str | None:
    """Fact keys and the scope must name entity labels and ids the patterns produce."""
    for index, fact in enumerate(kb.facts):
        for label, values in fact.keys.items():
            where = f"facts[{index}] ({fact.id}) field 'keys.{label}'"
            if label not in entity_ids:
                return f"{where}: unknown entity label '{label}' (labels: {', '.join(entity_ids)})"
            for value in values:
                if value not in entity_ids[label]:
                    return f"{where}: no entity pattern has id '{value}' (ids: {', '.join(sorted(entity_ids[label]))})"
    for label, value in kb.scope.dict().items():
        if value not in entity_ids.get(label, ()):
            return f"scope.{label}: no entity pattern with label '{label}' has id '{value}'"
    return None


def _check_domain(kb: Knowledge, domain: Domain) -> str | None:
    """Every topic intent has a route; every suggestion asks a real intent."""
    for intent in sorted(set(domain.topic_intents) - set(kb.routes)):
        return f"routes: intent '{intent}' needs a topic, but no route covers it"
    buttons = [(f"suggestions[{i}]", s) for i, s in enumerate(kb.suggestions) if not isinstance(s, str)]
    buttons += [(f"after_answer.{name}", button) for name, button in kb.after_answer.fixed()]
    for where, suggestion in buttons:
        if suggestion.intent not in domain.intents:
            return f"{where} ({suggestion.title}): payload '{suggestion.payload}' names no intent in domain.yml"
    return None


def _cross_check(kb: Knowledge) -> str | None:
    for section, items in (("sources", kb.sources), ("facts", kb.facts), ("topics", kb.topics), ("gaps", kb.gaps)):
        problem = _duplicates(section, items)
        if problem:
            return problem
    source_ids = {s.id for s in kb.sources}
    topic_ids = {t.id for t in kb.topics}
    fact_ids = {f.id for f in kb.facts}
    for index, fact in enumerate(kb.facts):
        where = f"facts[{index}] ({fact.id})"
        for source_id in fact.sources:
            if source_id not in source_ids:
                return f"{where}: unknown source id '{source_id}'"
        for topic_id in fact.topics:
            if topic_id not in topic_ids:
                return f"{where}: unknown topic '{topic_id}' (add it under topics)"
    for index, gap in enumerate(kb.gaps):
        where = f"gaps[{index}] ({gap.id})"
        if gap.topic not in topic_ids:
            return f"{where}: unknown topic '{gap.topic}'"
        for fact_id in gap.facts:
            if fact_id not in fact_ids:
                return f"{where}: unknown fact id '{fact_id}'"
        if gap.id in fact_ids:
            return f"{where}: id '{gap.id}' is also a fact's id"
    for subject, forecast in kb.forecasts.items():
        for fact_id in forecast.facts:
            if fact_id not in fact_ids:
                return f"forecasts.{subject}: unknown fact id '{fact_id}'"
        if forecast.topic is not None and forecast.topic not in topic_ids:
            return f"forecasts.{subject}: unknown topic '{forecast.topic}'"
    for fact_id, because in kb.reasons.items():
        for other in [fact_id, *because]:
            if other not in fact_ids:
                return f"reasons.{fact_id}: unknown fact id '{other}'"
        if not because:
            return f"reasons.{fact_id}: name at least one fact that says why"
    stepped: dict[str, int] = {}
    for index, step in enumerate(kb.steps):
        if not step:
            return f"steps[{index}]: a step needs at least one fact id"
        for fact_id in step:
            if fact_id not in fact_ids:
                return f"steps[{index}]: unknown fact id '{fact_id}'"
            if fact_id in stepped:
                return f"steps[{index}]: fact '{fact_id}' is already in steps[{stepped[fact_id]}]"
            stepped[fact_id] = index
    if len(kb.steps) == 1:
        return "steps: a path needs at least two steps"
    for index, topic in enumerate(kb.topics):
        if not kb.facts_of(topic.id):
            return f"topics[{index}] ({topic.id}): no fact covers this topic"
    for intent, route in kb.routes.items():
        where = f"routes.{intent}"
        if not intent.startswith(TOPIC_INTENT_PREFIX):
            return f"{where}: route names must be topic intents starting with '{TOPIC_INTENT_PREFIX}'"
        if route.topic not in topic_ids:
            return f"{where}: unknown topic '{route.topic}'"
        for fact_id in route.facts:
            if fact_id not in fact_ids:
                return f"{where}: unknown fact id '{fact_id}'"
            if route.topic not in kb.fact(fact_id).topics:
                return f"{where}: fact '{fact_id}' is not in topic '{route.topic}'"
    for name in REQUIRED_MESSAGES:
        if not kb.messages.get(name):
            return f"messages.{name}: missing message"
    return None


def _check_buttons(kb: Knowledge) -> str | None:
    """Topics named as buttons (suggestions, `next`) can be asked: an `ask` and a route.
    A suggestion given as a topic id becomes that topic's question."""
    topic_ids = {t.id for t in kb.topics}
    for index, item in enumerate(kb.suggestions):
        if isinstance(item, str):  # a topic id: its `ask` question
            button = kb.topic_question(item) if item in topic_ids else None
            if button is None:
                return f"suggestions[{index}] ({item}): not a topic with an `ask` question and a route without `facts`"
            kb.suggestions[index] = button
    for index, topic in enumerate(kb.topics):
        for other in topic.next:
            if other not in topic_ids:
                return f"topics[{index}] ({topic.id}): next: unknown topic '{other}'"
            if kb.topic_question(other) is None:
                return (
                    f"topics[{index}] ({topic.id}): next: topic '{other}' needs an `ask` question "
                    f"and a route without `facts` to be offered"
                )
    return None


def load_knowledge(
    path: str | Path, domain: Domain | None = None, entity_ids: Mapping[str, frozenset[str]] | None = None
) -> Knowledge:
    """Read, validate and index the knowledge file, or raise KnowledgeError.

    With `domain` (bot.domain.read_domain) the routes and suggestions are checked against
    its intents; with `entity_ids` (EntityNormaliser.ids) the fact keys and the scope
    against the entity patterns. bot.answers.load_answers passes both.
    """
    path = Path(path)
    try:
        raw = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise KnowledgeError(f"{path}: cannot read the file: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise KnowledgeError(
            f"{path}: top level: expected a mapping with sources, facts, topics, routes, messages, suggestions, after_answer and scope"
        )
    try:
        kb = Knowledge.parse_obj(raw)
    except ValidationError as error:
        raise KnowledgeError(f"{path}: {_describe(error, raw)}") from None
    kb._sources = {s.id: s for s in kb.sources}
    kb._facts = {f.id: f for f in kb.facts}
    kb._topics = {t.id: t for t in kb.topics}
    kb._gaps = {g.id: g for g in kb.gaps}
    problem = (
        _cross_check(kb)
        or (domain and _check_domain(kb, domain))
        or (entity_ids is not None and _check_keys(kb, entity_ids))
        or _check_buttons(kb)
    )
    if problem:
        raise KnowledgeError(f"{path}: {problem}")
    return kb
