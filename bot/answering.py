"""How the responder answers a question (part of bot.responder.Responder): its parts
(bot.parts) put together, a follow-up in words of its own, a claimed figure checked against
the facts given; a decline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.claims import AMOUNT, CLAIM_CUE, SCALE, UNIT, YEAR, spelled_in
from bot.cues import (
    ADVANCE,
    HAS_TYPE,
    LEANING,
    QUESTION,
)
from bot.grounding import allowed_numbers, numbers_in
from bot.knowledge import Fact
from bot.reply import Section, slot_ids
from bot.thresholds import (
    CONFIDENT,
    SHORT,
)
from bot.turn import Outcome, Turn
from bot.words import plain_words


class Answering:
    def _answer(
        self,
        turn: Turn,
        clean: str,
        terms,
        values,
        confidence: float,
        claimed: list[str],
        notes: Sequence[str] = (),
        texts: list[str] | None = None,
    ) -> Outcome:
        prior = self._topic_of(turn.intent, confidence)
        texts = self._split(clean) if texts is None else texts  # the parts' terms, words and text
        # (one part that is the whole message: its terms are the message's, parsed once)
        parts = self._parts(texts) if clean and texts != [clean] else [terms]
        if claimed:
            parts = [self._without_claims(part) for part in parts]
        sections: list[Section] = []
        if len(parts) == 1:
            leaning = bool(clean) and bool(LEANING.search(clean)) and self.kb.has_topic(turn.last_topic)
            section = self._answer_part(parts[0], turn, prior, values, leaning=leaning, claim=bool(claimed))
            if section is not None:
                sections.append(section)
        else:
            sections += self._answer_parts(parts, texts, terms, turn, prior, values)
        if not sections and prior is None and turn.intent in self.kb.routes and self._known(terms):
            sections.append(Section(self.answers.lead_facts(turn.intent, values), general=True))
        short_question = len(plain_words(clean)) <= SHORT and QUESTION.match(clean)
        if not sections and any(AMOUNT.search(c) for c in claimed):
            # an amount pushed with words no fact holds ("..., my friend swears"): those only
            # say who made the claim, the rest what it is about
            known = self._known(parts[0]) if len(parts) == 1 else []
            section = self._answer_part(known, turn, prior, values, claim=True) if known else None
            if section is not None:
                sections.append(section)
        if (
            not sections
            and self.kb.has_topic(turn.last_topic)
            and (LEANING.search(clean) or short_question or claimed)
            and not (turn.intent == "out_of_scope" and turn.confidence >= CONFIDENT)
        ):
            # a question about what was just said, in words of its own: stay on that topic
            section = self._follow_up(terms, turn, values, least=1e-9) if terms else None
            sections.append(section or Section(self.answers.first_facts(turn.last_topic), general=True))
        if not sections:
            return self._decline(values)
        stated = [f.id for s in sections for f in s.facts]
        if (
            len(sections) == 1
            and sections[0].general
            and self.kb.has_topic(turn.last_topic)
            and set(stated) <= set(slot_ids(turn.last_facts))
            and (ADVANCE.search(clean) or not clean)
        ):
            more = self._more(turn)  # "what else ...?": not the same lead facts again
            if more.reply.facts:
                return more  # (with nothing left to add, the facts asked about are said again)

        stated_ids = {f.id for s in sections for f in s.facts}
        holders = [f for f in self._holders(claimed) if f.id not in stated_ids]
        if holders:  # "indeed says the median is $131,490?": the fact that holds the figure, first
            sections.insert(0, Section(holders))
        facts = [f for s in sections for f in s.facts]
        leads = list(notes)
        unsupported = self._unsupported(claimed, facts, values, clean)
        worded = any(m.group(1) for m in CLAIM_CUE.finditer(clean))
        if unsupported and (worded or not any(s.gap for s in sections) or any(UNIT.search(c) for c in unsupported)):
            leads.append(self.kb.messages["unsupported_figure"])
            if facts and not any(
                HAS_TYPE["amount"](f.text) for f in facts
            ):  # the sources' own figures, to set against it
                figures = [f for f in self._figures_of(facts[0].topics[0]) if f not in facts]
                sections[-1] = replace(sections[-1], facts=sections[-1].facts + figures)
        places = values.get("us_place", [])
        if places:
            leads.append(self.answers.message("local_figures", place=places[0]))
        if leads:
            sections[0] = replace(sections[0], lead=" ".join(leads + [sections[0].lead]).strip())
        return self._answered(sections, self._topic_for(sections, prior), turn)

    def _answered(self, sections: list[Section], topic: str | None, turn: Turn) -> Outcome:
        """A fact answer about `topic`; the facts shown on it so far, this answer's included."""
        seen = slot_ids(turn.seen_facts) if topic == turn.last_topic else []
        reply = self.answers.compose(sections, topic, seen)
        return Outcome(reply, seen + [f for f in reply.facts if f not in seen])

    @staticmethod
    def _topic_for(sections: list[Section], prior: str | None) -> str | None:
        topics = [f.topics[0] for s in sections for f in s.facts]
        if prior in {t for s in sections for f in s.facts for t in f.topics}:
            return prior
        return topics[-1] if topics else None

    def _decline(self, values) -> Outcome:
        return Outcome(self.answers.decline_values(values))

    def _holders(self, claimed: list[str]) -> list[Fact]:
        """The facts holding a figure the user claims (not a year, not a one-digit number)."""
        wanted = [
            numbers_in(c)
            for c in claimed
            if not YEAR.fullmatch(c) and not SCALE.search(c) and any(len(n) >= 2 or "." in n for n in numbers_in(c))
        ]
        return [f for f in self.kb.facts if any(n <= numbers_in(f.text) for n in wanted)]

    def _unsupported(self, claimed: list[str], facts: Sequence[Fact], values, clean: str = "") -> list[str]:
        """The user's figures that `facts` do not hold (a figure in words never is), and
        those credited to a source that does not give them ("Indeed says the median is
        $131,490": the BLS does)."""
        # the facts' own figures and the years they or their sources are dated (a claimed "8
        # years" is not supported by a source accessed on November 8)
        dated = allowed_numbers(facts, self.kb)
        allowed = set().union(*(numbers_in(f.text) for f in facts)) | {n for n in dated if YEAR.fullmatch(n)}
        named = set(values.get("data_source", []))
        unsupported = []
        for claim in claimed:
            if SCALE.search(claim) or not (numbers_in(claim) <= allowed or spelled_in(claim, clean, facts)):
                unsupported.append(claim)
            elif named and not YEAR.fullmatch(claim):
                credited = [f for f in facts if numbers_in(claim) <= numbers_in(f.text) and f.keys.get("data_source")]
                if credited and not any(named & set(f.keys["data_source"]) for f in credited):
                    unsupported.append(claim)
        return unsupported
