"""How the responder answers the parts of a question (part of bot.responder.Responder): each
question of a message with the intent it reads like, one part from the facts ranked for
it, and the parts about this career beside one about another job or country."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.cues import (
    COUNTING,
    DECLINE_INTENTS,
    NAMING,
    OWN_BACKGROUND,
    THE_US,
)
from bot.reading import ML_WORDS
from bot.reply import Section
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
MINE = re.compile(ML_WORDS.pattern + "|" + THE_US, re.I)


class Parts:
    def _answer_parts(self, parts, texts: list[str], terms, turn: Turn, prior: str | None, values) -> list[Section]:
        """Each question of a message answered with the intent it reads like, as a message of its own
        would be; a later part may lean on an earlier one ("... and how long is it?")."""
        sections: list[Section] = []
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
                    asked = replace(context, text=text, intent=intent, confidence=sureness) if part_prior else context
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
        return sections

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
        # (a word the bot knows, at least: ":moneybag: :chart:" reads like pay to n-grams alone)
        unsure = not found and self._known(terms) and isinstance(turn.text, str) and not turn.text.startswith("/")
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
