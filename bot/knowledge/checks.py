"""What the knowledge file must hold across its entries (ids that exist, no duplicates,
the domain's intents, the entity patterns' values), each check giving the first problem
as 'entry: problem' or None."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import ValidationError

from bot.domain import TOPIC_INTENT_PREFIX, Domain
from bot.knowledge.entries import REQUIRED_MESSAGES
from bot.knowledge.model import Knowledge


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
