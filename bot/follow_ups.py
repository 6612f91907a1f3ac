"""How the responder follows up the last answer (part of bot.responder.Responder): a
question about what was just said, "what year?" / "by how much?", "why?", "which ones?"
("then what?", "tell me more" and "why?" with the sources' reasons: bot.next_steps)."""

from __future__ import annotations

from bot.cues import (
    CARRY_ON,
    DOUBT,
    EXAMPLES,
    REFERRING,
    SHORT_WHY,
    WHY,
)
from bot.reply import Section, slot_ids
from bot.thresholds import (
    ANSWER_COVERAGE,
    FOLLOW_UP_COVERAGE,
    FOLLOW_UP_SLACK,
    SHORT,
)
from bot.turn import Outcome, Turn


class FollowUps:
    def _follow_up(
        self,
        terms,
        turn: Turn,
        values,
        least: float = 0.0,
        in_message: bool = False,
        naming: bool = False,
        counting: bool = False,
    ) -> Section | None:
        """A fact of the last answer's topic that this short message asks about. Within one
        message (a later part leaning on an earlier one) the earlier part's topic only
        breaks ties: a part that names a source or statistic is answered on its own."""
        if not self.kb.has_topic(turn.last_topic):
            return None
        keyed = [] if in_message else self.answers.keyed(self.kb.facts_of(turn.last_topic), values)
        if keyed:
            return Section(keyed)  # "and Indeed's figure?"
        if not terms:
            return None
        among = self._entries_of(turn.last_topic)
        if in_message:  # an earlier part's facts and all their topics ("the Stanford course's skills")
            among += [
                e
                for f in slot_ids(turn.last_facts)
                if self.kb.has_fact(f)
                for t in self.kb.fact(f).topics
                for e in self._entries_of(t)
            ]
        hit = self._best(terms, among=among, naming=naming, counting=counting)
        if hit is not None and in_message:
            # within one message, the fact of the earlier part's topics that holds most of this
            # part ("... the Stanford course? What's the average time to finish it?")
            widest = max(
                self.retriever.rank(terms, among=among, kinds=("fact",)), key=lambda h: h.coverage, default=hit
            )
            if widest.coverage > hit.coverage:
                hit = widest
        if hit is None or hit.coverage < max(least, FOLLOW_UP_COVERAGE):
            return None
        anywhere = self._best(terms)
        slack = 0.0 if in_message else FOLLOW_UP_SLACK
        if (
            anywhere is not None
            and anywhere.coverage >= max(ANSWER_COVERAGE, hit.coverage + slack)
            and (anywhere.coverage, in_message and anywhere.phrase) > (hit.coverage, in_message and hit.phrase)
        ):
            return None  # the message stands on its own: another topic answers it clearly better
        if hit.entry.kind == "gap":
            return self.answers.gap_section(hit.entry.id)
        return Section([self.kb.fact(hit.entry.id)])

    def _typed_follow_up(self, clean: str, terms, turn: Turn, values) -> Section | None:
        """ "What year?", "by how much?", "on what grounds?" right after an answer: the facts
        just given that hold a year, an amount, a reason. Not when the message names
        something those facts don't hold ("what year did Indeed rank it?" after the pay)."""
        kinds = [kind for kind, cue in self.asked_type.items() if cue.search(clean)]
        if (
            not kinds
            or not self.kb.has_topic(turn.last_topic)
            or len(terms) > SHORT
            or any(found for label, found in values.items() if label != "country")
        ):  # ("in the US?": in scope)
            return None

        def typed_of(facts):  # the facts holding a year, an amount, a subject ... asked for
            return [f for f in facts if any(self.has_type[kind](f.text) for kind in kinds)]

        typed = typed_of(self.kb.fact(f) for f in slot_ids(turn.last_facts) if self.kb.has_fact(f))
        asking = set().union(*(self.kind_terms.get(kind, set()) for kind in kinds))
        if not typed and not [t for t in terms if t not in asking]:
            # "by how much?", "in which fields?" after facts with none: the topic's facts that have one
            typed = typed_of(self.kb.facts_of(turn.last_topic))
        if not typed:
            return None
        own = [t for t in terms if t not in REFERRING and t not in asking]
        if own:
            hit = self._best(own)
            if (
                hit is not None
                and hit.coverage >= ANSWER_COVERAGE
                and hit.entry.id not in {f.id for f in typed}
                and max(self.retriever.facts.coverage_of(own, f.id) for f in typed) < hit.coverage
            ):
                return None
        return Section(typed)

    def _carry_on(self, turn: Turn, clean: str, values) -> Outcome | None:
        """A message with no words of its own that carries the last answer on."""
        if WHY.match(clean) and SHORT_WHY.match(clean):  # ("how?" asks how, not why)
            reasons = self._reasons(turn, [])
            if reasons is not None:
                return reasons
        if WHY.match(clean) or DOUBT.match(clean):  # the reason (or what was doubted) is in the facts just given
            facts = [self.kb.fact(f) for f in slot_ids(turn.last_facts) if self.kb.has_fact(f)]
            if facts:
                seen = slot_ids(turn.seen_facts)
                return Outcome(self.answers.compose([Section(facts)], turn.last_topic, seen), seen)
        if EXAMPLES.match(clean):  # "which ones?" after "some entry-level jobs lead there"
            last = set(slot_ids(turn.last_facts))
            gaps = [g for g in self.kb.gaps if g.topic == turn.last_topic and last & set(g.facts)]
            if len(gaps) == 1:  # the one thing the facts just given leave unnamed
                seen = slot_ids(turn.seen_facts)
                section = self.answers.gap_section(gaps[0].id)
                return Outcome(self.answers.compose([section], turn.last_topic, seen), seen)
        if CARRY_ON.match(clean):  # "then what?"
            return self._more(turn)
        places = values.get("us_place", [])
        if places and not values.get("country"):  # "and in Texas?"
            facts = self.answers.first_facts(turn.last_topic)
            lead = self.answers.message("local_figures", place=places[0])
            return Outcome(self.answers.compose([Section(facts, lead)], turn.last_topic), [f.id for f in facts])
        return None
