"""Going on from the last answer (part of bot.responder.Responder): the next step of the way
in, more of the topic, the reasons the sources give, and a question of stop words only
read by its closest phrasing."""

from __future__ import annotations

from bot.cues import (
    CARRY_ON,
    CHITCHAT,
    COUNTING,
    DATE_CUE,
    FOLLOW_UPS,
    HAS_TYPE,
    LEANING,
    NEXT_STEP,
    STEP_NAMED,
    STEP_TERMS,
    STRUCTURED,
)
from bot.knowledge import Fact
from bot.reply import Section, slot_ids
from bot.thresholds import (
    ANSWER_COVERAGE,
    CHAT_PHRASE_SIMILARITY,
    CHITCHAT_CONFIDENT,
    CONFIDENT,
    COUNT_PHRASE_SIMILARITY,
    PHRASE_SIMILARITY,
    PHRASE_WORDS,
    SHORT,
)
from bot.turn import Outcome, Turn
from bot.words import content_words


class NextSteps:
    def _next_step(self, clean: str, terms, turn: Turn) -> Fact | None:
        """ "Then what?", "ok and once I have the degree?": the step after the one the message
        names (the earliest that holds its words) or, naming none, after the last answer's."""
        steps = self.kb.steps
        if not steps or len(terms) > SHORT:
            return None
        known = self.retriever.facts.vocabulary
        own = [t for t in terms if t not in STEP_TERMS and t in known]
        if own and STEP_NAMED.search(clean):
            named = [
                i
                for i, step in enumerate(steps)
                if max(self.retriever.facts.coverage_of(own, f) for f in step) >= ANSWER_COVERAGE
            ]
            at = named[0] if named else None
        elif not own and NEXT_STEP.search(clean):  # ("do I need a master's after that?" names what it asks)
            last = set(slot_ids(turn.last_facts))
            at = max((i for i, step in enumerate(steps) if last & set(step)), default=None)
        else:
            return None
        if at is None or at + 1 >= len(steps):
            return None
        return self.kb.fact(steps[at + 1][0])

    def _more(self, turn: Turn) -> Outcome:
        seen = slot_ids(turn.seen_facts)
        reply = self.answers.more(turn.last_topic, seen)
        return Outcome(reply, seen + [f for f in reply.facts if f not in seen])

    def _reasons(self, turn: Turn, terms) -> Outcome | None:
        """ "Why?" after an answer: the facts the knowledge file gives as its facts' reasons
        (`reasons`); with words of its own ("why data science?"), those that hold them."""
        last = [f for f in slot_ids(turn.last_facts) if f in self.kb.reasons]
        if not last:
            return None
        # a fact that says its own reason ("..., because postings had grown") comes first
        ids = [f for f in last if HAS_TYPE["reason"](self.kb.fact(f).text)]
        because = [self.kb.fact(f) for f in dict.fromkeys(ids + [r for f in last for r in self.kb.reasons[f]])]
        asked = set(terms)  # (not less the REFERRING words: "why data science?" names data)
        overlap = {f.id: len(asked & set(self.analyzer.terms(f.text))) for f in because}
        most = max(overlap.values(), default=0)
        facts = [f for f in because if overlap[f.id] == most] if most else because
        seen = slot_ids(turn.seen_facts)
        return Outcome(self.answers.compose([Section(facts)], turn.last_topic, seen), seen)

    def _phrased(self, clean: str, turn: Turn, intent: str | None, confidence: float) -> Outcome | None:
        """A question of stop words only that says what an `asks` phrase says ("is that a
        lot?" after the pay, "how many ML engineers are there?"): that fact or gap, looked
        for among the last answer's topic first."""
        if STRUCTURED.match(clean) or DATE_CUE.search(clean) or CARRY_ON.match(clean):
            return None
        # a greeting or "tell me more" only where a phrase of the last topic says it closely
        chat = (
            intent in CHITCHAT and confidence >= CHITCHAT_CONFIDENT or intent in FOLLOW_UPS and confidence >= CONFIDENT
        )
        words = content_words(clean)
        if len(words) < PHRASE_WORDS:
            return None
        entry, similarity, needed = None, 0.0, PHRASE_SIMILARITY
        if self.kb.has_topic(turn.last_topic):
            entry, similarity = self.retriever.closest_phrase(words, self._entries_of(turn.last_topic))
            if entry is not None and similarity < needed and self._counts_alike(clean, entry):
                needed = COUNT_PHRASE_SIMILARITY  # "how many jobs is that?" after the outlook: both count
        if chat and similarity < CHAT_PHRASE_SIMILARITY:
            return None
        if similarity < needed:
            if LEANING.search(clean):  # "is that a lot?" with nothing said yet: about nothing
                return None
            entry, similarity = self.retriever.closest_phrase(words)
            if similarity < PHRASE_SIMILARITY:
                return None
        prior = self._topic_of(intent, confidence)
        if entry.kind == "fact" and prior is not None and self.kb.fact(entry.id) in self.answers.lead_facts(intent, {}):
            return None  # a general question on the intent's topic: its lead facts, as usual
        if entry.kind == "gap":
            section = self.answers.gap_section(entry.id)
        else:
            section = Section([self.kb.fact(entry.id)])
        return self._answered([section], section.facts[0].topics[0] if section.facts else entry.topics[0], turn)

    def _counts_alike(self, clean: str, entry) -> bool:
        """Whether a question asking how many or how much is close to a phrase of this entry
        that asks the same ("how many jobs is that?" and the gap's "how many jobs are there")."""
        if not COUNTING.search(clean):
            return False
        asks = self.kb.gap(entry.id).asks if entry.kind == "gap" else self.kb.fact(entry.id).asks
        return any(COUNTING.search(phrase) for phrase in asks)
