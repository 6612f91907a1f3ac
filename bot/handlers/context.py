"""What the handlers of one turn share, computed once (bot/handlers/__init__.py runs them).

The message is read as a whole first (bot.reading): a story before the question is set
aside and the question read instead, with the intent it reads like when Rasa, which read
the whole message, was not sure of a topic. Then it is cleaned (markup, idioms, number
words, what the user sets aside), parsed once, and its index terms, claimed figures and
entity values taken. What only some handlers need (the best-ranked entry, a typed
follow-up) is computed the first time one asks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from typing import Any

from bot.claims import claimed_figures, digits_for_words
from bot.cues import CHAT_FOR, CHAT_TO, IDIOM, MARKUP, UNASKED
from bot.reading import HERE, Reading
from bot.retrieval import Hit
from bot.turn import Turn
from bot.words import plain_words


@dataclass
class Context:
    responder: Any  # bot.responder.Responder: its ranking and formatting (which imports this module)
    turn: Turn  # as handlers read it: the question of a story, Rasa's intent or the part's
    reading: Reading | None  # None for a button, a refused or an empty message
    text: str
    intent: str | None
    confidence: float
    payload: bool  # a button, or an intent typed as /intent
    clean: str  # "" for a payload
    doc: Any
    terms: list[str]  # [] for a payload
    claimed: list[str]
    values: dict[str, list[str]]

    @cached_property
    def strong(self) -> Hit | None:
        """The entry that best accounts for the message's terms."""
        return self.responder._best(self.terms) if self.terms else None

    @cached_property
    def parts(self) -> list[str]:
        """The questions of the message (bot.understanding's split), split once."""
        return self.responder._split(self.clean)

    @cached_property
    def typed(self):
        """ "What year?", "by how much?" right after an answer: the section it asks for."""
        return self.responder._typed_follow_up(self.clean, self.terms, self.turn, self.values) if self.clean else None

    @property
    def kb(self):
        return self.responder.kb

    @property
    def this_year(self) -> int:
        return date.today().year

    @property
    def horizon(self) -> int | None:
        return self.responder.horizon

    @property
    def answers(self):
        return self.responder.answers


def context_of(responder, turn: Turn) -> Context:
    reading = responder.reading(turn)
    if reading is not None and reading.rewritten:
        # Rasa read the whole message, story and all: what does the question alone read like?
        intent, confidence = responder._part_intent(reading.text, plain_words(reading.text))
        turn = replace(
            turn, text=reading.text, intent=intent, confidence=confidence, entities=(), background=reading.told
        )
    text = turn.text if isinstance(turn.text, str) else ""
    intent = turn.intent if isinstance(turn.intent, str) else None
    confidence = turn.confidence if isinstance(turn.confidence, (int, float)) else 0.0
    payload = text.startswith("/")
    clean = IDIOM.sub(" ", MARKUP.sub(" ", text))
    clean = " ".join(digits_for_words(CHAT_FOR.sub("for", CHAT_TO.sub("to", clean))).split())
    if not payload:  # "never mind the ranking, ...", "the median, not the average"
        clean = " ".join(UNASKED.sub(lambda m: m.group(1), clean).split())
    doc = responder.analyzer.nlp(clean[:1000])
    terms = responder._terms(doc)
    claimed = claimed_figures(clean) if not payload else []
    if claimed:  # "it only came in at #3": the 3 is the claim, not a topic
        terms = responder._without_claims(terms)
    if payload:  # a button's intent says what it asks: no words to read
        values = responder.answers.entities.normalise(turn.entities)
        terms, clean = [], ""
    else:
        values = responder._entities(turn, clean, doc)
        aside = [s for s in reading.sentences if s not in reading.text] if reading is not None else []
        if aside and HERE.search(clean) and not values.get("us_place"):
            # "I'm in the Seattle area. What's the pay around here?": the place the story names
            told = " ".join(aside)
            place = responder._entities(Turn(told), told, responder.analyzer.nlp(told)).get("us_place")
            if place:
                values = {**values, "us_place": place}
    return Context(responder, turn, reading, text, intent, confidence, payload, clean, doc, terms, claimed, values)
