"""The knowledge file as a whole (Knowledge): its sections and lookups by id."""

from __future__ import annotations

import re

from pydantic import PrivateAttr, validator

from bot.knowledge.entries import (
    AfterAnswer,
    Fact,
    Forecast,
    Gap,
    Kind,
    Route,
    Scope,
    Source,
    Suggestion,
    Topic,
    _Strict,
    _topic_button,
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
