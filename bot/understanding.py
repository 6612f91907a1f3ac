"""How the responder reads a message (part of bot.responder.Responder): its index terms,
the entity values it names (a job or country of the user's own background left out), its
question parts, the intent one part reads like, and whether it holds anything the bot
recognises."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.cues import (
    ABOUT_ME,
    ASKS_SOURCE,
    BACKGROUND_CUE,
    CHAT_QUESTION,
    CHITCHAT,
    COMMA_QUESTION,
    DATE_CUE,
    DECLINE_INTENTS,
    FOLLOW_UPS,
    LEADING_LINK,
    LEANING,
    LETTERS,
    PART_SPLIT,
    QUESTION,
    WORDS,
)
from bot.reading import Reading, read
from bot.reply import slot_ids
from bot.thresholds import (
    CHITCHAT_CONFIDENT,
    CONFIDENT,
    SHORT,
)
from bot.turn import Turn
from bot.words import DOMAIN_STOP, plain_words


class Understanding:
    def reading(self, turn: Turn) -> Reading | None:
        """The message read as a whole (bot.reading); None for a button or a refused message."""
        text = turn.text if isinstance(turn.text, str) else ""
        if turn.refused or not text.strip() or text.lstrip().startswith("/"):
            return None
        return read(text, date.today().year, self.horizon, jobs=self.occupations.titles)

    @property
    def horizon(self) -> int | None:
        """The last year the sources forecast demand to (data/knowledge.yml `forecasts`)."""
        demand = self.kb.forecasts.get("demand")
        return demand.until if demand else None

    def _entities(self, turn: Turn, clean: str, doc) -> dict[str, list[str]]:
        """Canonical entity values, from Rasa and from our own pipeline; a country or an
        occupation named as the user's own background is left out."""
        found = [dict(e) for e in turn.entities if isinstance(e, Mapping)]
        found += [{"entity": e.label_, "value": e.text, "start": e.start_char} for e in doc.ents]
        kept = []
        for entity in found:
            start = entity.get("start")
            if (
                entity.get("entity") in ("country", "occupation")
                and isinstance(start, int)
                and 0 <= start <= len(clean)
                and BACKGROUND_CUE.search(clean[:start])
            ):
                continue
            kept.append(entity)
        values = self.answers.entities.normalise(kept)
        named = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "occupation"]
        for title in self.occupations.titles(clean):
            end = title.start + len(title.text)
            if any(s < end and title.start < e for s, e in named) or BACKGROUND_CUE.search(clean[: title.start]):
                continue  # a listed job (its own id), or the user's own background
            values.setdefault("occupation", [])
            if title.name not in values["occupation"]:
                values["occupation"].append(title.name)
        return values

    def _values_in(self, text: str, values: Mapping[str, list[str]]) -> dict[str, list[str]]:
        """The message's entity values that this part of it names."""
        found = self.answers.entities.normalise(
            [{"entity": e.label_, "value": e.text} for e in self.analyzer.nlp(text).ents]
        )
        return {
            label: [v for v in ids if v in values.get(label, [])]
            for label, ids in found.items()
            if any(v in values.get(label, []) for v in ids)
        }

    @staticmethod
    def _split(clean: str) -> list[str]:
        """The questions of a message. A sentence that tells about the user ("I'm thinking
        about a master's.", "I've never taken a class.") is not one: it is read with the
        question that follows it."""
        parts, told = [], ""
        split = [
            q
            for p in PART_SPLIT.split(clean)
            if p
            for q in (COMMA_QUESTION.split(p) if QUESTION.match(p) or CHAT_QUESTION.match(p) else [p])
        ]
        for part in (p for p in split if WORDS.search(p)):
            if ABOUT_ME.match(part) and not QUESTION.match(part):
                told = f"{told} {part}".strip()
                continue
            parts.append(f"{told} {part}".strip())
            told = ""
        return parts + [told] if told else parts

    def _terms(self, doc) -> list[str]:
        """Index terms of a parsed text; a number no fact holds is a claim to check, not a
        word to look for."""
        known = self.retriever.facts.vocabulary
        # "I'm a nurse, ...": who asks, not what; words no fact holds only water the question down
        background = [
            i
            for e in doc.ents
            if e.label_ == "occupation" and BACKGROUND_CUE.search(doc.text[: e.start_char])
            for i in range(e.start, e.end)
            if not set(self.analyzer.terms(doc[i].text)) & known
        ]
        return [t for t in self.analyzer.terms_of(doc, background) if not t[:1].isdigit() or t in known]

    def _parts(self, texts: list[str]) -> list[list[str]]:
        """The terms of each question of a message (a part may have none: "what do they
        do?" is all stop words, and the intent tells what it asks)."""
        return [self._terms(self.analyzer.nlp(p)) for p in texts] or [[]]

    def _recognised(self, doc, terms, intent: str | None, confidence: float, last: list[str] | None = None) -> bool:
        """Does the message hold a word the bot knows what to do with? Numbers, symbols,
        markup, SQL and stop words alone are not enough, unless the classifier is sure it
        is chitchat or a follow-up ("hi", "tell me more", "where is that from?")."""
        if not LETTERS.search(doc.text):
            return False
        if (
            intent in CHITCHAT
            and confidence >= CHITCHAT_CONFIDENT
            or (intent in FOLLOW_UPS and confidence >= CONFIDENT)
        ):
            return True
        words = [
            t
            for t in terms
            if not t[:1].isdigit()
            or last is not None
            and len(t) >= 2
            and any(self.retriever.facts.holds(f, t) for f in last)
        ]  # "is 21% a lot?" after the 21%
        domain = [t for t in doc if t.lower_ in DOMAIN_STOP and len(t.lower_) > 1 and t.is_alpha]
        if not words and not domain:
            return False
        return bool(words) or (intent not in DECLINE_INTENTS and confidence >= CONFIDENT)

    def _known(self, terms) -> list[str]:
        """The terms a fact, a gap or a topic's training example holds ("usd", "bitcoin": none)."""
        return [t for t in terms if t in self.retriever.topic_vocabulary]

    def _leans_on_last(self, clean: str, turn: Turn) -> bool:
        """A question that only makes sense after the last answer ("is that a lot?",
        "through when?"): stop words alone, but about the facts just given."""
        words = len(plain_words(clean))
        return (
            self.kb.has_topic(turn.last_topic)
            and bool(slot_ids(turn.last_facts))
            and words <= 2 * SHORT
            and bool(WORDS.search(clean))
            and (
                bool(DATE_CUE.search(clean))
                or bool(ASKS_SOURCE.search(clean))
                or any(c.search(clean) for c in self.asked_type.values())  # "thru when", "is that in the US only"
                or words <= SHORT
                and bool(LEANING.search(clean))
                and (clean.rstrip().endswith("?") or bool(QUESTION.match(LEADING_LINK.sub("", clean))))
            )
        )

    def _part_intent(self, text: str, words) -> tuple[str | None, float]:
        """The intent one part of a message reads like, and how sure that is."""
        if self.part_intents is not None:
            return self.part_intents.classify(text)
        return self.retriever.closest_example(words)

    @staticmethod
    def _without_claims(terms: list[str]) -> list[str]:
        """Terms without the one-digit numbers of a claim; a year or figure the facts hold still
        points at them ("... through 2031, correct?")."""
        return [t for t in terms if not t[:1].isdigit() or len(t) >= 2]
