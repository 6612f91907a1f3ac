"""How the responder answers a question (part of bot.responder.Responder): its parts, each
from the facts ranked for it with the intent it reads like; the part beside another job or
country; a claimed figure checked against the facts given; a decline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.answers import Section, slot_ids
from bot.claims import AMOUNT, CLAIM_CUE, SCALE, UNIT, YEAR, spelled_in
from bot.cues import (
    ADVANCE,
    COUNTING,
    DECLINE_INTENTS,
    HAS_TYPE,
    LEANING,
    NAMING,
    OWN_BACKGROUND,
    QUESTION,
)
from bot.grounding import allowed_numbers, numbers_in
from bot.knowledge import Fact
from bot.reading import ML_WORDS
from bot.thresholds import (
    ANSWER_COVERAGE,
    CONFIDENT,
    GAP_COVERAGE,
    INTENT_COVERAGE,
    INTENT_MARGIN,
    LEANING_COVERAGE,
    LONE_WORD_PHRASE,
    OVERRIDE_COVERAGE,
    PLAIN_SIMILARITY,
    SECOND_OPINION,
    SHORT,
)
from bot.turn import Outcome, Turn
from bot.words import plain_words

# A short part that names this career or the US is not about the place or job before it.
MINE = re.compile(ML_WORDS.pattern + r"|\b(?:us|usa|u\.s\.?|united states|america|the states)\b", re.I)


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
            covered = set()
            context = turn  # a later part may lean on an earlier one ("... and how long is it?")
            for part, text in zip(parts, texts, strict=False):
                words = plain_words(text)
                part_values = self._values_in(text, values)
                if not part:  # only stop words: which intent does it read like?
                    intent, similarity = self._part_intent(text, words)
                    if self.kb.has_topic(context.last_topic) and not (
                        intent in self.kb.routes and similarity >= PLAIN_SIMILARITY
                    ):
                        # "by how much, and up to what year?": the topic just talked about
                        section = Section(self.answers.first_facts(context.last_topic), general=True)
                    elif intent in self.kb.routes and similarity >= PLAIN_SIMILARITY:
                        section = Section(self.answers.lead_facts(intent, part_values), general=True)
                    elif prior is not None and prior not in covered:
                        section = Section(self.answers.lead_facts(turn.intent, values), general=True)
                    else:
                        section = None
                else:
                    # an earlier part is context only where it fits at least as well as anything
                    step = self._next_step(text, part, context)  # "... and what do I do after my degree?"
                    if step is not None:
                        section = Section([step])
                    else:  # each part with the intent it reads like, as a message of its own would be
                        intent, sureness = self._part_intent(text, words)
                        part_prior = self._topic_of(intent, sureness)
                        asked = (
                            replace(context, text=text, intent=intent, confidence=sureness) if part_prior else context
                        )
                        section = self._answer_part(
                            part, asked, part_prior, part_values, follow_up=context is not turn, in_message=True
                        )
                if section is not None and section.facts:
                    sections.append(section)
                    covered |= {t for f in section.facts for t in f.topics}
                    context = Turn(
                        turn.text,
                        turn.intent,
                        turn.confidence,
                        turn.entities,
                        section.facts[0].topics[0],
                        [f.id for f in section.facts],
                    )
            if prior is not None and prior not in covered:
                sections.insert(0, self._with_prior(terms, turn.intent, values))
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

    def _answer_part(
        self,
        terms,
        turn: Turn,
        prior: str | None,
        values,
        follow_up: bool = True,
        leaning: bool = False,
        in_message: bool = False,
        claim: bool = False,
    ) -> Section | None:
        naming = bool(NAMING.match(turn.text)) if isinstance(turn.text, str) else False
        counting = bool(COUNTING.search(turn.text)) if isinstance(turn.text, str) else False
        if prior is not None:
            if leaning and prior != turn.last_topic and len(terms) <= SHORT:
                # "and what about its rating?" right after a course: the last topic's fact,
                # where it holds more of the message than anything of the intent's topic
                section = self._follow_up(terms, turn, values, LEANING_COVERAGE)
                if section is not None:
                    best_prior = max(
                        (h.coverage for h in self.retriever.rank(terms, kinds=("fact",)) if prior in h.entry.topics),
                        default=0.0,
                    )
                    if section.gap:  # "ok but what do entry-level people start at?" after the pay
                        held = self._best(terms, among=self._entries_of(turn.last_topic)).coverage
                        if held >= best_prior:
                            return section
                    elif min(self.retriever.facts.coverage_of(terms, f.id) for f in section.facts) > best_prior:
                        return section
            return self._with_prior(terms, turn.intent, values, turn.last_topic, naming, counting)
        if follow_up and len(terms) <= SHORT:
            section = self._follow_up(terms, turn, values, in_message=in_message, naming=naming, counting=counting)
            if section is not None:
                return section
        hit = self._best(terms, counting=counting)
        need = GAP_COVERAGE if hit and hit.entry.kind == "gap" else ANSWER_COVERAGE
        found = hit.coverage if hit and hit.coverage >= need else 0.0
        if (
            found
            and turn.intent in DECLINE_INTENTS
            and len(set(self._known(terms))) == 1
            and hit.phrase < LONE_WORD_PHRASE
            and not claim
        ):  # ("Indeed said 200k": a figure pushed about what the word names)
            # one known word in an off-topic message ("what time is it?", "bitcoin price?") is
            # not a question about the fact that uses it, unless one of its phrases is that word
            found = 0.0
        if turn.intent == "out_of_scope" and turn.confidence >= CONFIDENT:
            # the classifier is sure it is off-topic: only a clear fact match overrides it, or
            # a known gap when the message says it is about the job ("what GPA do employers
            # want from ML engineers?")
            about_us = (
                hit is not None and hit.entry.kind == "gap" and self.kb.scope.occupation in values.get("occupation", [])
            )
            clear = found and (hit.coverage >= OVERRIDE_COVERAGE or about_us)
            return self._section_for_hit(hit) if clear else None
        unsure = not found and terms and isinstance(turn.text, str) and not turn.text.startswith("/")
        if (
            unsure
            and self.second_opinion is not None
            and not (self.kb.has_topic(turn.last_topic) and len(terms) <= SHORT)
        ):
            # the ranker is unsure: what do the n-grams say? ("a normal salary around here")
            opinion, sureness = self.second_opinion.classify(turn.text)
            if sureness >= SECOND_OPINION:
                return self._with_prior(terms, opinion, values) if opinion in self.kb.routes else None
        like = self.retriever.intent(terms)  # the training example it reads most like
        if like is not None and like.coverage >= INTENT_COVERAGE and like.coverage >= found + INTENT_MARGIN:
            if like.entry.id in self.kb.routes:
                return self._with_prior(terms, like.entry.id, values)
            return None  # reads like chitchat, a follow-up or an off-topic question
        return self._section_for_hit(hit) if found else None

    def _in_scope_parts(self, turn: Turn, clean: str, claimed: list[str]) -> Outcome | None:
        """A message asking about ML engineers and about something else ("the median, and what
        about the UK?"): its questions that ask nothing out of scope are answered, with a
        sentence saying which part is not; None if every question is out of scope."""
        others = self.answers.out_of_scope(self._entities(turn, clean, self.analyzer.nlp(clean)))
        mine = ML_WORDS.search(clean) or turn.background or OWN_BACKGROUND.search(clean)
        if others is not None and others.message == "other_occupation" and not mine:
            return None  # "truck driver pay? my cousin says it's good money": all about the other job
        texts = self._split(clean)
        kept, outside = [], None
        for text in texts:
            doc = self.analyzer.nlp(text)
            scope = self.answers.out_of_scope(self._entities(Turn(text), text, doc))
            if scope is None and outside is not None and len(text.split()) <= 4 and not MINE.search(text):
                scope = outside  # "In Brazil, is the market good? Many vacancies?": still Brazil
            if scope is None:
                kept.append(text)
            else:
                outside = outside or scope
        if not kept or outside is None:
            return None
        text = " ".join(kept)
        doc = self.analyzer.nlp(text)
        intent, confidence = (
            self._part_intent(text, plain_words(text)) if len(kept) == 1 else (turn.intent, turn.confidence)
        )
        asked = replace(turn, text=text, intent=intent, confidence=confidence, entities=())
        note = self.answers.message(f"part_{outside.message}", subject=outside.subject)
        outcome = self._answer(
            asked, text, self._terms(doc), self._entities(asked, text, doc), confidence, claimed, notes=[note]
        )
        return outcome if outcome.reply.facts else None

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
